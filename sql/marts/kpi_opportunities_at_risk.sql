-- High-potential opportunities lost, or open and stalled, as of as_of:
-- the deals with the most potential at stake. Stalled: open, and no
-- activity on its account for 30 days (the expected close
-- date, where the CRM keeps one, passed counts too).
with opportunities as (
    select * from core.fct_opportunity
),

potential as (
    select * from core.account_potential
),

params as (
    select * from cfg.params
),

last_activity as (
    select * from core.account_last_activity
),

flagged as (
    select
        o.opportunity_id,
        o.account_key,
        p.account_name,
        o.business_unit,
        o.owner_rep_id,
        p.potential_class,
        p.potential_revenue,
        o.amount_rc,
        o.stage,
        o.created_at,
        o.closed_at,
        l.last_activity_at,
        case
            when o.outcome = 'lost' then 'lost'
            when not o.is_closed
                and (coalesce(l.last_activity_at, o.created_at) < pa.as_of - interval 30 day
                    or o.expected_close_date < pa.as_of)
                then 'stalled'
        end as risk,
        pa.as_of
    from opportunities as o
    cross join params as pa
    join potential as p on p.account_key = o.account_key
    left join last_activity as l on l.account_key = o.account_key
    where p.potential_class in ('A', 'B')
)

select
    row_number() over (order by potential_revenue desc, amount_rc desc nulls last, opportunity_id) as risk_rank,
    *
from flagged
where risk is not null
order by risk_rank
