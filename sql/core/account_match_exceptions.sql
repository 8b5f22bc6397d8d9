-- The rows a data steward should look at: ERP customers no CRM account
-- matches, ERP customers matched by several CRM accounts, and CRM accounts
-- whose stated ERP customer number does not exist in the ERP.
with accounts as (
    select * from core.dim_account
),

crm as (
    select * from staging.stg_crm__accounts where not is_deleted
),

final as (
    select account_key, account_id, erp_customer_no, account_name, postal_code,
        'erp_customer_without_crm_account' as reason
    from accounts
    where is_erp_only
    union all
    select account_key, account_id, erp_customer_no, account_name, postal_code,
        'erp_customer_shared_by_crm_accounts'
    from accounts
    where has_shared_erp_customer
    union all
    select a.account_key, a.account_id, c.erp_customer_no, a.account_name, a.postal_code,
        'unknown_erp_customer_no'
    from accounts as a
    join crm as c on c.account_id = a.account_id
    where c.erp_customer_no is not null and a.match_method is distinct from 'erp_customer_no'
)

select * from final
