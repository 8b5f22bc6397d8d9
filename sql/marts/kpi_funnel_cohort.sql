-- Cohort funnel: of the leads created in a month, the share that reached each
-- stage within 30/90/180 days and to date, and how fast (docs/kpis.md#cohorts).
with leads as (
    select * from core.fct_lead
),

params as (
    select * from cfg.params
),

cohorts as (
    select
        cohort_month,
        channel,
        potential_class,
        count(*) as cohort_leads,
        count(*) filter (where mql_at < created_at + interval 30 day) as reached_mql_30d,
        count(*) filter (where mql_at < created_at + interval 90 day) as reached_mql_90d,
        count(*) filter (where mql_at < created_at + interval 180 day) as reached_mql_180d,
        count(mql_at) as reached_mql_to_date,
        count(*) filter (where sql_at < created_at + interval 30 day) as reached_sql_30d,
        count(*) filter (where sql_at < created_at + interval 90 day) as reached_sql_90d,
        count(*) filter (where sql_at < created_at + interval 180 day) as reached_sql_180d,
        count(sql_at) as reached_sql_to_date,
        count(*) filter (where opportunity_at < created_at + interval 30 day) as reached_opportunity_30d,
        count(*) filter (where opportunity_at < created_at + interval 90 day) as reached_opportunity_90d,
        count(*) filter (where opportunity_at < created_at + interval 180 day) as reached_opportunity_180d,
        count(opportunity_at) as reached_opportunity_to_date,
        count(*) filter (where won_at < created_at + interval 30 day) as reached_won_30d,
        count(*) filter (where won_at < created_at + interval 90 day) as reached_won_90d,
        count(*) filter (where won_at < created_at + interval 180 day) as reached_won_180d,
        count(won_at) as reached_won_to_date,
        -- velocity: days between consecutive stages, only for the leads whose
        -- times for both stages were recorded (a skipped stage has no duration)
        quantile_cont(cfg.days(lead_at, mql_at), 0.5) filter (where mql_observed) as days_lead_mql_p50,
        quantile_cont(cfg.days(lead_at, mql_at), 0.75) filter (where mql_observed) as days_lead_mql_p75,
        quantile_cont(cfg.days(mql_at, sql_at), 0.5) filter (where mql_observed and sql_observed) as days_mql_sql_p50,
        quantile_cont(cfg.days(mql_at, sql_at), 0.75) filter (where mql_observed and sql_observed) as days_mql_sql_p75,
        quantile_cont(cfg.days(sql_at, opportunity_at), 0.5) filter (where sql_observed and opportunity_observed) as days_sql_opportunity_p50,
        quantile_cont(cfg.days(sql_at, opportunity_at), 0.75) filter (where sql_observed and opportunity_observed) as days_sql_opportunity_p75,
        quantile_cont(cfg.days(opportunity_at, won_at), 0.5) filter (where opportunity_observed) as days_opportunity_won_p50,
        quantile_cont(cfg.days(opportunity_at, won_at), 0.75) filter (where opportunity_observed) as days_opportunity_won_p75,
        -- creation to won, whatever stages lie between
        quantile_cont(cfg.days(lead_at, won_at), 0.5) as days_lead_won_p50,
        quantile_cont(cfg.days(lead_at, won_at), 0.75) as days_lead_won_p75
    from leads
    group by all
),

final as (
    select
        c.cohort_month,
        c.channel,
        c.potential_class,
        c.cohort_leads,
        c.reached_mql_to_date,
        c.reached_sql_to_date,
        c.reached_opportunity_to_date,
        c.reached_won_to_date,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 30 day <= p.as_of then cfg.safe_div(c.reached_mql_30d, c.cohort_leads) end as share_mql_30d,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 90 day <= p.as_of then cfg.safe_div(c.reached_mql_90d, c.cohort_leads) end as share_mql_90d,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 180 day <= p.as_of then cfg.safe_div(c.reached_mql_180d, c.cohort_leads) end as share_mql_180d,
        cfg.safe_div(c.reached_mql_to_date, c.cohort_leads) as share_mql_to_date,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 30 day <= p.as_of then cfg.safe_div(c.reached_sql_30d, c.cohort_leads) end as share_sql_30d,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 90 day <= p.as_of then cfg.safe_div(c.reached_sql_90d, c.cohort_leads) end as share_sql_90d,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 180 day <= p.as_of then cfg.safe_div(c.reached_sql_180d, c.cohort_leads) end as share_sql_180d,
        cfg.safe_div(c.reached_sql_to_date, c.cohort_leads) as share_sql_to_date,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 30 day <= p.as_of then cfg.safe_div(c.reached_opportunity_30d, c.cohort_leads) end as share_opportunity_30d,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 90 day <= p.as_of then cfg.safe_div(c.reached_opportunity_90d, c.cohort_leads) end as share_opportunity_90d,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 180 day <= p.as_of then cfg.safe_div(c.reached_opportunity_180d, c.cohort_leads) end as share_opportunity_180d,
        cfg.safe_div(c.reached_opportunity_to_date, c.cohort_leads) as share_opportunity_to_date,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 30 day <= p.as_of then cfg.safe_div(c.reached_won_30d, c.cohort_leads) end as share_won_30d,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 90 day <= p.as_of then cfg.safe_div(c.reached_won_90d, c.cohort_leads) end as share_won_90d,
        case when c.cohort_month + interval 1 month - interval 1 day + interval 180 day <= p.as_of then cfg.safe_div(c.reached_won_180d, c.cohort_leads) end as share_won_180d,
        cfg.safe_div(c.reached_won_to_date, c.cohort_leads) as share_won_to_date,
        c.days_lead_mql_p50,
        c.days_lead_mql_p75,
        c.days_mql_sql_p50,
        c.days_mql_sql_p75,
        c.days_sql_opportunity_p50,
        c.days_sql_opportunity_p75,
        c.days_opportunity_won_p50,
        c.days_opportunity_won_p75,
        c.days_lead_won_p50,
        c.days_lead_won_p75
    from cohorts as c
    cross join params as p
    where c.cohort_month >= p.history_start
)

select * from final
order by cohort_month, channel, potential_class
