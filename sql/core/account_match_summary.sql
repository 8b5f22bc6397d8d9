-- The CRM <-> ERP matching report: how many accounts each rule matched and
-- how many stayed unmatched on either side.
with accounts as (
    select * from core.dim_account
),

erp_total as (
    select count(distinct erp_customer_no) as n from accounts where erp_customer_no is not null
),

by_method as (
    select match_method, count(*) as crm_accounts, count(distinct erp_customer_no) as erp_customers
    from accounts
    where is_matched
    group by match_method
),

rows as (
    select match_method, crm_accounts, erp_customers from by_method
    union all
    select 'matched', count(*), count(distinct erp_customer_no) from accounts where is_matched
    union all
    select 'unmatched_crm', count(*), 0 from accounts where is_crm_only
    union all
    select 'unmatched_erp', 0, count(*) from accounts where is_erp_only
    union all
    select 'shared_erp_customer', count(*), count(distinct erp_customer_no) from accounts where has_shared_erp_customer
),

final as (
    select
        r.match_method,
        r.crm_accounts,
        r.erp_customers,
        cfg.safe_div(r.erp_customers, e.n) as share_of_erp_customers
    from rows as r
    cross join erp_total as e
)

select * from final
