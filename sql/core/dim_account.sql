-- Accounts matched across CRM and ERP (docs/kpis.md#accounts-across-crm-and-erp), in this order:
-- 1. the CRM's explicit erp_customer_no; 2. the normalised VAT id;
-- 3. the normalised name plus postal code. Every unmatched CRM account and
-- every unmatched ERP customer keeps a row of its own.
with crm as (
    select * from staging.stg_crm__accounts where not is_deleted
),

erp as (
    select * from staging.stg_erp__customers
),

reps as (
    select * from staging.stg_crm__reps
),

by_number as (
    select crm.account_id, erp.customer_no, 'erp_customer_no' as match_method, 1 as match_rank
    from crm
    join erp on erp.customer_no = crm.erp_customer_no
),

by_vat as (
    select crm.account_id, erp.customer_no, 'vat_id' as match_method, 2 as match_rank
    from crm
    join erp on erp.vat_id = crm.vat_id
    where crm.account_id not in (select account_id from by_number)
        and erp.customer_no not in (select customer_no from by_number)
),

by_name as (
    select crm.account_id, erp.customer_no, 'name_postal_code' as match_method, 3 as match_rank
    from crm
    join erp
        on cfg.normalize_name(erp.name) = cfg.normalize_name(crm.name)
        and erp.postal_code = crm.postal_code
    where crm.account_id not in (select account_id from by_number union all select account_id from by_vat)
        and erp.customer_no not in (select customer_no from by_number union all select customer_no from by_vat)
),

candidates as (
    select * from by_number
    union all select * from by_vat
    union all select * from by_name
),

-- A CRM account that matches several ERP customers at the same rank takes
-- the lowest customer number; the others stay unmatched ERP rows.
matches as (
    select *
    from candidates
    qualify row_number() over (partition by account_id order by match_rank, customer_no) = 1
),

-- Two CRM accounts on one ERP customer are reported, not merged.
shared as (
    select customer_no, count(*) as crm_accounts
    from matches
    group by customer_no
),

crm_rows as (
    select
        'crm:' || crm.account_id as account_key,
        crm.account_id,
        m.customer_no as erp_customer_no,
        m.match_method,
        coalesce(crm.name, erp.name) as account_name,
        coalesce(crm.industry, erp.industry) as industry,
        coalesce(crm.country, erp.country) as country,
        coalesce(crm.postal_code, erp.postal_code) as postal_code,
        coalesce(crm.employees, erp.employees) as employees,
        crm.annual_revenue,
        crm.potential_estimate,
        crm.owner_rep_id,
        reps.business_unit,
        erp.first_order_date,
        crm.created_at,
        coalesce(shared.crm_accounts, 0) > 1 as has_shared_erp_customer,
        crm.source_system
    from crm
    left join matches as m on m.account_id = crm.account_id
    left join erp on erp.customer_no = m.customer_no
    left join shared on shared.customer_no = m.customer_no
    left join reps on reps.rep_id = crm.owner_rep_id
),

erp_rows as (
    select
        'erp:' || erp.customer_no as account_key,
        null::varchar as account_id,
        erp.customer_no as erp_customer_no,
        null::varchar as match_method,
        erp.name as account_name,
        erp.industry,
        erp.country,
        erp.postal_code,
        erp.employees,
        null::double as annual_revenue,
        null::double as potential_estimate,
        null::varchar as owner_rep_id,
        null::varchar as business_unit,
        erp.first_order_date,
        null::timestamp as created_at,
        false as has_shared_erp_customer,
        erp.source_system
    from erp
    where erp.customer_no not in (select customer_no from matches)
),

unioned as (
    select * from crm_rows
    union all
    select * from erp_rows
),

final as (
    select
        account_key,
        account_id,
        erp_customer_no,
        match_method,
        account_id is not null and erp_customer_no is not null as is_matched,
        account_id is not null and erp_customer_no is null as is_crm_only,
        account_id is null as is_erp_only,
        has_shared_erp_customer,
        account_name,
        industry,
        country,
        postal_code,
        employees,
        cfg.size_class(employees) as size_class,
        annual_revenue,
        potential_estimate,
        owner_rep_id,
        business_unit,
        first_order_date,
        created_at,
        source_system
    from unioned
)

select * from final
