-- Potential versus acquisition per month, over all business units: the
-- total level of core.potential_acquisition, apart from the detail so
-- that no sum adds it twice (docs/kpis.md#potential-vs-acquisition).
select * exclude (level, business_unit)
from core.potential_acquisition
where level = 'total'
order by month
