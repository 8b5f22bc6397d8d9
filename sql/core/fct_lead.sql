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

accounts as (
    select * from staging.stg_crm__accounts
),

-- Every place that tells when a lead entered a stage
-- (docs/kpis.md#where-stage-times-come-from): its status history, its own
-- status with the status date, and its opportunities (created: opportunity;
-- closed: won or lost).
stage_events as (
    select * from (
    select lead_id, stage, entered_at from history
    union all
    select lead_id, status, status_at from leads where status is not null and status_at is not null
    union all
    select lead_id, 'lead', created_at from leads
    union all
    select lead_id, 'opportunity', created_at from opportunities where lead_id is not null
    union all
    select lead_id, outcome, closed_at from opportunities
    where lead_id is not null and outcome in ('won', 'lost') and closed_at is not null
    union all
    select lead_id, 'opportunity', converted_at from leads where converted_at is not null
    )
    where entered_at < (select as_of_end from params)
),

-- A lead has one final outcome: the latest of its won, lost and
-- disqualified entries; at the same instant won beats lost beats
-- disqualified. Its time is the first entry into that outcome.
final_outcome as (
    select
        lead_id,
        arg_max(stage, (entered_at, case stage when 'won' then 3 when 'lost' then 2 else 1 end)) as outcome
    from stage_events
    where stage in ('won', 'lost', 'disqualified')
    group by lead_id
),

-- The first time each lead entered each stage; outcomes other than the
-- final one are dropped.
stage_history as (
    select
        e.lead_id,
        min(e.entered_at) filter (where e.stage = 'mql') as mql_entered_at,
        min(e.entered_at) filter (where e.stage = 'sql') as sql_entered_at,
        min(e.entered_at) filter (where e.stage = 'opportunity') as opportunity_entered_at,
        min(e.entered_at) filter (where e.stage = 'won' and o.outcome = 'won') as won_entered_at,
        min(e.entered_at) filter (where e.stage = 'lost' and o.outcome = 'lost') as lost_entered_at,
        min(e.entered_at) filter (where e.stage = 'disqualified' and o.outcome = 'disqualified') as disqualified_entered_at,
        arg_max(e.stage, (e.entered_at, case e.stage when 'won' then 3 when 'lost' then 2 when 'disqualified' then 1 else 0 end))
            filter (where e.stage not in ('lead', 'won', 'lost', 'disqualified') or e.stage = o.outcome) as last_stage
    from stage_events as e
    left join final_outcome as o on o.lead_id = e.lead_id
    group by e.lead_id
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
    select e.subject_key as lead_id, e.method, e.value
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
        -- where the number comes from: the account, else the method that estimated it
        case when ap.potential_revenue is not null then 'account' when le.value is not null then le.method end as potential_source,
        coalesce(
            case when ap.potential_revenue is not null then ap.potential_class end,
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
        coalesce(l.industry, a.industry) as lead_industry,
        h.won_entered_at as won_at,
        h.lost_entered_at as lost_at,
        h.disqualified_entered_at as disqualified_at,
        h.mql_entered_at,
        h.sql_entered_at,
        h.opportunity_entered_at,
        h.last_stage
    from leads as l
    left join stage_history as h on h.lead_id = l.lead_id
    left join accounts as a on a.account_id = l.account_id
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
        b.lead_industry as industry,
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
        b.mql_entered_at is not null as mql_observed,
        b.sql_entered_at is not null as sql_observed,
        b.opportunity_entered_at is not null as opportunity_observed,
        case
            when b.won_at is not null then 'won'
            when b.lost_at is not null then 'lost'
            when b.disqualified_at is not null then 'disqualified'
            else 'open'
        end as outcome,
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
