-- Opportunity win rates to date: of all opportunities created by as_of,
-- how many are open, won, lost or closed with an unknown outcome, with the
-- win rates by count and by amount, overall and per industry, product,
-- business unit and opportunity type (docs/kpis.md#win-rates-to-date).
with opportunities as (
    select * from core.fct_opportunity
),

grouped as (
    select
        case
            when grouping(industry) = 0 then 'industry'
            when grouping(product) = 0 then 'product'
            when grouping(business_unit) = 0 then 'business_unit'
            when grouping(opportunity_type) = 0 then 'opportunity_type'
            else 'all'
        end as dimension,
        case
            when grouping(industry) = 0 then industry
            when grouping(product) = 0 then product
            when grouping(business_unit) = 0 then business_unit
            when grouping(opportunity_type) = 0 then opportunity_type
            else 'all'
        end as dimension_value,
        count(*) as opportunities,
        count(*) filter (where outcome = 'open') as open,
        count(*) filter (where outcome = 'won') as won,
        count(*) filter (where outcome = 'lost') as lost,
        count(*) filter (where outcome = 'unknown') as unknown_outcome,
        coalesce(sum(amount_rc) filter (where outcome = 'won'), 0) as won_amount,
        coalesce(sum(amount_rc) filter (where outcome = 'lost'), 0) as lost_amount,
        quantile_cont(cfg.days(created_at, closed_at), 0.5) filter (where outcome = 'won') as days_created_won_p50,
        quantile_cont(cfg.days(created_at, closed_at), 0.75) filter (where outcome = 'won') as days_created_won_p75
    from opportunities
    group by grouping sets ((), (industry), (product), (business_unit), (opportunity_type))
),

final as (
    select
        dimension,
        dimension_value,
        opportunities,
        open,
        won,
        lost,
        unknown_outcome,
        cfg.safe_div(won, won + lost) as win_rate_count,
        won_amount,
        lost_amount,
        cfg.safe_div(won_amount, won_amount + lost_amount) as win_rate_amount,
        days_created_won_p50,
        days_created_won_p75
    from grouped
)

select * from final
order by dimension, dimension_value nulls first
