-- Customer potential per account as of as_of (docs/kpis.md#customer-potential):
-- the yearly revenue a supplier like us could reach with the account, by the
-- first method in potential.methods that gives a value, never below what
-- the account already buys.
with accounts as (
    select * from core.dim_account
),

revenue as (
    select * from core.account_revenue_t12m
),

peer_groups as (
    select * from core.potential_peer_groups
),

estimates as (
    select * from core.potential_candidates where subject = 'account'
),

params as (
    select * from cfg.params
),

base as (
    select
        a.account_key,
        a.account_name,
        a.industry,
        a.size_class,
        a.employees,
        -- potential_candidates imputes the industry's median for the models
        a.employees is null as is_employees_imputed,
        a.potential_estimate,
        coalesce(t.revenue_t12m, 0) as revenue_t12m,
        coalesce(t.margin_t12m, 0) as margin_t12m
    from accounts as a
    left join revenue as t on t.account_key = a.account_key
),

-- Each method's value, where the method has its inputs.
candidates as (
    select account_key, 'crm_estimate' as method, potential_estimate as value from base where potential_estimate > 0
    union all
    select subject_key, method, value from estimates
),

chosen as (
    select c.account_key, c.method, c.value
    from candidates as c
    cross join params as p
    where list_position(p.potential_methods, c.method) is not null
    qualify row_number() over (partition by c.account_key order by list_position(p.potential_methods, c.method)) = 1
),

potential as (
    select
        b.*,
        ch.method as potential_method,
        ch.value as model_potential,
        pg.peer_group,
        pg.peer_group_size,
        pg.peer_rate,
        -- Potential is never below what the account already buys. With no
        -- method and no revenue it is unknown (NULL), not 0.
        case when ch.value is not null or b.revenue_t12m > 0
            then greatest(coalesce(ch.value, 0), b.revenue_t12m) end as potential_revenue,
        coalesce(cfg.safe_div(b.margin_t12m, b.revenue_t12m), pg.peer_margin_rate) as margin_rate
    from base as b
    left join chosen as ch on ch.account_key = b.account_key
    left join peer_groups as pg on pg.industry is not distinct from b.industry and pg.size_class = b.size_class
),

-- ABC: sort by potential, descending; A holds the accounts within the first
-- class_a_share of the cumulative potential, their own included: the
-- account that crosses the line is B (docs/kpis.md#customer-potential).
ranked as (
    select
        *,
        sum(potential_revenue) over (order by potential_revenue desc, account_key rows unbounded preceding) as cumulative_potential
    from potential
),

final as (
    select
        r.account_key,
        r.account_name,
        r.industry,
        r.size_class,
        r.employees,
        r.is_employees_imputed,
        r.potential_method,
        r.potential_estimate,
        r.peer_group,
        r.peer_group_size,
        r.peer_rate,
        p.peer_quantile,
        r.model_potential,
        r.potential_revenue,
        r.potential_revenue * r.margin_rate as potential_margin,
        r.margin_rate,
        r.revenue_t12m,
        r.margin_t12m,
        r.revenue_t12m > 0 as is_customer,
        -- a net credit (negative revenue) buys nothing: its share of wallet is 0
        cfg.safe_div(greatest(r.revenue_t12m, 0), r.potential_revenue) as share_of_wallet,
        r.potential_revenue - r.revenue_t12m as untapped_potential,
        case
            when r.potential_revenue is null then 'unclassified'
            when r.potential_revenue = 0 then 'C'
            when r.cumulative_potential / sum(r.potential_revenue) over () <= p.class_a_share then 'A'
            when r.cumulative_potential / sum(r.potential_revenue) over () <= p.class_b_share then 'B'
            else 'C'
        end as potential_class,
        cfg.safe_div(r.cumulative_potential, sum(r.potential_revenue) over ()) as cumulative_potential_share,
        p.as_of
    from ranked as r
    cross join params as p
)

select * from final
