with source as (
    select * from screened.erp__fx_rate
),

final as (
    select
        upper(currency) as currency,
        date as rate_date,
        rate_to_reporting_currency,
        source_system
    from source
    where date <= (select as_of from cfg.params)
    qualify row_number() over (partition by upper(currency), date order by _loaded_at desc, _source_row desc) = 1
)

select * from final
