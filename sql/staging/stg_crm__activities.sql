-- One row per activity that happened by as_of, type mapped and classified.
with source as (
    -- keys of a second CRM instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'crm', activity_id) as activity_id,
        cfg.key(source_system, 'crm', rep_id) as rep_id,
        cfg.key(source_system, 'crm', account_id) as account_id,
        cfg.key(source_system, 'crm', lead_id) as lead_id
    )
    from screened.crm__activity
),

params as (
    select * from cfg.params
),

deduped as (
    select s.*
    from source as s, params as p
    where s.occurred_at < p.as_of_end
    qualify row_number() over (partition by s.activity_id order by s._loaded_at desc, s._source_row desc) = 1
),

mapped as (
    select
        a.*,
        lower(a.type) as activity_type
    from deduped as a
),

final as (
    select
        m.activity_id,
        m.activity_type,
        m.rep_id,
        m.account_id,
        m.lead_id,
        m.occurred_at,
        m.duration_minutes,
        -- the source's own flag wins; else the configured type classification
        coalesce(m.is_customer_facing, cf.is_customer_facing, false) as is_customer_facing,
        coalesce(m.is_automated, false) as is_automated,
        m.logged_at,
        m.source_system
    from mapped as m
    left join cfg.customer_facing as cf on cf.activity_type = m.activity_type
)

select * from final
