-- The as-of snapshots of mart.kpi_potential_acquisition_monthly: what each month looked like when it
-- was reported. leadmart backfill and the monthly job append them.
select * from history.kpi_potential_acquisition_monthly
