-- Every version of every opportunity that was landed: the CRM extracts of
-- successive nights are daily snapshots, from which the pipeline can be
-- rebuilt as it stood on any day.
with source as (
    select * from raw.crm__opportunity
),

params as (
    select * from cfg.params
),

final as (
    select
        s.opportunity_id,
        coalesce(s.updated_at, s.created_at) as valid_from,
        s.amount,
        upper(coalesce(s.currency, p.reporting_currency)) as currency,
        s.probability,
        s.stage
    from source as s, params as p
    where coalesce(s.updated_at, s.created_at) < p.as_of_end
    qualify row_number() over (partition by s.opportunity_id, coalesce(s.updated_at, s.created_at) order by s._loaded_at desc, s._source_row desc) = 1
)

select * from final
