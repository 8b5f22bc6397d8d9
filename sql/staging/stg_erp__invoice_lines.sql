-- One row per invoice line dated by as_of.
with source as (
    -- keys of a second ERP instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'erp', invoice_id) as invoice_id,
        cfg.key(source_system, 'erp', customer_no) as customer_no
    )
    from screened.erp__invoice_line
),

params as (
    select * from cfg.params
),

final as (
    select
        s.invoice_id,
        s.line_no,
        s.customer_no,
        s.invoice_date,
        lower(s.product_group) as product_group,
        s.net_revenue,
        s.contribution_margin,
        upper(coalesce(s.currency, p.reporting_currency)) as currency,
        s.business_unit,
        s.source_system
    from source as s, params as p
    where s.invoice_date <= p.as_of
    qualify row_number() over (partition by s.invoice_id, s.line_no order by s._loaded_at desc, s._source_row desc) = 1
)

select * from final
