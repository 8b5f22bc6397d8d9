-- The as-of snapshots of mart.kpi_funnel_monthly: what each month looked like when it
-- was reported. leadmart backfill and the monthly job append them.
select * from history.kpi_funnel_monthly
