-- Sales reps without their names (personal data stays in staging).
with reps as (
    select * from staging.stg_crm__reps
),

final as (
    select
        rep_id,
        team,
        region,
        business_unit,
        manager_id,
        fte,
        active_from,
        active_to
    from reps
)

select * from final
