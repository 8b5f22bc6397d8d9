with source as (
    select * from screened.finance__bu_financials
),

final as (
    select
        business_unit,
        year,
        revenue,
        ebitda,
        source_system
    from source
    where year <= year((select as_of from cfg.params))
    qualify row_number() over (partition by business_unit, year order by _loaded_at desc, _source_row desc) = 1
)

select * from final
