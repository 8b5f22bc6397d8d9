-- The lead cohorts of each month over every channel and potential class:
-- how far the leads created in a month have come by as_of.
with cohorts as (
    select * from mart.kpi_funnel_cohort
)

select
    cohort_month,
    sum(cohort_leads) as cohort_leads,
    sum(reached_mql_to_date) as reached_mql_to_date,
    sum(reached_sql_to_date) as reached_sql_to_date,
    sum(reached_opportunity_to_date) as reached_opportunity_to_date,
    sum(reached_won_to_date) as reached_won_to_date,
    cfg.safe_div(sum(reached_mql_to_date), sum(cohort_leads)) as share_mql_to_date,
    cfg.safe_div(sum(reached_sql_to_date), sum(cohort_leads)) as share_sql_to_date,
    cfg.safe_div(sum(reached_opportunity_to_date), sum(cohort_leads)) as share_opportunity_to_date,
    cfg.safe_div(sum(reached_won_to_date), sum(cohort_leads)) as share_won_to_date
from cohorts
group by cohort_month
order by cohort_month
