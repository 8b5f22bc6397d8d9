-- When each account became a customer: its first won opportunity, its first
-- invoice, or the ERP's first order date for customers older than the
-- invoice history, whichever came first; and the channel class of the lead
-- that won it (docs/kpis.md#potential-vs-acquisition).
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

leads as (
    select * from core.fct_lead
),

-- The ERP's first order date stands in only for customers whose first
-- order predates the invoice history: within it, the invoices tell.
history_start as (
    select min(invoice_date) as first_invoice_date from invoice_lines
),

events as (
    select account_key, closed_at::date as on_date from opportunities where is_won and account_key is not null
    union all
    select account_key, invoice_date from invoice_lines where account_key is not null
    union all
    select a.account_key, a.first_order_date
    from accounts as a
    cross join history_start as h
    where a.first_order_date is not null
        and (h.first_invoice_date is null or a.first_order_date < h.first_invoice_date)
),

became as (
    select
        e.account_key,
        min(e.on_date) as became_customer_on,
        date_trunc('month', min(e.on_date))::date as month
    from events as e
    group by e.account_key
),

-- The lead that won the customer: the account's first won lead, when it was
-- won by the end of the month the account became a customer.
winning_lead as (
    select
        b.account_key,
        arg_min(l.lead_id, (l.won_at, l.lead_id)) as lead_id,
        arg_min(l.channel_class, (l.won_at, l.lead_id)) as channel_class
    from became as b
    join leads as l on l.account_key = b.account_key
    where l.won_at is not null and l.won_at < b.month + interval 1 month
    group by b.account_key
),

final as (
    select
        b.account_key,
        b.became_customer_on,
        b.month,
        coalesce(a.business_unit, 'unassigned') as business_unit,
        p.potential_revenue,
        p.potential_class,
        w.lead_id as won_by_lead_id,
        case when w.channel_class in ('reactive', 'proactive') then w.channel_class else 'unattributed' end as acquisition_class
    from became as b
    join accounts as a on a.account_key = b.account_key
    left join potential as p on p.account_key = b.account_key
    left join winning_lead as w on w.account_key = b.account_key
)

select * from final
