-- Funnel volumes, period conversion, win rates and lead response time per
-- month, channel, reactive/proactive, potential class and business unit.
-- Definitions: docs/kpis.md#the-funnel.
with leads as (
    select * from core.fct_lead
),

opportunities as (
    select * from core.fct_opportunity
),

params as (
    select * from cfg.params
),

-- Volume per stage and period = the leads that entered the stage in the period.
stage_entries as (
    unpivot (
        select lead_id, channel, channel_class, potential_class, business_unit,
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

volumes as (
    select
        date_trunc('month', e.entered_at)::date as month,
        e.channel,
        e.channel_class,
        e.potential_class,
        e.business_unit,
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
),

-- Response time belongs to the month the lead was created in.
response as (
    select
        date_trunc('month', l.created_at)::date as month,
        l.channel,
        l.channel_class,
        l.potential_class,
        l.business_unit,
        quantile_cont(l.response_hours, 0.5) as response_hours_p50,
        quantile_cont(l.response_hours, 0.9) as response_hours_p90,
        count(*) filter (where l.response_hours <= p.response_sla_hours) as responded_within_sla,
        count(*) as leads_created
    from leads as l
    cross join params as p
    group by all
),

final as (
    select
        v.month,
        v.channel,
        v.channel_class,
        v.potential_class,
        v.business_unit,
        v.leads,
        v.mqls,
        v.sqls,
        v.opportunities,
        v.won,
        v.lost,
        v.disqualified,
        cfg.safe_div(v.mqls, v.leads) as conversion_lead_mql,
        cfg.safe_div(v.sqls, v.mqls) as conversion_mql_sql,
        cfg.safe_div(v.opportunities, v.sqls) as conversion_sql_opportunity,
        cfg.safe_div(v.won, v.opportunities) as conversion_opportunity_won,
        cfg.safe_div(v.won, v.won + v.lost) as win_rate_count,
        v.won_amount,
        v.lost_amount,
        cfg.safe_div(v.won_amount, v.won_amount + v.lost_amount) as win_rate_amount,
        r.response_hours_p50,
        r.response_hours_p90,
        -- without any activity data no response is observable: NULL, not 0
        case when (select count(*) from staging.stg_crm__activities) > 0
            then cfg.safe_div(r.responded_within_sla, r.leads_created) end as response_within_sla_share
    from volumes as v
    cross join params as p
    left join response as r
        on r.month = v.month and r.channel is not distinct from v.channel and r.channel_class = v.channel_class
        and r.potential_class = v.potential_class and r.business_unit = v.business_unit
    where v.month between p.history_start and p.as_of
)

select * from final
order by month, channel, channel_class, potential_class, business_unit
