-- The calendar from the start of the ERP history window to as_of.
with params as (
    select * from cfg.params
),

days as (
    select unnest(generate_series(p.history_start - interval 12 month, p.as_of::timestamp, interval 1 day))::date as date_day
    from params as p
),

final as (
    select
        date_day,
        date_trunc('month', date_day)::date as month,
        date_trunc('quarter', date_day)::date as quarter,
        year(date_day) as year,
        month(date_day) as month_of_year,
        quarter(date_day) as quarter_of_year,
        isodow(date_day) as iso_day_of_week,
        isodow(date_day) >= 6 as is_weekend
    from days
)

select * from final
