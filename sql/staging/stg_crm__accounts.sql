-- One row per CRM account as known on as_of: the latest version updated by then.
with source as (
    -- keys of a second CRM instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'crm', account_id) as account_id,
        cfg.key(source_system, 'crm', owner_rep_id) as owner_rep_id
    )
    from screened.crm__account
),

params as (
    select * from cfg.params
),

ranked as (
    select
        s.*,
        row_number() over (
            partition by s.account_id
            order by cfg.version_order(s.updated_at, p.as_of_end), s._loaded_at desc, s._source_row desc
        ) as version_rank
    from source as s, params as p
    where s.created_at is null or s.created_at < p.as_of_end
),

final as (
    select
        account_id,
        name,
        lower(industry) as industry,
        upper(country) as country,
        postal_code,
        employees,
        annual_revenue,
        cfg.normalize_vat(vat_id) as vat_id,
        erp_customer_no,
        owner_rep_id,
        potential_estimate,
        created_at,
        updated_at,
        coalesce(is_deleted, false) as is_deleted,
        source_system
    from ranked
    where version_rank = 1
)

select * from final
