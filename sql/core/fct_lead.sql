-- One row per lead with one timestamp per canonical stage (docs/kpis.md#the-funnel).
with leads as (
    select * from staging.stg_crm__leads
),

history as (
    select * from staging.stg_crm__lead_status_history
),

opportunities as (
    select * from staging.stg_crm__opportunities
),

activities as (
    select * from staging.stg_crm__activities
),

reps as (
    select * from staging.stg_crm__reps
),

channel_class as (
    select * from cfg.channel_class
),

account_potential as (
    select * from core.account_potential
),

estimates as (
    select * from core.potential_candidates where subject = 'lead'
),

params as (
    select * from cfg.params
),

-- The first time each lead entered each stage, from the status history.
stage_history as (
    select
        lead_id,
        min(entered_at) filter (where stage = 'mql') as mql_entered_at,
        min(entered_at) filter (where stage = 'sql') as sql_entered_at,
        min(entered_at) filter (where stage = 'opportunity') as opportunity_entered_at,
        min(entered_at) filter (where stage = 'won') as won_entered_at,
        min(entered_at) filter (where stage = 'lost') as lost_entered_at,
        min(entered_at) filter (where stage = 'disqualified') as disqualified_entered_at,
        arg_max(stage, entered_at) as last_stage
    from history
    group by lead_id
),

-- The lead's opportunity also tells when it became one and how it closed,
-- for CRMs whose history stops at conversion.
lead_opportunity as (
    select
        lead_id,
        min(created_at) as opportunity_created_at,
        min(closed_at) filter (where is_won) as won_closed_at,
        min(closed_at) filter (where is_closed and not is_won) as lost_closed_at
    from opportunities
    where lead_id is not null
    group by lead_id
),

-- Lead response time: the first customer-facing, non-automated activity on the lead.
first_response as (
    select a.lead_id, min(a.occurred_at) as first_response_at
    from activities as a
    join leads as l on l.lead_id = a.lead_id
    where a.is_customer_facing and not a.is_automated and a.occurred_at >= l.created_at
    group by a.lead_id
),

-- A lead without an account yet is prioritised by the potential of its
-- peers: the lead's industry and size through the same methods as accounts
-- (the rep's account estimate does not exist yet).
lead_estimate as (
    select e.subject_key as lead_id, e.value
    from estimates as e
    cross join params as p
    where list_position(p.potential_methods, e.method) is not null
    qualify row_number() over (partition by e.subject_key order by list_position(p.potential_methods, e.method)) = 1
),

-- The smallest potential in the A and B classes: an estimate at or above it
-- belongs to that class.
class_bounds as (
    select
        min(potential_revenue) filter (where potential_class = 'A') as a_min,
        min(potential_revenue) filter (where potential_class in ('A', 'B')) as b_min
    from account_potential
    where potential_revenue > 0
),

lead_potential as (
    select
        l.lead_id,
        coalesce(ap.potential_revenue, le.value) as potential_revenue,
        case when ap.account_key is not null then 'account' when le.value is not null then 'peer_estimate' end as potential_source,
        coalesce(
            ap.potential_class,
            case
                when le.value is null then null
                when le.value >= cb.a_min then 'A'
                when le.value >= cb.b_min then 'B'
                else 'C'
            end,
            'unclassified'
        ) as potential_class
    from leads as l
    cross join class_bounds as cb
    left join account_potential as ap on ap.account_key = 'crm:' || l.account_id
    left join lead_estimate as le on le.lead_id = l.lead_id
),

stages as (
    select
        l.*,
        coalesce(h.won_entered_at, o.won_closed_at) as won_at,
        coalesce(h.lost_entered_at, o.lost_closed_at) as lost_at,
        h.disqualified_entered_at as disqualified_at,
        h.mql_entered_at,
        h.sql_entered_at,
        coalesce(h.opportunity_entered_at, o.opportunity_created_at, l.converted_at) as opportunity_entered_at,
        h.last_stage
    from leads as l
    left join stage_history as h on h.lead_id = l.lead_id
    left join lead_opportunity as o on o.lead_id = l.lead_id
),

-- A lead that skips a stage passed it at the time of the next stage it reached.
-- least() skips NULLs in DuckDB.
backfilled as (
    select
        *,
        coalesce(opportunity_entered_at, least(won_at, lost_at)) as opportunity_at
    from stages
),

backfilled_sql as (
    select *, coalesce(sql_entered_at, opportunity_at) as sql_at from backfilled
),

final as (
    select
        b.lead_id,
        case when b.account_id is not null then 'crm:' || b.account_id end as account_key,
        b.account_id,
        b.created_at,
        date_trunc('month', b.created_at)::date as cohort_month,
        b.channel,
        coalesce(cc.channel_class, 'unclassified') as channel_class,
        b.campaign_id,
        b.owner_rep_id,
        coalesce(r.business_unit, 'unassigned') as business_unit,
        b.industry,
        b.employees,
        cfg.size_class(b.employees) as size_class,
        lp.potential_revenue,
        lp.potential_source,
        lp.potential_class,
        coalesce(b.last_stage, b.status, 'lead') as current_stage,
        b.created_at as lead_at,
        coalesce(b.mql_entered_at, b.sql_at) as mql_at,
        b.sql_at,
        b.opportunity_at,
        b.won_at,
        b.lost_at,
        b.disqualified_at,
        b.disqualified_reason,
        fr.first_response_at,
        date_diff('minute', b.created_at, fr.first_response_at) / 60.0 as response_hours,
        b.opportunity_id
    from backfilled_sql as b
    left join channel_class as cc on cc.channel = b.channel
    left join reps as r on r.rep_id = b.owner_rep_id
    left join first_response as fr on fr.lead_id = b.lead_id
    left join lead_potential as lp on lp.lead_id = b.lead_id
)

select * from final
