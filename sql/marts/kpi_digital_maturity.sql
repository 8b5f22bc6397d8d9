-- Digital maturity per business unit and assessment (docs/kpis.md#digital-maturity):
-- the survey's five factor scores and index, next to signals derived from
-- the data itself (docs/kpis.md#digital-maturity).
with answers as (
    select * from staging.stg_survey__maturity_answers
),

factor_names as (
    select * from core.maturity_factors
),

leads as (
    select * from core.fct_lead
),

activities as (
    select * from core.fct_activity
),

matching as (
    select * from core.account_match_summary
),

params as (
    select * from cfg.params
),

-- Factor score (0-100) = weighted mean of the item scores (1-5), scaled (score - 1) / 4 x 100.
factors as (
    select
        business_unit,
        assessed_on,
        factor,
        sum(weight * (score - 1) / 4 * 100) / sum(weight) as factor_score,
        count(*) as items
    from answers
    group by all
),

assessments as (
    select
        f.business_unit,
        f.assessed_on,
        max(f.factor_score) filter (where f.factor = 1) as factor_1_score,
        max(f.factor_score) filter (where f.factor = 2) as factor_2_score,
        max(f.factor_score) filter (where f.factor = 3) as factor_3_score,
        max(f.factor_score) filter (where f.factor = 4) as factor_4_score,
        max(f.factor_score) filter (where f.factor = 5) as factor_5_score,
        -- index = weighted mean of the factor scores (equal weights by default)
        sum(f.factor_score * fn.weight) / sum(fn.weight) as maturity_index,
        count(*) as factors_answered,
        sum(f.items) as items_answered
    from factors as f
    join factor_names as fn on fn.factor = f.factor
    group by all
),

lead_signals as (
    select
        business_unit,
        avg(case when potential_source is not null then 1.0 else 0.0 end) as share_leads_with_potential,
        avg(case when channel is not null and owner_rep_id is not null then 1.0 else 0.0 end) as share_leads_with_channel_and_owner,
        max(created_at) as newest_lead_at
    from leads
    group by all
),

activity_signals as (
    select
        business_unit,
        avg(case when logging_delay_hours <= 24 then 1.0 else 0.0 end) filter (where logged_at is not null) as share_activities_logged_within_24h
    from activities
    group by all
),

final as (
    select
        a.business_unit,
        a.assessed_on,
        a.factor_1_score,
        a.factor_2_score,
        a.factor_3_score,
        a.factor_4_score,
        a.factor_5_score,
        a.maturity_index,
        -- level 1-5 by index bands of 20
        least(5, floor(a.maturity_index / 20) + 1)::integer as maturity_level,
        a.factors_answered,
        a.items_answered,
        l.share_leads_with_potential,
        l.share_leads_with_channel_and_owner,
        s.share_activities_logged_within_24h,
        (select share_of_erp_customers from matching where match_method = 'matched') as crm_erp_match_rate,
        date_diff('day', l.newest_lead_at::date, p.as_of) as days_since_newest_lead
    from assessments as a
    cross join params as p
    left join lead_signals as l on l.business_unit = a.business_unit
    left join activity_signals as s on s.business_unit = a.business_unit
)

select * from final
order by business_unit, assessed_on
