-- Sales efficiency per business unit and month: is sales cost growing faster
-- than revenue? (docs/kpis.md#sales-efficiency)
with revenue as (
    select * from core.fct_revenue_monthly
),

sales_cost as (
    select * from staging.stg_erp__sales_cost
),

leads as (
    select * from core.fct_lead
),

acquisitions as (
    select * from core.fct_customer_acquisition
),

activities as (
    select * from core.fct_activity
),

reps as (
    select * from core.dim_rep
),

params as (
    select * from cfg.params
),

-- A dense grid of months, so that trailing windows count calendar months.
months as (
    select distinct month from core.dim_date
),

units as (
    select business_unit from revenue
    union select business_unit from sales_cost
),

grid as (
    select m.month, u.business_unit from months as m cross join units as u
),

revenue_by_month as (
    select month, business_unit, sum(revenue) as revenue, sum(margin) as margin
    from revenue
    group by all
),

cost_by_month as (
    select
        month,
        business_unit,
        coalesce(sum(amount) filter (where cost_type = 'personnel'), 0) as cost_personnel,
        coalesce(sum(amount) filter (where cost_type = 'travel'), 0) as cost_travel,
        coalesce(sum(amount) filter (where cost_type = 'marketing'), 0) as cost_marketing,
        coalesce(sum(amount) filter (where cost_type = 'tools'), 0) as cost_tools,
        coalesce(sum(amount) filter (where cost_type not in ('personnel', 'travel', 'marketing', 'tools')), 0) as cost_other,
        sum(amount) as sales_cost
    from sales_cost
    group by all
),

-- The one acquisition cost base (core.acquisition_cost), all classes.
campaign_by_month as (
    select
        month,
        business_unit,
        sum(campaign_cost) as campaign_cost,
        sum(allocated_sales_cost) as allocated_sales_cost,
        sum(acquisition_cost) as acquisition_cost
    from core.acquisition_cost
    group by all
),

funnel as (
    select
        bu.month,
        bu.business_unit,
        count(*) filter (where bu.stage = 'lead') as leads,
        count(*) filter (where bu.stage = 'mql') as mqls
    from (
        select date_trunc('month', lead_at)::date as month, business_unit, 'lead' as stage from leads
        union all
        select date_trunc('month', mql_at)::date, business_unit, 'mql' from leads where mql_at is not null
    ) as bu
    group by all
),

won_customers as (
    select month, business_unit, count(*) as new_customers from acquisitions group by all
),

time_use as (
    select
        month,
        business_unit,
        sum(duration_minutes) filter (where is_customer_facing) as customer_facing_minutes,
        sum(duration_minutes) as logged_minutes
    from activities
    group by all
),

fte as (
    select g.month, g.business_unit, sum(r.fte) as sales_fte
    from grid as g
    join reps as r
        on r.business_unit = g.business_unit
        and coalesce(r.active_from, date '1900-01-01') < g.month + interval 1 month
        and coalesce(r.active_to, date '9999-12-31') >= g.month
    group by all
),

monthly as (
    select
        g.month,
        g.business_unit,
        coalesce(r.revenue, 0) as revenue,
        coalesce(r.margin, 0) as margin,
        coalesce(c.cost_personnel, 0) as cost_personnel,
        coalesce(c.cost_travel, 0) as cost_travel,
        coalesce(c.cost_marketing, 0) as cost_marketing,
        coalesce(c.cost_tools, 0) as cost_tools,
        coalesce(c.cost_other, 0) as cost_other,
        coalesce(c.sales_cost, 0) as sales_cost,
        coalesce(cp.campaign_cost, 0) as campaign_cost,
        cp.allocated_sales_cost,
        cp.acquisition_cost,
        coalesce(f.leads, 0) as leads,
        coalesce(f.mqls, 0) as mqls,
        coalesce(w.new_customers, 0) as new_customers,
        ft.sales_fte,
        coalesce(t.customer_facing_minutes, 0) as customer_facing_minutes,
        coalesce(t.logged_minutes, 0) as logged_minutes
    from grid as g
    left join revenue_by_month as r on r.month = g.month and r.business_unit = g.business_unit
    left join cost_by_month as c on c.month = g.month and c.business_unit = g.business_unit
    left join campaign_by_month as cp on cp.month = g.month and cp.business_unit = g.business_unit
    left join funnel as f on f.month = g.month and f.business_unit = g.business_unit
    left join won_customers as w on w.month = g.month and w.business_unit = g.business_unit
    left join fte as ft on ft.month = g.month and ft.business_unit = g.business_unit
    left join time_use as t on t.month = g.month and t.business_unit = g.business_unit
),

rolling as (
    select
        *,
        sum(revenue) over w12 as revenue_t12m,
        sum(sales_cost) over w12 as sales_cost_t12m,
        count(*) over w12 as months_in_window
    from monthly
    window w12 as (partition by business_unit order by month rows between 11 preceding and current row)
),

growth as (
    select
        *,
        -- growth of the trailing twelve months over the same window a year earlier
        case when lag(months_in_window, 12) over w = 12
            then cfg.safe_div(sales_cost_t12m, lag(sales_cost_t12m, 12) over w) - 1 end as sales_cost_growth_t12m,
        case when lag(months_in_window, 12) over w = 12
            then cfg.safe_div(revenue_t12m, lag(revenue_t12m, 12) over w) - 1 end as revenue_growth_t12m
    from rolling
    window w as (partition by business_unit order by month)
),

-- cost_outgrowing_revenue: the growth gap was positive at the end of two or
-- more consecutive quarters. A month carries the state of the last quarter
-- end on or before it.
quarter_ends as (
    select
        business_unit,
        month,
        sales_cost_growth_t12m - revenue_growth_t12m > 0 as is_positive,
        lag(sales_cost_growth_t12m - revenue_growth_t12m > 0) over (partition by business_unit order by month) as was_positive
    from growth
    where month(month) in (3, 6, 9, 12)
),

final as (
    select
        g.month,
        cfg.month_complete(g.month) as month_complete,
        g.business_unit,
        g.revenue,
        g.margin,
        g.cost_personnel,
        g.cost_travel,
        g.cost_marketing,
        g.cost_tools,
        g.cost_other,
        g.sales_cost,
        cfg.safe_div(g.sales_cost, g.revenue) as sales_cost_ratio,
        g.revenue_t12m,
        g.sales_cost_t12m,
        case when g.months_in_window = 12 then cfg.safe_div(g.sales_cost_t12m, g.revenue_t12m) end as sales_cost_ratio_t12m,
        g.sales_cost_growth_t12m,
        g.revenue_growth_t12m,
        g.sales_cost_growth_t12m - g.revenue_growth_t12m as cost_minus_revenue_growth,
        coalesce(q.is_positive and q.was_positive, false) as cost_outgrowing_revenue,
        g.campaign_cost,
        g.allocated_sales_cost,
        g.acquisition_cost,
        g.leads,
        g.mqls,
        g.new_customers,
        cfg.safe_div(g.acquisition_cost, g.leads) as cost_per_lead,
        cfg.safe_div(g.acquisition_cost, g.mqls) as cost_per_mql,
        cfg.safe_div(g.acquisition_cost, g.new_customers) as cost_per_won_customer,
        g.sales_fte,
        cfg.safe_div(g.revenue, g.sales_fte) as revenue_per_sales_fte,
        g.customer_facing_minutes,
        g.logged_minutes,
        cfg.safe_div(g.customer_facing_minutes, g.logged_minutes) as customer_facing_share
    from growth as g
    cross join params as p
    asof left join quarter_ends as q on q.business_unit = g.business_unit and q.month <= g.month
    where g.month >= p.history_start
)

select * from final
order by business_unit, month
