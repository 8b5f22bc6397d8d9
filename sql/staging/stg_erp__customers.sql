with source as (
    -- keys of a second ERP instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'erp', customer_no) as customer_no
    )
    from screened.erp__customer
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
    -- a customer whose first order is after as_of was not a customer yet
    where first_order_date is null or first_order_date <= (select as_of from cfg.params)
    qualify row_number() over (partition by customer_no order by _loaded_at desc, _source_row desc) = 1
)

select * from final
