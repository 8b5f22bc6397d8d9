-- Every version of every opportunity that was landed: the CRM extracts of
-- successive nights are daily snapshots, from which the pipeline can be
-- rebuilt as it stood on any day. The first known version also stands for
-- the time between the opportunity's creation and that version.
with source as (
    -- keys of a second CRM instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'crm', opportunity_id) as opportunity_id
    )
    from screened.crm__opportunity
),

params as (
    select * from cfg.params
),

versions as (
    select
        s.opportunity_id,
        s.created_at,
        coalesce(s.updated_at, s.created_at) as updated_at,
        s.amount,
        upper(coalesce(s.currency, p.reporting_currency)) as currency,
        s.probability,
        s.stage
    from source as s, params as p
    where coalesce(s.updated_at, s.created_at) < p.as_of_end
    qualify row_number() over (partition by s.opportunity_id, coalesce(s.updated_at, s.created_at) order by s._loaded_at desc, s._source_row desc) = 1
),

final as (
    select
        opportunity_id,
        case when row_number() over (partition by opportunity_id order by updated_at) = 1
            then least(created_at, updated_at) else updated_at end as valid_from,
        amount,
        currency,
        probability,
        stage
    from versions
)

select * from final
