-- Revenue and margin per account, business unit and month, in the reporting currency.
with lines as (
    select * from core.fct_invoice_line
),

-- Per invoice first, then per month: two plain aggregations instead of a
-- count(distinct) over millions of groups.
invoices as (
    select
        account_key,
        month,
        business_unit,
        invoice_id,
        count(*) as invoice_lines,
        sum(net_revenue_rc) as revenue,
        sum(contribution_margin_rc) as margin
    from lines
    group by account_key, month, business_unit, invoice_id
),

final as (
    select
        account_key,
        month,
        business_unit,
        sum(invoice_lines)::bigint as invoice_lines,
        count(invoice_id) as invoices,
        sum(revenue) as revenue,
        sum(margin) as margin
    from invoices
    group by account_key, month, business_unit
)

select * from final
