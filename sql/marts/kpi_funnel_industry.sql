-- Funnel volumes, conversions and win rate per month and industry; a lead's
-- industry is its own, else its account's (docs/kpis.md#the-funnel).
with leads as (
    select * from core.fct_lead
),

params as (
    select * from cfg.params
),

stage_entries as (
    unpivot (
        select lead_id, industry, lead_at, mql_at, sql_at, opportunity_at, won_at, lost_at, disqualified_at
        from leads
    )
    on lead_at, mql_at, sql_at, opportunity_at, won_at, lost_at, disqualified_at
    into name stage_column value entered_at
),

volumes as (
    select
        date_trunc('month', entered_at)::date as month,
        industry,
        count(*) filter (where stage_column = 'lead_at') as leads,
        count(*) filter (where stage_column = 'mql_at') as mqls,
        count(*) filter (where stage_column = 'sql_at') as sqls,
        count(*) filter (where stage_column = 'opportunity_at') as opportunities,
        count(*) filter (where stage_column = 'won_at') as won,
        count(*) filter (where stage_column = 'lost_at') as lost,
        count(*) filter (where stage_column = 'disqualified_at') as disqualified
    from stage_entries
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
