-- Sales activities with their customer-facing classification.
with activities as (
    select * from staging.stg_crm__activities
),

reps as (
    select * from staging.stg_crm__reps
),

final as (
    select
        a.activity_id,
        a.activity_type,
        a.rep_id,
        coalesce(r.business_unit, 'unassigned') as business_unit,
        case when a.account_id is not null then 'crm:' || a.account_id end as account_key,
        a.lead_id,
        a.occurred_at,
        date_trunc('month', a.occurred_at)::date as month,
        coalesce(a.duration_minutes, 0) as duration_minutes,
        a.is_customer_facing,
        a.is_automated,
        a.logged_at,
        date_diff('minute', a.occurred_at, a.logged_at) / 60.0 as logging_delay_hours
    from activities as a
    left join reps as r on r.rep_id = a.rep_id
)

select * from final
