-- One row per opportunity created by as_of. Closing after as_of is not known
-- yet on as_of, so such an opportunity is still open here.
with source as (
    -- keys of a second CRM instance carry its source_system (docs/kpis.md#several-instances)
    select * replace (
        cfg.key(source_system, 'crm', opportunity_id) as opportunity_id,
        cfg.key(source_system, 'crm', account_id) as account_id,
        cfg.key(source_system, 'crm', lead_id) as lead_id,
        cfg.key(source_system, 'crm', owner_rep_id) as owner_rep_id
    )
    from screened.crm__opportunity
),

params as (
    select * from cfg.params
),

ranked as (
    select
        s.*,
        p.as_of_end,
        row_number() over (
            partition by s.opportunity_id
            order by cfg.version_order(s.updated_at, p.as_of_end), s._loaded_at desc, s._source_row desc
        ) as version_rank
    from source as s, params as p
    -- an opportunity without a creation date (a prospect not yet engaged) is known
    where s.created_at is null or s.created_at < p.as_of_end
),

-- The outcome (docs/kpis.md#opportunity-outcomes): the source's is_won and
-- is_closed when it has them, else the canonical stage won or lost. Won
-- means closed. A closed opportunity whose outcome no field tells is
-- "unknown", never silently lost.
flags as (
    select
        *,
        coalesce(is_won, case lower(stage) when 'won' then true when 'lost' then false end) as won_flag,
        coalesce(is_closed, case when lower(stage) in ('won', 'lost') then true end, closed_at is not null)
            or coalesce(is_won, lower(stage) = 'won', false) as closed_flag
    from ranked
    where version_rank = 1
),

-- Closed as of as_of: closed in the source, at a time before as_of_end (a
-- closed opportunity without a close date is closed in the version known).
-- The facts and the daily pipeline both read closed_at from here.
as_of_state as (
    select
        *,
        closed_flag and coalesce(closed_at < as_of_end, true) as closed_by_as_of
    from flags
),

final as (
    select
        opportunity_id,
        account_id,
        lead_id,
        created_at,
        case when closed_by_as_of then lower(stage) end as closed_stage,
        lower(stage) as stage,
        amount,
        upper(coalesce(currency, (select reporting_currency from params))) as currency,
        probability,
        expected_close_date,
        case when closed_by_as_of then closed_at end as closed_at,
        closed_by_as_of as is_closed,
        closed_by_as_of and coalesce(won_flag, false) as is_won,
        case
            when not closed_by_as_of then 'open'
            when won_flag then 'won'
            when not won_flag then 'lost'
            else 'unknown'
        end as outcome,
        owner_rep_id,
        lower(type) as opportunity_type,
        product,
        source_system
    from as_of_state
)

select * from final
