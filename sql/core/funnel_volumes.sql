-- Funnel volumes at the finest grain the funnel marts split by: per month
-- and lead dimension, the leads that entered each stage in the month and
-- the amounts of their won and lost opportunities (docs/kpis.md#the-funnel).
-- kpi_funnel_monthly and kpi_funnel_industry add them up.
with leads as (
    select * from core.fct_lead
),

opportunities as (
    select * from core.fct_opportunity
),

-- Volume per stage and period = the leads that entered the stage in the period.
stage_entries as (
    unpivot (
        select lead_id, channel, channel_class, potential_class, business_unit, industry,
            lead_at, mql_at, sql_at, opportunity_at, won_at, lost_at, disqualified_at
        from leads
    )
    on lead_at, mql_at, sql_at, opportunity_at, won_at, lost_at, disqualified_at
    into name stage_column value entered_at
),

lead_amounts as (
    select
        lead_id,
        sum(amount_rc) filter (where is_won) as won_amount,
        sum(amount_rc) filter (where outcome = 'lost') as lost_amount
    from opportunities
    where lead_id is not null
    group by lead_id
),

final as (
    select
        date_trunc('month', e.entered_at)::date as month,
        e.channel,
        e.channel_class,
        e.potential_class,
        e.business_unit,
        e.industry,
        count(*) filter (where e.stage_column = 'lead_at') as leads,
        count(*) filter (where e.stage_column = 'mql_at') as mqls,
        count(*) filter (where e.stage_column = 'sql_at') as sqls,
        count(*) filter (where e.stage_column = 'opportunity_at') as opportunities,
        count(*) filter (where e.stage_column = 'won_at') as won,
        count(*) filter (where e.stage_column = 'lost_at') as lost,
        count(*) filter (where e.stage_column = 'disqualified_at') as disqualified,
        coalesce(sum(a.won_amount) filter (where e.stage_column = 'won_at'), 0) as won_amount,
        coalesce(sum(a.lost_amount) filter (where e.stage_column = 'lost_at'), 0) as lost_amount
    from stage_entries as e
    left join lead_amounts as a on a.lead_id = e.lead_id
    group by all
)

select * from final
