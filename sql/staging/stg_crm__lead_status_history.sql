-- One row per lead status change known on as_of, status mapped to a canonical stage.
with source as (
    -- keys of a second CRM instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'crm', lead_id) as lead_id
    )
    from screened.crm__lead_status_history
),

params as (
    select * from cfg.params
),

deduped as (
    select s.*
    from source as s, params as p
    where s.entered_at < p.as_of_end
    qualify row_number() over (partition by s.lead_id, s.entered_at, lower(s.status) order by s._loaded_at desc, s._source_row desc) = 1
),

final as (
    select
        h.lead_id,
        h.entered_at,
        lower(h.status) as stage,
        h.source_system
    from deduped as h
)

select * from final
