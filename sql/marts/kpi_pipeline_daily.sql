-- The historical pipeline: for each day of the history window, the
-- opportunities open at the end of that day, with the amount and probability
-- of their latest version known by then (docs/kpis.md#pipeline).
with opportunities as (
    select * from core.fct_opportunity
),

versions as (
    select * from staging.stg_crm__opportunity_versions
),

days as (
    select date_day from core.dim_date
),

params as (
    select * from cfg.params
),

open_days as (
    select
        d.date_day,
        d.date_day + interval 1 day as day_end,
        o.opportunity_id,
        o.business_unit,
        o.fx_rate
    from days as d
    cross join params as p
    join opportunities as o
        on o.created_at < d.date_day + interval 1 day
        and (o.closed_at is null or o.closed_at >= d.date_day + interval 1 day)
    where d.date_day >= p.history_start
),

-- The version of each open opportunity that was current at the end of the day.
as_of_day as (
    select
        od.date_day,
        od.business_unit,
        od.opportunity_id,
        v.amount * od.fx_rate as amount_rc,
        v.probability
    from open_days as od
    asof left join versions as v
        on v.opportunity_id = od.opportunity_id and v.valid_from < od.day_end
),

final as (
    select
        date_day,
        business_unit,
        count(*) as open_opportunities,
        coalesce(sum(amount_rc), 0) as open_amount,
        coalesce(sum(amount_rc * coalesce(probability, 0)), 0) as weighted_amount
    from as_of_day
    group by all
)

select * from final
order by date_day, business_unit
