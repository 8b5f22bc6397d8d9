-- Funnel volumes, conversions and win rate per month and industry; a lead's
-- industry is its own, else its account's (docs/kpis.md#the-funnel).
with funnel_volumes as (
    select * from core.funnel_volumes
),

params as (
    select * from cfg.params
),

volumes as (
    select
        month,
        industry,
        sum(leads)::bigint as leads,
        sum(mqls)::bigint as mqls,
        sum(sqls)::bigint as sqls,
        sum(opportunities)::bigint as opportunities,
        sum(won)::bigint as won,
        sum(lost)::bigint as lost,
        sum(disqualified)::bigint as disqualified
    from funnel_volumes
    group by all
),

final as (
    select
        v.month,
        v.industry,
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
        cfg.safe_div(v.won, v.won + v.lost) as win_rate_count
    from volumes as v
    cross join params as p
    where v.month between p.history_start and p.as_of
)

select * from final
order by month, industry nulls first
