-- Days from lead creation to won, per cohort month and channel: how long
-- winning takes, whatever stages lie between (docs/kpis.md#velocity).
with leads as (
    select * from core.fct_lead
),

params as (
    select * from cfg.params
),

final as (
    select
        l.cohort_month,
        l.channel,
        count(*) as cohort_leads,
        count(l.won_at) as won,
        cfg.safe_div(count(l.won_at), count(*)) as conversion_lead_won,
        quantile_cont(cfg.days(l.lead_at, l.won_at), 0.5) as days_lead_won_p50,
        quantile_cont(cfg.days(l.lead_at, l.won_at), 0.75) as days_lead_won_p75
    from leads as l
    cross join params as p
    where l.cohort_month >= p.history_start
    group by all
)

select * from final
order by cohort_month, channel nulls first
