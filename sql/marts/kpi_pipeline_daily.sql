-- The historical pipeline: for each day of the history window, the
-- opportunities open at the end of that day, with the amount and probability
-- of their latest version known by then (docs/kpis.md#pipeline).
with opportunities as (
    select * from core.fct_opportunity
),

versions as (
    select * from staging.stg_crm__opportunity_versions
),

params as (
    select * from cfg.params
),

-- The days at whose end each opportunity was open: from the day it was
-- created to the day before it closed (or as_of). closed_at is set only for
-- opportunities closed by as_of, the same rule fct_opportunity's is_closed
-- follows, so the pipeline on as_of equals the open opportunities there. One series per
-- opportunity keeps this linear in the output, where a join of days and
-- opportunities on two inequalities would not be.
open_days as (
    select
        opportunity_id,
        business_unit,
        fx_rate,
        date_day::date as date_day,
        date_day::date + interval 1 day as day_end
    from (
        select
            o.opportunity_id,
            o.business_unit,
            o.fx_rate,
            unnest(generate_series(
                greatest(o.created_at::date, p.history_start)::timestamp,
                least(p.as_of, coalesce((o.closed_at - interval 1 day)::date, p.as_of))::timestamp,
                interval 1 day
            )) as date_day
        from opportunities as o
        cross join params as p
        -- closed at an unknown time: not open on as_of, and no day is known.
        -- Created at an unknown time: no day is known either, and greatest()
        -- skips NULLs in DuckDB, so without this it would be open every day.
        where not (o.is_closed and o.closed_at is null)
            and o.created_at is not null
    )
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
