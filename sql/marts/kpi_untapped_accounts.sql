-- The A-class accounts with the most potential left untapped: where the
-- sales force should go next, with the owner and the last activity.
with potential as (
    select * from core.account_potential
),

accounts as (
    select * from core.dim_account
),

params as (
    select * from cfg.params
),

last_activity as (
    select * from core.account_last_activity
)

select
    row_number() over (order by p.untapped_potential desc, p.account_key) as untapped_rank,
    p.account_key,
    p.account_name,
    d.business_unit,
    d.owner_rep_id,
    p.potential_revenue,
    p.revenue_t12m,
    p.share_of_wallet,
    p.untapped_potential,
    l.last_activity_at,
    date_diff('day', cast(l.last_activity_at as date), pa.as_of) as days_since_activity,
    pa.as_of
from potential as p
cross join params as pa
left join accounts as d on d.account_key = p.account_key
left join last_activity as l on l.account_key = p.account_key
where p.potential_class = 'A' and p.untapped_potential > 0
order by untapped_rank
