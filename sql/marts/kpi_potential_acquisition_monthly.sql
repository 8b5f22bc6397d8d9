-- Potential versus acquisition per month and business unit: the detail
-- level of core.potential_acquisition. Each account and lead is in one
-- business unit, so a sum of the counts and amounts over business units is
-- the month's; the month's ratios are kpi_potential_acquisition_monthly_total's
-- (docs/kpis.md#potential-vs-acquisition).
select * exclude (level)
from core.potential_acquisition
where level = 'business_unit'
order by month, business_unit
