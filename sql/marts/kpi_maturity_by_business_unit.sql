-- Each business unit's latest digital-maturity index beside its EBITDA
-- margin and revenue growth in the last complete year before as_of: the
-- detail behind kpi_maturity_vs_performance, for the monthly report.
with maturity as (
    select * from mart.kpi_digital_maturity
),

financials as (
    select * from staging.stg_finance__bu_financials
),

params as (
    select * from cfg.params
),

latest as (
    select business_unit, assessed_on, maturity_index, maturity_level
    from maturity
    qualify row_number() over (partition by business_unit order by assessed_on desc) = 1
),

performance as (
    select
        f.business_unit,
        f.year,
        cfg.safe_div(f.ebitda, f.revenue) as ebitda_margin,
        cfg.safe_div(f.revenue, lag(f.revenue) over (partition by f.business_unit order by f.year)) - 1 as revenue_growth
    from financials as f
)

select
    l.business_unit,
    l.assessed_on,
    l.maturity_index,
    l.maturity_level,
    year(pa.as_of) - 1 as financial_year,
    p.ebitda_margin,
    p.revenue_growth,
    pa.as_of
from latest as l
cross join params as pa
left join performance as p on p.business_unit = l.business_unit and p.year = year(pa.as_of) - 1
order by l.business_unit
