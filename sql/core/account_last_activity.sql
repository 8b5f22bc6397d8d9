-- Each account's latest activity up to as_of (the report's "last
-- activity"), for the marts that rank accounts and opportunities.
with activities as (
    select * from core.fct_activity
),

params as (
    select * from cfg.params
)

select a.account_key, max(a.occurred_at) as last_activity_at
from activities as a
cross join params as pa
where a.account_key is not null and a.occurred_at < pa.as_of + interval 1 day
group by a.account_key
