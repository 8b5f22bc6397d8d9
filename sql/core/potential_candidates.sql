-- The potential each estimating method gives (docs/kpis.md#customer-potential), for every
-- account and for every lead: benchmark = employees x the industry's spend
-- per employee; peer_model = employees x the peer group's rate; revenue_share
-- = the account's own annual revenue x the configured share. The rep's
-- estimate is the account's own (account_potential adds it).
with accounts as (
    select * from core.dim_account
),

leads as (
    select * from staging.stg_crm__leads
),

peer_groups as (
    select * from core.potential_peer_groups
),

benchmarks as (
    select * from staging.stg_reference__industry_benchmarks
),

params as (
    select * from cfg.params
),

-- An account without an employee count takes the median of its industry
-- (else of all accounts), so that every account gets a potential.
median_employees as (
    select industry, median(employees) as employees from accounts where employees > 0 group by industry
),

subjects as (
    select
        'account' as subject,
        a.account_key as subject_key,
        a.industry,
        a.size_class,
        coalesce(a.employees, mi.employees, (select median(employees) from accounts where employees > 0)) as employees
    from accounts as a
    left join median_employees as mi on mi.industry = a.industry
    union all
    -- a lead with an industry but no employee count takes the industry's
    -- median too, as an account does; without an industry it stays unknown
    select 'lead', l.lead_id, l.industry, cfg.size_class(l.employees), coalesce(l.employees, mi.employees)
    from leads as l
    left join median_employees as mi on mi.industry = l.industry
),

final as (
    select s.subject, s.subject_key, 'benchmark' as method, s.employees * bm.spend_per_employee as value
    from subjects as s
    join benchmarks as bm on bm.industry = s.industry
    where s.employees > 0
    union all
    select s.subject, s.subject_key, 'peer_model', s.employees * pg.peer_rate
    from subjects as s
    join peer_groups as pg on pg.industry is not distinct from s.industry and pg.size_class = s.size_class
    where s.employees > 0 and pg.peer_rate > 0
    union all
    -- revenue_share = the account's own yearly revenue x potential.revenue_share
    select 'account', a.account_key, 'revenue_share', a.annual_revenue * p.revenue_share
    from accounts as a
    cross join params as p
    where a.annual_revenue > 0 and p.revenue_share > 0
)

select * from final
