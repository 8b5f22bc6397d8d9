-- One row per CRM contact. Personal fields are kept here only: core and marts
-- never select them, so they are never published.
with source as (
    -- keys of a second CRM instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'crm', contact_id) as contact_id,
        cfg.key(source_system, 'crm', account_id) as account_id
    )
    from screened.crm__contact
),

ranked as (
    select *, row_number() over (partition by contact_id order by updated_at desc nulls last, _loaded_at desc, _source_row desc) as version_rank
    from source
    where updated_at is null or updated_at < (select as_of_end from cfg.params)
),

final as (
    select
        contact_id,
        account_id,
        first_name,
        last_name,
        lower(email) as email,
        phone,
        coalesce(marketing_consent, false) as has_marketing_consent,
        consent_at,
        updated_at,
        source_system
    from ranked
    where version_rank = 1
)

select * from final
