-- Macros shared by the models. Run before every build.

-- normalize_name: the account-matching key (docs/kpis.md#accounts-across-crm-and-erp). Lowercase, fold
-- umlauts and ß (so Müller matches MUELLER), strip accents and punctuation,
-- drop legal forms, collapse spaces.
create or replace macro cfg.normalize_name(s) as (
    trim(regexp_replace(
        regexp_replace(
            regexp_replace(
                ' ' || regexp_replace(
                    strip_accents(replace(replace(replace(replace(lower(trim(s)), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss')),
                    '[^a-z0-9]+', ' ', 'g') || ' ',
                ' (gmbh co kgaa|gmbh co kg|gmbh co|gmbh|mbh|ag|kgaa|kg|se|e k|ek|ohg|ug|ltd|limited|inc|llc|corp|corporation|s a|sa|s p a|spa|b v|bv|n v|nv|plc|co) ',
                ' ', 'g'),
            ' (gmbh|mbh|ag|kgaa|kg|se|e k|ohg|ug|ltd|limited|inc|llc|corp|co) ', ' ', 'g'),
        '\s+', ' ', 'g'))
);

-- normalize_vat: VAT ids compare without spaces, dots or dashes, upper case.
create or replace macro cfg.normalize_vat(s) as nullif(upper(regexp_replace(trim(s), '[\s.\-]', '', 'g')), '');

-- size_class: company size bands by employees (potential.size_classes), used for peer groups.
create or replace macro cfg.size_class(employees) as (
    case
        when employees is null then 'unknown'
        when employees < (select size_small from cfg.params) then 'small'
        when employees < (select size_medium from cfg.params) then 'medium'
        when employees < (select size_large from cfg.params) then 'large'
        else 'enterprise'
    end
);

-- safe_div: a ratio with a zero denominator is NULL (docs/kpis.md, first paragraph).
create or replace macro cfg.safe_div(n, d) as case when d is null or d = 0 then null else n / d end;

-- version_order: the sort key that picks the version of a record known on
-- as_of: versions updated by then first, newest first (a version without
-- updated_at after those); when none was known yet, the oldest version.
create or replace macro cfg.version_order(updated_at, as_of_end) as (
    case
        when updated_at < as_of_end then -epoch(updated_at)
        when updated_at is null then 0
        else 1e12 + epoch(updated_at)
    end
);

-- fixed: a per-row number that comes out of floating-point arithmetic (a
-- share, a quantile) made fixed point before it is summed, so that the sum
-- does not depend on the order DuckDB's threads add in. The scale is the
-- publication's (jobs.PublishedDecimal).
create or replace macro cfg.fixed(x) as cast(x as decimal(38, 10));

-- key: a record key qualified by its instance. The first instance of a
-- system (source_system = system, e.g. crm) keeps its keys as they are; a
-- second one (crm_b) prefixes them (crm_b:L1), so that two CRMs that reuse
-- ids never merge by accident (docs/kpis.md#several-instances).
create or replace macro cfg.key(source_system, system, id) as
    case when id is null or source_system = system then id else source_system || ':' || id end;

-- days: the days from a to b, NULL when b is before a. A stage time earlier
-- than the one before it is a data error (the warning check stages_in_order
-- names the lead): the lead still counts, but it has no duration, so one bad
-- row cannot pull a median below 0 (docs/kpis.md#velocity).
create or replace macro cfg.days(a, b) as
    case when b >= a then date_diff('minute', a, b) / 1440.0 end;

-- month_complete: whether the calendar month starting on m has ended by the
-- end of as_of; a monthly mart's current month is partial (docs/kpis.md#numbers).
create or replace macro cfg.month_complete(m) as (m + interval 1 month) <= (select as_of_end from cfg.params);
