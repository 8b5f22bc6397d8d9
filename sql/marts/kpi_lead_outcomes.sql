-- Lead outcomes to date: of all leads created by as_of, how many were won,
-- lost, disqualified or are still open, with the win rates and the days
-- from creation to won, overall and per channel, channel class, industry,
-- potential class and business unit (docs/kpis.md#win-rates-to-date).
with leads as (
    select * from core.fct_lead
),

grouped as (
    select
        case
            when grouping(channel) = 0 then 'channel'
            when grouping(channel_class) = 0 then 'channel_class'
            when grouping(industry) = 0 then 'industry'
            when grouping(potential_class) = 0 then 'potential_class'
            when grouping(business_unit) = 0 then 'business_unit'
            else 'all'
        end as dimension,
        case
            when grouping(channel) = 0 then channel
            when grouping(channel_class) = 0 then channel_class
            when grouping(industry) = 0 then industry
            when grouping(potential_class) = 0 then potential_class
            when grouping(business_unit) = 0 then business_unit
            else 'all'
        end as dimension_value,
        count(*) as leads,
        count(mql_at) as mqls,
        count(*) filter (where outcome = 'won') as won,
        count(*) filter (where outcome = 'lost') as lost,
        count(*) filter (where outcome = 'disqualified') as disqualified,
        count(*) filter (where outcome = 'open') as open,
        quantile_cont(cfg.days(lead_at, won_at), 0.5) as days_lead_won_p50,
        quantile_cont(cfg.days(lead_at, won_at), 0.75) as days_lead_won_p75
    from leads
    group by grouping sets ((), (channel), (channel_class), (industry), (potential_class), (business_unit))
),

final as (
    select
        dimension,
        dimension_value,
        leads,
        mqls,
        won,
        lost,
        disqualified,
        open,
        cfg.safe_div(won, won + lost) as win_rate_count,
        cfg.safe_div(won, leads) as conversion_lead_won,
        cfg.safe_div(won, mqls) as conversion_mql_won,
        days_lead_won_p50,
        days_lead_won_p75
    from grouped
)

select * from final
order by dimension, dimension_value nulls first
