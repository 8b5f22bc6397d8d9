-- Information quality per source entity for this run (docs/kpis.md#data-quality): is the
-- data complete, unique, matched and fresh enough to steer by?
-- docs/kpis.md#data-quality
with batches as (
    -- a dropped batch is out of the data
    select * from ops.batches where coalesce(status, 'landed') = 'landed'
),

-- Landed rows flagged by this run's row checks, per entity (a row flagged
-- twice counts once).
issues as (
    select
        system,
        entity,
        count(distinct (batch_id, source_row)) filter (where check_name like 'relationship(%') as orphan_rows,
        count(distinct (batch_id, source_row)) filter (where check_name like 'range(%') as out_of_range_rows,
        count(distinct (batch_id, source_row)) filter (where check_name like 'future_date(%') as future_dated_rows,
        count(distinct (batch_id, source_row)) filter (where severity = 'quarantine') as quarantined_rows
    from ops.row_issues
    where run_id = (select run_id from cfg.params)
    group by all
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

-- Non-null counts of every field of the current extracts (ops.field_counts
-- is generated from the entity declarations).
field_counts as (
    select fc.*
    from ops.field_counts as fc
    where fc._batch_id in (select batch_id from current_batches)
),

completeness as (
    select
        fc.system,
        fc.entity,
        avg(cfg.safe_div(fc.non_null, fc.row_count)) filter (where f.is_required) as completeness_required,
        avg(cfg.safe_div(fc.non_null, fc.row_count)) as completeness_all
    from (
        -- one row per entity and field over the current batches of all its sources
        select system, entity, field, sum(non_null) as non_null, sum(row_count) as row_count
        from field_counts
        group by all
    ) as fc
    join fields as f on f.system = fc.system and f.entity = fc.entity and f.field = fc.field
    where fc.row_count > 0
    group by all
),

-- Freshness is how old the data is: the newest update time of the current
-- extracts' rows where the entity has updated_at, else when the extract was
-- written (docs/kpis.md#data-quality).
freshness as (
    select
        b.system,
        b.entity,
        sum(b.rows) as row_count,
        coalesce(max(u.newest_update_at), max(b.extracted_at)) as newest_at
    from (select * from batches where batch_id in (select batch_id from current_batches)) as b
    left join (select distinct _batch_id, newest_update_at from field_counts) as u on u._batch_id = b.batch_id
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
        fr.row_count,
        c.completeness_required,
        c.completeness_all,
        coalesce(d.duplicate_keys, 0) as duplicate_keys,
        cfg.safe_div(coalesce(d.duplicate_keys, 0), d.batch_rows) as duplicate_rate,
        coalesce(r.rejected_rows, 0) as rejected_rows,
        case
            when c.system = 'crm' and c.entity = 'account' then (select crm_accounts from matching where match_method = 'unmatched_crm')
            when c.system = 'erp' and c.entity = 'customer' then (select erp_customers from matching where match_method = 'unmatched_erp')
        end as unmatched_rows,
        -- won deals that can never become new customers
        case when c.system = 'crm' and c.entity = 'opportunity' then
            (select count(*) from core.fct_opportunity where is_won and account_key is null)
        end as won_without_account,
        coalesce(i.orphan_rows, 0) as orphan_rows,
        coalesce(i.out_of_range_rows, 0) as out_of_range_rows,
        coalesce(i.future_dated_rows, 0) as future_dated_rows,
        coalesce(i.quarantined_rows, 0) as quarantined_rows,
        fr.newest_at,
        -- greatest() skips NULLs in DuckDB: no data is no age, not 0 days
        case when fr.newest_at is not null then greatest(date_diff('day', fr.newest_at::date, p.as_of), 0) end as freshness_days
    from completeness as c
    cross join params as p
    left join freshness as fr on fr.system = c.system and fr.entity = c.entity
    left join duplicates as d on d.system = c.system and d.entity = c.entity
    left join rejects as r on r.system = c.system and r.entity = c.entity
    left join issues as i on i.system = c.system and i.entity = c.entity
)

select * from final
order by system, entity
