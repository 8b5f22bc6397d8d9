with source as (
    select * from screened.erp__sales_cost
),

params as (
    select * from cfg.params
),

final as (
    select
        s.business_unit,
        date_trunc('month', s.month)::date as month,
        lower(s.cost_type) as cost_type,
        s.amount,
        upper(coalesce(s.currency, p.reporting_currency)) as currency,
        s.source_system
    from source as s, params as p
    where s.month <= p.as_of
    qualify row_number() over (partition by s.business_unit, date_trunc('month', s.month), lower(s.cost_type) order by s._loaded_at desc, s._source_row desc) = 1
)

select * from final
