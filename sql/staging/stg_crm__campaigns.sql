with source as (
    -- keys of a second CRM instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'crm', campaign_id) as campaign_id
    )
    from screened.crm__campaign
),

final as (
    select
        campaign_id,
        name as campaign_name,
        lower(channel) as channel,
        cost,
        upper(coalesce(currency, (select reporting_currency from cfg.params))) as currency,
        started_at,
        ended_at,
        source_system
    from source
    where started_at is null or started_at < (select as_of_end from cfg.params)
    qualify row_number() over (partition by campaign_id order by _loaded_at desc, _source_row desc) = 1
)

select * from final
