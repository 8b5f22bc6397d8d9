-- The month's funnel over every channel, potential class and business
-- unit: how many leads entered each stage in the month.
with funnel as (
    select * from mart.kpi_funnel_monthly
)

select
    month,
    bool_and(month_complete) as month_complete,
    sum(leads) as leads,
    sum(mqls) as mqls,
    sum(sqls) as sqls,
    sum(opportunities) as opportunities,
    sum(won) as won,
    sum(lost) as lost
from funnel
group by month
order by month
