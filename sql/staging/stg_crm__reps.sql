-- One row per sales rep. The rep's name is personal data and stays here.
with source as (
    -- keys of a second CRM instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'crm', rep_id) as rep_id,
        cfg.key(source_system, 'crm', manager_id) as manager_id
    )
    from screened.crm__rep
),

final as (
    select
        rep_id,
        name as rep_name,
        team,
        region,
        business_unit,
        manager_id,
        coalesce(fte, 1.0) as fte,
        active_from,
        active_to,
        source_system
    from source
    where active_from is null or active_from <= (select as_of from cfg.params)
    qualify row_number() over (partition by rep_id order by _loaded_at desc, _source_row desc) = 1
)

select * from final
