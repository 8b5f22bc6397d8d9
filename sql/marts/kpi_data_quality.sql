-- Information quality per source entity for this run (docs/kpis.md#data-quality): is the
-- data complete, unique, matched and fresh enough to steer by?
-- docs/kpis.md#data-quality
with batches as (
    select * from ops.batches
),

rejected as (
    select * from ops.rejected_rows
),

fields as (
    select * from cfg.entity_fields
),

matching as (
    select * from core.account_match_summary
),

params as (
    select * from cfg.params
),

-- The current extract of each source: its most recently landed batch.
current_batches as (
    select batch_id, system, entity, rows, duplicate_keys
    from batches
    qualify row_number() over (partition by source order by loaded_at desc, batch_id desc) = 1
),

-- Non-null counts of every field of the current extracts.
field_counts as (
    select 'crm' as system, 'account' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(updated_at)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.crm__account where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'crm' as system, 'contact' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(updated_at)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.crm__contact where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'crm' as system, 'lead' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(updated_at)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.crm__lead where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'crm' as system, 'lead_status_history' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(entered_at)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.crm__lead_status_history where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'crm' as system, 'opportunity' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(updated_at)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.crm__opportunity where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'crm' as system, 'activity' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(occurred_at)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.crm__activity where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'crm' as system, 'campaign' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(started_at)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.crm__campaign where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'crm' as system, 'rep' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(active_from)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.crm__rep where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'erp' as system, 'customer' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(first_order_date)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.erp__customer where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'erp' as system, 'invoice_line' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(invoice_date)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.erp__invoice_line where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'erp' as system, 'sales_cost' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(month)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.erp__sales_cost where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'erp' as system, 'fx_rate' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(date)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.erp__fx_rate where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'survey' as system, 'maturity_answer' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(assessed_on)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.survey__maturity_answer where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'finance' as system, 'bu_financials' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(null)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.finance__bu_financials where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
    union all
    select 'reference' as system, 'industry_benchmark' as entity, *
    from (
        unpivot (
            select count(*) as row_count, max(null)::timestamp as newest_at, count(columns(* exclude (source_system, _source, _batch_id, _source_file, _source_row, _loaded_at)))
            from raw.reference__industry_benchmark where _batch_id in (select batch_id from current_batches)
        ) on columns(* exclude (row_count, newest_at)) into name field value non_null
    )
),

completeness as (
    select
        fc.system,
        fc.entity,
        any_value(fc.row_count) as row_count,
        any_value(fc.newest_at) as newest_at,
        avg(cfg.safe_div(fc.non_null, fc.row_count)) filter (where f.is_required) as completeness_required,
        avg(cfg.safe_div(fc.non_null, fc.row_count)) as completeness_all
    from field_counts as fc
    join fields as f on f.system = fc.system and f.entity = fc.entity and f.field = fc.field
    where fc.row_count > 0
    group by all
),

duplicates as (
    select system, entity, sum(rows) as batch_rows, sum(duplicate_keys) as duplicate_keys
    from current_batches
    group by all
),

rejects as (
    select b.system, b.entity, count(*) as rejected_rows
    from rejected as r
    join batches as b on b.batch_id = r.batch_id
    where r.batch_id in (select batch_id from current_batches)
    group by all
),

final as (
    select
        p.run_id,
        p.as_of,
        c.system,
        c.entity,
        c.row_count,
        c.completeness_required,
        c.completeness_all,
        coalesce(d.duplicate_keys, 0) as duplicate_keys,
        cfg.safe_div(coalesce(d.duplicate_keys, 0), d.batch_rows) as duplicate_rate,
        coalesce(r.rejected_rows, 0) as rejected_rows,
        case
            when c.system = 'crm' and c.entity = 'account' then (select crm_accounts from matching where match_method = 'unmatched_crm')
            when c.system = 'erp' and c.entity = 'customer' then (select erp_customers from matching where match_method = 'unmatched_erp')
        end as unmatched_rows,
        c.newest_at,
        date_diff('day', c.newest_at::date, p.as_of) as freshness_days
    from completeness as c
    cross join params as p
    left join duplicates as d on d.system = c.system and d.entity = c.entity
    left join rejects as r on r.system = c.system and r.entity = c.entity
)

select * from final
order by system, entity
