-- Funnel volumes, period conversion, win rates and lead response time per
-- month, channel, reactive/proactive, potential class and business unit.
-- Definitions: docs/kpis.md#the-funnel.
with leads as (
    select * from core.fct_lead
),

funnel_volumes as (
    select * from core.funnel_volumes
),

params as (
    select * from cfg.params
),

volumes as (
    select
        month,
        channel,
        channel_class,
        potential_class,
        business_unit,
        sum(leads)::bigint as leads,
        sum(mqls)::bigint as mqls,
        sum(sqls)::bigint as sqls,
        sum(opportunities)::bigint as opportunities,
        sum(won)::bigint as won,
        sum(lost)::bigint as lost,
        sum(disqualified)::bigint as disqualified,
        sum(won_amount) as won_amount,
        sum(lost_amount) as lost_amount
    from funnel_volumes
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
        cfg.month_complete(v.month) as month_complete,
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
