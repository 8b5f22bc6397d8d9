-- Invoice lines in the reporting currency. Foreign amounts convert at the
-- nearest rate on or before the invoice date; a missing rate stays NULL and
-- fails the check fx_rate_found, never a silent 1.
-- The rates are spread over the days they hold, so that each line finds its
-- rate by an equality join on a small table: an ASOF join sorts all lines,
-- which spilled and took 20 x as long at 10 x the lines.
with lines as (
    select * from staging.stg_erp__invoice_lines
),

fx as (
    select * from staging.stg_erp__fx_rates
),

accounts as (
    select * from core.dim_account
),

params as (
    select * from cfg.params
),

-- Each rate holds from its date until the next one, the last until as_of.
fx_days as (
    select
        currency,
        rate_date,
        rate_to_reporting_currency,
        unnest(generate_series(rate_date, valid_until, interval 1 day))::date as day
    from (
        select
            fx.*,
            coalesce(lead(fx.rate_date) over (partition by fx.currency order by fx.rate_date) - 1, p.as_of) as valid_until
        from fx, params as p
    )
),

converted as (
    select
        l.*,
        case when l.currency = p.reporting_currency then 1.0 else fx.rate_to_reporting_currency end as fx_rate,
        case when l.currency = p.reporting_currency then l.invoice_date else fx.rate_date end as fx_rate_date
    from lines as l
    cross join params as p
    left join fx_days as fx on fx.currency = l.currency and fx.day = l.invoice_date
),

-- An ERP customer matched by several CRM accounts books its revenue on the
-- first of them, so revenue is never counted twice.
account_for_customer as (
    select erp_customer_no, min(account_key) as account_key
    from accounts
    where erp_customer_no is not null
    group by erp_customer_no
),

final as (
    select
        c.invoice_id,
        c.line_no,
        c.customer_no,
        a.account_key,
        c.invoice_date,
        date_trunc('month', c.invoice_date)::date as month,
        coalesce(c.business_unit, 'unassigned') as business_unit,
        c.product_group,
        c.currency,
        c.fx_rate,
        c.fx_rate_date,
        c.net_revenue,
        c.contribution_margin,
        c.net_revenue * c.fx_rate as net_revenue_rc,
        c.contribution_margin * c.fx_rate as contribution_margin_rc
    from converted as c
    left join account_for_customer as a on a.erp_customer_no = c.customer_no
)

select * from final
