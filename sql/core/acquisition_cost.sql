-- The cost of acquiring customers, per month, business unit and channel
-- class (docs/kpis.md#one-cost-base): the class's campaigns plus the share
-- of the business unit's sales cost that its customer-facing minutes on
-- leads of that class take. Every cost-per KPI divides this one base.
with activities as (
    select * from core.fct_activity
),

leads as (
    select * from core.fct_lead
),

sales_cost as (
    select * from staging.stg_erp__sales_cost
),

campaign_cost as (
    select * from core.fct_campaign_cost
),

classes as (
    select * from (values ('reactive'), ('proactive'), ('unclassified')) as t(channel_class)
),

-- Customer-facing minutes, and of them those spent on leads of each class.
minutes as (
    select
        act.month,
        act.business_unit,
        l.channel_class,
        sum(act.duration_minutes) as minutes
    from activities as act
    left join leads as l on l.lead_id = act.lead_id
    where act.is_customer_facing
    group by all
),

all_minutes as (
    select month, business_unit, sum(minutes) as minutes from minutes group by all
),

bu_cost as (
    select month, business_unit, sum(amount) as sales_cost from sales_cost group by all
),

campaigns as (
    select month, business_unit, channel_class, sum(campaign_cost) as campaign_cost from campaign_cost group by all
),

-- The months and business units with any cost data: elsewhere the cost is
-- unknown, not 0.
known as (
    select month, business_unit from bu_cost
    union
    select month, business_unit from campaigns
),

final as (
    select
        k.month,
        k.business_unit,
        c.channel_class,
        coalesce(cp.campaign_cost, 0) as campaign_cost,
        cfg.fixed(coalesce(b.sales_cost, 0) * coalesce(cfg.safe_div(m.minutes, am.minutes), 0)) as allocated_sales_cost,
        coalesce(cp.campaign_cost, 0)
            + cfg.fixed(coalesce(b.sales_cost, 0) * coalesce(cfg.safe_div(m.minutes, am.minutes), 0)) as acquisition_cost
    from known as k
    cross join classes as c
    left join bu_cost as b on b.month = k.month and b.business_unit = k.business_unit
    left join campaigns as cp on cp.month = k.month and cp.business_unit = k.business_unit and cp.channel_class = c.channel_class
    left join minutes as m on m.month = k.month and m.business_unit = k.business_unit and m.channel_class = c.channel_class
    left join all_minutes as am on am.month = k.month and am.business_unit = k.business_unit
)

select * from final
