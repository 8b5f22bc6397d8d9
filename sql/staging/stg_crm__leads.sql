-- One row per lead created by as_of, in the version known on as_of, with
-- status and channel lowercased (their values are mapped at landing).
with source as (
    -- keys of a second CRM instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'crm', lead_id) as lead_id,
        cfg.key(source_system, 'crm', campaign_id) as campaign_id,
        cfg.key(source_system, 'crm', account_id) as account_id,
        cfg.key(source_system, 'crm', owner_rep_id) as owner_rep_id,
        cfg.key(source_system, 'crm', opportunity_id) as opportunity_id
    )
    from screened.crm__lead
),

params as (
    select * from cfg.params
),

ranked as (
    select
        s.*,
        row_number() over (
            partition by s.lead_id
            order by cfg.version_order(s.updated_at, p.as_of_end), s._loaded_at desc, s._source_row desc
        ) as version_rank
    from source as s, params as p
    where s.created_at < p.as_of_end
),

latest as (
    select * from ranked where version_rank = 1
),

final as (
    select
        l.lead_id,
        l.created_at,
        lower(l.channel) as channel,
        l.campaign_id,
        l.company_name,
        lower(l.industry) as industry,
        l.employees,
        l.account_id,
        lower(l.status) as status,
        l.status_at,
        l.owner_rep_id,
        l.converted_at,
        l.opportunity_id,
        l.disqualified_reason,
        l.updated_at,
        l.source_system
    from latest as l
)

select * from final
