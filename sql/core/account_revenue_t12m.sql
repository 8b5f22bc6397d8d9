-- Actual revenue and margin of each account over the trailing twelve months up to as_of.
with invoice_lines as (
    select * from core.fct_invoice_line
),

params as (
    select * from cfg.params
),

final as (
    select
        l.account_key,
        sum(l.net_revenue_rc) as revenue_t12m,
        sum(l.contribution_margin_rc) as margin_t12m
    from invoice_lines as l, params as p
    where l.invoice_date > p.as_of - interval 12 month and l.invoice_date <= p.as_of and l.account_key is not null
    group by l.account_key
)

select * from final
