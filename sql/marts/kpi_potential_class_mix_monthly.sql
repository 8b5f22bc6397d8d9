-- Which potential classes the month's leads and wins came from: if A
-- accounts are a third of the leads but a tenth of the wins, the sales
-- force wins the easy customers, not the valuable ones.
with funnel as (
    select * from mart.kpi_funnel_monthly
),

by_class as (
    select month, potential_class, sum(leads) as leads, sum(won) as won
    from funnel
    group by month, potential_class
)

select
    month,
    potential_class,
    leads,
    won,
    cfg.safe_div(leads, sum(leads) over (partition by month)) as share_of_leads,
    cfg.safe_div(won, sum(won) over (partition by month)) as share_of_wins
from by_class
order by month, potential_class
