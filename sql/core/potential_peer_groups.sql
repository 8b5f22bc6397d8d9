-- The peer model's rates (docs/kpis.md#customer-potential): for each industry x size class seen
-- among accounts and leads, the narrowest peer group with at least
-- min_peer_group paying customers (industry x size class, else industry, else
-- all customers) and its quantile of revenue per employee.
with accounts as (
    select * from core.dim_account
),

revenue as (
    select * from core.account_revenue_t12m
),

leads as (
    select * from staging.stg_crm__leads
),

params as (
    select * from cfg.params
),

paying as (
    select
        a.industry,
        a.size_class,
        t.revenue_t12m / a.employees as revenue_per_employee,
        t.revenue_t12m,
        t.margin_t12m
    from accounts as a
    join revenue as t on t.account_key = a.account_key
    where t.revenue_t12m > 0 and a.employees > 0
),

by_industry_size as (
    select industry, size_class, count(*) as group_size,
        quantile_cont(revenue_per_employee, getvariable('peer_quantile')) as rate,
        sum(margin_t12m) / sum(revenue_t12m) as margin_rate
    from paying
    group by industry, size_class
),

by_industry as (
    select industry, count(*) as group_size,
        quantile_cont(revenue_per_employee, getvariable('peer_quantile')) as rate,
        sum(margin_t12m) / sum(revenue_t12m) as margin_rate
    from paying
    group by industry
),

across_all as (
    select count(*) as group_size,
        quantile_cont(revenue_per_employee, getvariable('peer_quantile')) as rate,
        sum(margin_t12m) / sum(revenue_t12m) as margin_rate
    from paying
),

combinations as (
    select distinct industry, size_class from accounts
    union
    select distinct industry, cfg.size_class(employees) from leads
),

final as (
    select
        c.industry,
        c.size_class,
        case
            when gis.group_size >= p.min_peer_group then 'industry_size'
            when gi.group_size >= p.min_peer_group then 'industry'
            else 'all'
        end as peer_level,
        case
            when gis.group_size >= p.min_peer_group then c.industry || ' x ' || c.size_class
            when gi.group_size >= p.min_peer_group then c.industry
            else 'all customers'
        end as peer_group,
        case
            when gis.group_size >= p.min_peer_group then gis.group_size
            when gi.group_size >= p.min_peer_group then gi.group_size
            else ga.group_size
        end as peer_group_size,
        p.peer_quantile,
        case
            when gis.group_size >= p.min_peer_group then gis.rate
            when gi.group_size >= p.min_peer_group then gi.rate
            else ga.rate
        end as peer_rate,
        case
            when gis.group_size >= p.min_peer_group then gis.margin_rate
            when gi.group_size >= p.min_peer_group then gi.margin_rate
            else ga.margin_rate
        end as peer_margin_rate
    from combinations as c
    cross join params as p
    cross join across_all as ga
    left join by_industry_size as gis on gis.industry is not distinct from c.industry and gis.size_class = c.size_class
    left join by_industry as gi on gi.industry is not distinct from c.industry
)

select * from final
