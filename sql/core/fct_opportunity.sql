-- Opportunities as of as_of, amounts in the reporting currency at the rate
-- of the day the opportunity was created.
with opportunities as (
    select * from staging.stg_crm__opportunities
),

fx as (
    select * from staging.stg_erp__fx_rates
),

reps as (
    select * from staging.stg_crm__reps
),

accounts as (
    select * from staging.stg_crm__accounts
),

params as (
    select * from cfg.params
),

converted as (
    select
        o.*,
        case when o.currency = p.reporting_currency then 1.0 else fx.rate_to_reporting_currency end as fx_rate
    from opportunities as o
    cross join params as p
    asof left join fx on fx.currency = o.currency and fx.rate_date <= o.created_at::date
),

final as (
    select
        c.opportunity_id,
        case when c.account_id is not null then 'crm:' || c.account_id end as account_key,
        c.account_id,
        c.lead_id,
        c.owner_rep_id,
        coalesce(r.business_unit, 'unassigned') as business_unit,
        c.opportunity_type,
        c.created_at,
        c.expected_close_date,
        c.closed_at,
        c.is_closed,
        c.is_won,
        c.outcome,
        c.stage,
        c.closed_stage,
        c.product,
        a.industry,
        c.currency,
        c.fx_rate,
        c.amount,
        c.amount * c.fx_rate as amount_rc,
        c.probability,
        case when not c.is_closed then c.amount * c.fx_rate * coalesce(c.probability, 0) end as weighted_amount_rc
    from converted as c
    left join reps as r on r.rep_id = c.owner_rep_id
    left join accounts as a on a.account_id = c.account_id
)

select * from final
