with source as (
    select * from screened.survey__maturity_answer
),

final as (
    select
        business_unit,
        assessed_on,
        item_id,
        factor,
        score,
        coalesce(weight, 1.0) as weight,
        source_system
    from source
    where assessed_on <= (select as_of from cfg.params)
    qualify row_number() over (partition by business_unit, assessed_on, item_id order by _loaded_at desc, _source_row desc) = 1
)

select * from final
