-- The monthly management view: do we win the customers with the highest
-- potential, or whoever comes in? (docs/kpis.md#potential-vs-acquisition)
with potential as (
    select * from core.account_potential
),

accounts as (
    select * from core.dim_account
),

leads as (
    select * from core.fct_lead
),

opportunities as (
    select * from core.fct_opportunity
),

activities as (
    select * from core.fct_activity
),

channel_class as (
    select * from cfg.channel_class
),

params as (
    select * from cfg.params
),

months as (
    select distinct d.month
    from core.dim_date as d, params as p
    where d.month >= p.history_start
),

became_customer as (
    select * from core.fct_customer_acquisition
),

account_bu as (
    select p.account_key, coalesce(a.business_unit, 'unassigned') as business_unit, p.potential_revenue, p.potential_class
    from potential as p
    join accounts as a on a.account_key = p.account_key
),

new_customers as (
    select
        month,
        business_unit,
        count(*) as new_customers,
        count(*) filter (where potential_class = 'A') as new_customers_a,
        sum(potential_revenue) as acquired_potential,
        -- each new customer once, by the class of the lead that won it
        coalesce(sum(potential_revenue) filter (where acquisition_class = 'reactive'), 0) as reactive_acquired_potential,
        coalesce(sum(potential_revenue) filter (where acquisition_class = 'proactive'), 0) as proactive_acquired_potential,
        coalesce(sum(potential_revenue) filter (where acquisition_class = 'unattributed'), 0) as unattributed_acquired_potential
    from became_customer
    group by all
),

-- Leads worked in a month: a rep had a customer-facing, non-automated activity on them.
worked as (
    select distinct l.lead_id, act.month, l.business_unit, l.potential_class
    from activities as act
    join leads as l on l.lead_id = act.lead_id
    where act.is_customer_facing and not act.is_automated
),

worked_counts as (
    select month, business_unit, count(*) as leads_worked, count(*) filter (where potential_class = 'A') as leads_worked_a
    from worked
    group by all
),

decided as (
    select
        date_trunc('month', coalesce(won_at, lost_at))::date as month,
        business_unit,
        channel_class,
        won_at is not null as is_won,
        coalesce(potential_revenue, 0) as potential_revenue
    from leads
    where won_at is not null or lost_at is not null
),

decided_counts as (
    select
        month,
        business_unit,
        count(*) filter (where is_won) as won,
        count(*) filter (where not is_won) as lost,
        sum(potential_revenue) filter (where is_won) as won_potential,
        sum(potential_revenue) as decided_potential,
        count(*) filter (where is_won and channel_class = 'reactive') as reactive_wins,
        count(*) filter (where is_won and channel_class = 'proactive') as proactive_wins,
        count(*) filter (where channel_class = 'reactive') as reactive_decided,
        count(*) filter (where channel_class = 'proactive') as proactive_decided
    from decided
    group by all
),

created_counts as (
    select
        date_trunc('month', created_at)::date as month,
        business_unit,
        count(*) filter (where channel_class = 'reactive') as reactive_leads,
        count(*) filter (where channel_class = 'proactive') as proactive_leads
    from leads
    group by all
),

-- Cost of each class: the one acquisition cost base (core.acquisition_cost).
class_cost as (
    select
        month,
        business_unit,
        sum(acquisition_cost) filter (where channel_class = 'reactive') as reactive_cost,
        sum(acquisition_cost) filter (where channel_class = 'proactive') as proactive_cost
    from core.acquisition_cost
    group by all
),

-- Potential coverage at each month end: A accounts that are customers or
-- have an open lead or opportunity by then. A span covers the month ends in
-- (opened, ended], a run of whole months; an account's overlapping runs are
-- merged first, so that each covered month counts the account once. (An
-- EXISTS over every month x account pair held memory DuckDB does not count
-- and set the peak of the whole job at scale L.)
a_accounts as (
    select account_key, business_unit, potential_revenue
    from account_bu
    where potential_class = 'A'
),

open_lead_spans as (
    select account_key, created_at as opened_at, coalesce(least(won_at, lost_at, disqualified_at), timestamp '9999-12-31') as ended_at
    from leads
    where account_key is not null
    union all
    select account_key, created_at, coalesce(closed_at, timestamp '9999-12-31')
    from opportunities
    where account_key is not null
),

-- month m is covered when opened < m + 1 month <= ended
coverage_spans as (
    select
        s.account_key,
        date_trunc('month', s.opened_at)::date as first_month,
        (date_trunc('month', s.ended_at) - interval 1 month)::date as last_month
    from open_lead_spans as s
    semi join a_accounts as a on a.account_key = s.account_key
    union all
    select b.account_key, date_trunc('month', b.became_customer_on)::date, date '9999-12-01'
    from became_customer as b
    semi join a_accounts as a on a.account_key = b.account_key
),

-- seq fixes one order of tied spans for both windows: numbering the runs
-- in another order than covered_until was taken in would split a run in two
-- and count its months twice.
coverage_ordered as (
    select
        account_key,
        first_month,
        last_month,
        row_number() over by_start as seq,
        max(last_month) over (by_start rows between unbounded preceding and 1 preceding) as covered_until
    from coverage_spans
    where first_month <= last_month
    window by_start as (partition by account_key order by first_month, last_month)
),

coverage_runs as (
    select
        account_key,
        first_month,
        last_month,
        sum(case when covered_until is null or first_month > covered_until then 1 else 0 end) over (
            partition by account_key order by seq rows unbounded preceding
        ) as run
    from coverage_ordered
),

covered_months as (
    select
        r.account_key,
        unnest(generate_series(greatest(r.first_month, w.first_month), least(r.last_month, w.last_month), interval 1 month))::date as month
    from (
        select account_key, min(first_month) as first_month, max(last_month) as last_month
        from coverage_runs
        group by account_key, run
    ) as r,
    (select min(month) as first_month, max(month) as last_month from months) as w
    where r.first_month <= w.last_month and r.last_month >= w.first_month
),

-- Both sums add the potentials as published, fixed point, exactly: summed as
-- doubles in two orders, a fully covered class came out at 1.0000000000000002.
covered_potential as (
    select c.month, a.business_unit, sum(a.potential_revenue) as a_potential_covered
    from covered_months as c
    join a_accounts as a on a.account_key = c.account_key
    group by all
),

covered as (
    select
        mo.month,
        p.business_unit,
        p.a_potential,
        coalesce(cp.a_potential_covered, 0) as a_potential_covered
    from months as mo
    cross join (
        select business_unit, sum(potential_revenue) as a_potential
        from a_accounts
        group by all
    ) as p
    left join covered_potential as cp on cp.month = mo.month and cp.business_unit = p.business_unit
),

keys as (
    select month, business_unit from new_customers
    union select month, business_unit from worked_counts
    union select month, business_unit from decided_counts
    union select month, business_unit from created_counts
    union select month, business_unit from covered
),

per_bu as (
    select
        k.month,
        k.business_unit,
        coalesce(n.new_customers, 0) as new_customers,
        coalesce(n.new_customers_a, 0) as new_customers_a,
        coalesce(n.acquired_potential, 0) as acquired_potential,
        coalesce(w.leads_worked, 0) as leads_worked,
        coalesce(w.leads_worked_a, 0) as leads_worked_a,
        coalesce(d.won, 0) as won,
        coalesce(d.lost, 0) as lost,
        coalesce(d.won_potential, 0) as won_potential,
        coalesce(d.decided_potential, 0) as decided_potential,
        coalesce(c.reactive_leads, 0) as reactive_leads,
        coalesce(c.proactive_leads, 0) as proactive_leads,
        coalesce(d.reactive_wins, 0) as reactive_wins,
        coalesce(d.proactive_wins, 0) as proactive_wins,
        coalesce(d.reactive_decided, 0) as reactive_decided,
        coalesce(d.proactive_decided, 0) as proactive_decided,
        coalesce(n.reactive_acquired_potential, 0) as reactive_acquired_potential,
        coalesce(n.proactive_acquired_potential, 0) as proactive_acquired_potential,
        coalesce(n.unattributed_acquired_potential, 0) as unattributed_acquired_potential,
        -- NULL stays NULL: a month without cost data has an unknown cost
        cc.reactive_cost,
        cc.proactive_cost,
        coalesce(cv.a_potential, 0) as a_potential,
        coalesce(cv.a_potential_covered, 0) as a_potential_covered
    from keys as k
    left join new_customers as n on n.month = k.month and n.business_unit = k.business_unit
    left join worked_counts as w on w.month = k.month and w.business_unit = k.business_unit
    left join decided_counts as d on d.month = k.month and d.business_unit = k.business_unit
    left join created_counts as c on c.month = k.month and c.business_unit = k.business_unit
    left join class_cost as cc on cc.month = k.month and cc.business_unit = k.business_unit
    left join covered as cv on cv.month = k.month and cv.business_unit = k.business_unit
    where k.month in (select month from months)
),

-- Every component is additive, so the total row is a plain sum. The
-- marts split the two levels: kpi_potential_acquisition_monthly (business
-- units) and kpi_potential_acquisition_monthly_total (the month).
with_total as (
    select 'business_unit' as level, * from per_bu
    union all
    select 'total', month, 'all', sum(new_customers)::bigint, sum(new_customers_a)::bigint, sum(acquired_potential), sum(leads_worked)::bigint,
        sum(leads_worked_a)::bigint, sum(won)::bigint, sum(lost)::bigint, sum(won_potential), sum(decided_potential), sum(reactive_leads)::bigint,
        sum(proactive_leads)::bigint, sum(reactive_wins)::bigint, sum(proactive_wins)::bigint, sum(reactive_decided)::bigint, sum(proactive_decided)::bigint,
        sum(reactive_acquired_potential), sum(proactive_acquired_potential), sum(unattributed_acquired_potential), sum(reactive_cost), sum(proactive_cost),
        sum(a_potential), sum(a_potential_covered)
    from per_bu
    group by month
),

final as (
    select
        level,
        month,
        cfg.month_complete(month) as month_complete,
        business_unit,
        new_customers,
        new_customers_a,
        acquired_potential,
        leads_worked,
        leads_worked_a,
        -- Below 1: we win disproportionately low-potential customers (the reactive worst practice).
        cfg.safe_div(cfg.safe_div(new_customers_a, new_customers), cfg.safe_div(leads_worked_a, leads_worked)) as acquisition_quality_index,
        won,
        lost,
        cfg.safe_div(won, won + lost) as win_rate_count,
        cfg.safe_div(won_potential, decided_potential) as win_rate_potential,
        reactive_leads,
        proactive_leads,
        reactive_wins,
        proactive_wins,
        cfg.safe_div(reactive_wins, reactive_decided) as reactive_win_rate,
        cfg.safe_div(proactive_wins, proactive_decided) as proactive_win_rate,
        reactive_acquired_potential,
        proactive_acquired_potential,
        unattributed_acquired_potential,
        reactive_cost,
        proactive_cost,
        cfg.safe_div(reactive_cost, reactive_wins) as reactive_cost_per_win,
        cfg.safe_div(proactive_cost, proactive_wins) as proactive_cost_per_win,
        a_potential,
        a_potential_covered,
        cfg.safe_div(a_potential_covered, a_potential) as potential_coverage_a
    from with_total
)

select * from final
order by month, business_unit
