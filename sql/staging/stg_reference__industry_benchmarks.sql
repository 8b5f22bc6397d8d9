with source as (
    select * from screened.reference__industry_benchmark
),

final as (
    select
        lower(industry) as industry,
        spend_per_employee,
        source_system
    from source
    qualify row_number() over (partition by lower(industry) order by _loaded_at desc, _source_row desc) = 1
)

select * from final
