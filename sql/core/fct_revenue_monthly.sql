-- Revenue and margin per account, business unit and month, in the reporting currency.
with lines as (
    select * from core.fct_invoice_line
),

final as (
    select
        account_key,
        month,
        business_unit,
        count(*) as invoice_lines,
        count(distinct invoice_id) as invoices,
        sum(net_revenue_rc) as revenue,
        sum(contribution_margin_rc) as margin
    from lines
    group by account_key, month, business_unit
)

select * from final
