-- One row per lead created by as_of, in the version known on as_of, with
-- status and channel mapped to canonical values.
with source as (
    select * from raw.crm__lead
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
        coalesce(channel_map.to_value, lower(l.channel)) as channel,
        l.campaign_id,
        l.company_name,
        lower(l.industry) as industry,
        l.employees,
        l.account_id,
        coalesce(status_map.to_value, lower(l.status)) as status,
        l.owner_rep_id,
        l.converted_at,
        l.opportunity_id,
        l.disqualified_reason,
        l.updated_at,
        l.source_system
    from latest as l
    left join cfg.value_map as status_map
        on status_map.source = l._source and status_map.field = 'status' and status_map.from_value = lower(l.status)
    left join cfg.value_map as channel_map
        on channel_map.source = l._source and channel_map.field = 'channel' and channel_map.from_value = lower(l.channel)
)

select * from final
