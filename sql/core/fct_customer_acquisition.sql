-- When each account became a customer: its first won opportunity, first
-- invoice, or the ERP's first order date (for customers older than the
-- invoice history), whichever came first.
with opportunities as (
    select * from core.fct_opportunity
),

invoice_lines as (
    select * from core.fct_invoice_line
),

accounts as (
    select * from core.dim_account
),

potential as (
    select * from core.account_potential
),

events as (
    select account_key, closed_at::date as on_date from opportunities where is_won and account_key is not null
    union all
    select account_key, invoice_date from invoice_lines where account_key is not null
    union all
    select account_key, first_order_date from accounts where first_order_date is not null
),

final as (
    select
        e.account_key,
        min(e.on_date) as became_customer_on,
        date_trunc('month', min(e.on_date))::date as month,
        coalesce(any_value(a.business_unit), 'unassigned') as business_unit,
        any_value(p.potential_revenue) as potential_revenue,
        any_value(p.potential_class) as potential_class
    from events as e
    join accounts as a on a.account_key = e.account_key
    left join potential as p on p.account_key = e.account_key
    group by e.account_key
)

select * from final
