with source as (
    select * from raw.erp__customer
),

final as (
    select
        customer_no,
        name,
        cfg.normalize_vat(vat_id) as vat_id,
        postal_code,
        upper(country) as country,
        lower(industry) as industry,
        employees,
        first_order_date,
        source_system
    from source
    qualify row_number() over (partition by customer_no order by _loaded_at desc, _source_row desc) = 1
)

select * from final
