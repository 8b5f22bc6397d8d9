-- Does digital maturity pay? Business units grouped by maturity (top vs
-- bottom third of the index, and by level), compared on EBITDA margin and
-- revenue growth: the structure of the source study (+3 EBITDA points for the
-- most mature). docs/kpis.md#maturity-vs-performance
with units_latest as (
    -- each business unit's latest assessment beside its last complete year
    select * from mart.kpi_maturity_by_business_unit
),

ranked as (
    select
        business_unit,
        maturity_index,
        maturity_level,
        row_number() over (order by maturity_index desc, business_unit) as maturity_rank,
        count(*) over () as units,
        ebitda_margin,
        revenue_growth
    from units_latest
),

-- Top and bottom third of equal size: n // 3 units each (at least one of
-- each from two units on), the rest in the middle. ntile would split four
-- units 2/1/1 and compare two against one.
units as (
    select
        *,
        case
            when maturity_rank <= greatest(units // 3, least(units // 2, 1)) then 1
            when maturity_rank > units - greatest(units // 3, least(units // 2, 1)) then 3
            else 2
        end as tercile
    from ranked
),

grouped as (
    select 'tercile' as grouping, case tercile when 1 then 'top_third' when 3 then 'bottom_third' else 'middle_third' end as maturity_group,
        count(*) as business_units, avg(maturity_index) as avg_maturity_index, avg(ebitda_margin) as avg_ebitda_margin,
        avg(revenue_growth) as avg_revenue_growth
    from units
    group by all
    union all
    select 'level', 'level_' || maturity_level, count(*), avg(maturity_index), avg(ebitda_margin), avg(revenue_growth)
    from units
    group by all
),

-- The study's comparison: most mature minus least mature, in percentage points.
difference as (
    select 'difference', 'top_minus_bottom', null::bigint, t.avg_maturity_index - b.avg_maturity_index,
        t.avg_ebitda_margin - b.avg_ebitda_margin, t.avg_revenue_growth - b.avg_revenue_growth
    from grouped as t, grouped as b
    where t.maturity_group = 'top_third' and b.maturity_group = 'bottom_third'
),

final as (
    select * from grouped
    union all
    select * from difference
)

select * from final
order by grouping, maturity_group
