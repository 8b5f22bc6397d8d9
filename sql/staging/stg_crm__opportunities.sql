-- One row per opportunity created by as_of. Closing after as_of is not known
-- yet on as_of, so such an opportunity is still open here.
with source as (
    select * from raw.crm__opportunity
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
    where s.created_at < p.as_of_end
),

final as (
    select
        opportunity_id,
        account_id,
        lead_id,
        created_at,
        case when closed_at < as_of_end then stage end as closed_stage,
        amount,
        upper(coalesce(currency, (select reporting_currency from params))) as currency,
        probability,
        expected_close_date,
        case when closed_at < as_of_end then closed_at end as closed_at,
        coalesce(coalesce(is_closed, closed_at is not null) and closed_at < as_of_end, false) as is_closed,
        coalesce(is_won, false) and coalesce(closed_at < as_of_end, false) as is_won,
        owner_rep_id,
        lower(type) as opportunity_type,
        source_system
    from ranked
    where version_rank = 1
)

select * from final
