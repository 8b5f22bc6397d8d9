-- Campaign cost per month, business unit and channel class: each campaign's
-- cost falls in its start month and is split over business units by the
-- share of its leads they own ('unassigned' for a campaign without leads).
with campaigns as (
    select * from staging.stg_crm__campaigns
),

leads as (
    select * from core.fct_lead
),

channel_class as (
    select * from cfg.channel_class
),

campaign_leads as (
    select campaign_id, business_unit, count(*) as leads
    from leads
    where campaign_id is not null
    group by campaign_id, business_unit
),

lead_share as (
    select campaign_id, business_unit, leads / sum(leads) over (partition by campaign_id) as share
    from campaign_leads
),

final as (
    select
        date_trunc('month', c.started_at)::date as month,
        coalesce(s.business_unit, 'unassigned') as business_unit,
        coalesce(cc.channel_class, 'unclassified') as channel_class,
        sum(cfg.fixed(c.cost * coalesce(s.share, 1))) as campaign_cost
    from campaigns as c
    left join lead_share as s on s.campaign_id = c.campaign_id
    left join channel_class as cc on cc.channel = c.channel
    where c.started_at is not null
    group by all
)

select * from final
