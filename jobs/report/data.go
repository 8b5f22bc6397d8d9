package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"leadmart/jobs"
	"leadmart/publish"
)

// ErrNoData: the publication holds no figures for the month asked.
var ErrNoData = errors.New("no data for the month")

// ErrPartial: the month had not ended by the publication's as-of date.
var ErrPartial = errors.New("the month is not complete")

// Period is one of the three months every figure is shown for.
type Period struct {
	Month time.Time
	Found bool
	// the month's row of kpi_potential_acquisition_monthly_total
	NewCustomers, AcquiredPotential, AQI, WinRateCount, WinRatePotential *float64
	ReactiveLeads, ProactiveLeads, ReactiveWins, ProactiveWins           *float64
	ReactiveCostPerWin, ProactiveCostPerWin                              *float64
	APotential, ACovered, CoverageA                                      *float64
	Complete                                                             bool
}

// Unit is one business unit's efficiency and maturity.
type Unit struct {
	Name                                       string
	CostRatio, CostRatioPrev, CostRatioLY      *float64
	CostGrowth, RevenueGrowth                  *float64
	CostOutgrowing                             bool
	MaturityIndex, MaturityLevel, EBITDAMargin *float64
	FinancialYear                              int
}

// Stage is one step of the month's funnel.
type Stage struct {
	Key            string
	Count          *float64 // entering the stage in the month
	Prev, LastYear *float64 // the same, the month before and a year before
	CohortShare    *float64 // of the month's leads, the share that reached it by as_of
	CohortLeads    *float64
	CohortNumber   *float64
}

// Mix is one potential class's share of the month's leads and wins.
type Mix struct {
	Class               string
	LeadShare, WonShare *float64
}

// Account is one of the top untapped A-class accounts.
type Account struct {
	Rank                int
	Name, Unit, Owner   string
	Potential, Untapped *float64
	LastActivity        *time.Time
}

// Opportunity is one high-potential opportunity lost or stalled.
type Opportunity struct {
	Rank                                  int
	ID, Account, Unit, Owner, Class, Risk string
	Potential, Amount                     *float64
}

// Data is everything the report shows, read from the published tables.
type Data struct {
	RunID               string
	AsOf                time.Time
	PublishedAt         time.Time
	Currency            string
	Cur, Prev, LastYear Period
	Trend               []Period // the 13 months up to the report's
	Units               []Unit
	Funnel              []Stage
	Mix                 []Mix
	Untapped            []Account
	AtRisk              []Opportunity
	// data quality of the publication's run
	Quarantined, WarnChecks int64
	Stale                   []string
	StaleDays               int
}

// Load reads the report's figures for month from the live publication in
// the warehouse folder dir. It is refused with ErrNoData when the marts
// hold no row for the month, and with ErrPartial when the month had not
// ended by the publication's as_of (unless partial).
func Load(ctx context.Context, dir string, month time.Time, partial bool) (*Data, error) {
	path := filepath.Join(dir, publish.PublishedFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("nothing is published in %s (run leadmart run first): %w", dir, err)
	}
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	d := &Data{}
	if err := db.QueryRowContext(ctx, "select any_value(run_id), any_value(as_of), any_value(published_at) from mart.publication").
		Scan(&d.RunID, &d.AsOf, &d.PublishedAt); err != nil {
		return nil, fmt.Errorf("read the publication: %w", err)
	}
	d.Cur, d.Prev, d.LastYear = Period{Month: month}, Period{Month: month.AddDate(0, -1, 0)}, Period{Month: month.AddDate(-1, 0, 0)}
	for _, p := range []*Period{&d.Cur, &d.Prev, &d.LastYear} {
		if err := loadPeriod(ctx, db, p); err != nil {
			return nil, err
		}
	}
	if !d.Cur.Found {
		var first, last sql.NullTime
		_ = db.QueryRowContext(ctx, "select min(month), max(month) from mart.kpi_potential_acquisition_monthly_total").Scan(&first, &last)
		held := "no month at all"
		if first.Valid {
			held = fmt.Sprintf("the months %s to %s", first.Time.Format("2006-01"), last.Time.Format("2006-01"))
		}
		return nil, fmt.Errorf("%w: the publication (as of %s) holds no figures for %s; it holds %s",
			ErrNoData, d.AsOf.Format(time.DateOnly), month.Format("2006-01"), held)
	}
	if !d.Cur.Complete && !partial {
		return nil, fmt.Errorf("%w: %s had not ended on %s, the publication's as-of date; give --partial for a report that says so",
			ErrPartial, month.Format("2006-01"), d.AsOf.Format(time.DateOnly))
	}
	for i := 12; i >= 0; i-- {
		p := Period{Month: month.AddDate(0, -i, 0)}
		if err := loadPeriod(ctx, db, &p); err != nil {
			return nil, err
		}
		d.Trend = append(d.Trend, p)
	}
	loaders := []func(context.Context, *sql.DB, *Data, time.Time) error{loadUnits, loadFunnel, loadMix, loadUntapped, loadAtRisk}
	for _, load := range loaders {
		if err := load(ctx, db, d, month); err != nil {
			return nil, err
		}
	}
	if err := loadQuality(ctx, db, d, dir); err != nil {
		return nil, err
	}
	return d, nil
}

func loadPeriod(ctx context.Context, db *sql.DB, p *Period) error {
	err := db.QueryRowContext(ctx, `select month_complete, new_customers, acquired_potential, acquisition_quality_index,
			win_rate_count, win_rate_potential, reactive_leads, proactive_leads, reactive_wins, proactive_wins,
			reactive_cost_per_win, proactive_cost_per_win, a_potential, a_potential_covered, potential_coverage_a
		from mart.kpi_potential_acquisition_monthly_total where month = ?`, p.Month).Scan(&p.Complete,
		&p.NewCustomers, &p.AcquiredPotential, &p.AQI, &p.WinRateCount, &p.WinRatePotential,
		&p.ReactiveLeads, &p.ProactiveLeads, &p.ReactiveWins, &p.ProactiveWins,
		&p.ReactiveCostPerWin, &p.ProactiveCostPerWin, &p.APotential, &p.ACovered, &p.CoverageA)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read kpi_potential_acquisition_monthly_total for %s: %w", p.Month.Format("2006-01"), err)
	}
	p.Found = true
	return nil
}

func loadUnits(ctx context.Context, db *sql.DB, d *Data, month time.Time) error {
	rows, err := db.QueryContext(ctx, `select coalesce(e.business_unit, m.business_unit),
			e.sales_cost_ratio, p.sales_cost_ratio, y.sales_cost_ratio,
			e.sales_cost_growth_t12m, e.revenue_growth_t12m, coalesce(e.cost_outgrowing_revenue, false),
			m.maturity_index, m.maturity_level, m.ebitda_margin, coalesce(m.financial_year, 0)
		from (select * from mart.kpi_sales_efficiency_monthly where month = ?) as e
		full join mart.kpi_maturity_by_business_unit as m on m.business_unit = e.business_unit
		left join mart.kpi_sales_efficiency_monthly as p on p.business_unit = e.business_unit and p.month = ?
		left join mart.kpi_sales_efficiency_monthly as y on y.business_unit = e.business_unit and y.month = ?
		order by 1`, month, month.AddDate(0, -1, 0), month.AddDate(-1, 0, 0))
	if err != nil {
		return fmt.Errorf("read the business units: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u Unit
		if err := rows.Scan(&u.Name, &u.CostRatio, &u.CostRatioPrev, &u.CostRatioLY, &u.CostGrowth, &u.RevenueGrowth,
			&u.CostOutgrowing, &u.MaturityIndex, &u.MaturityLevel, &u.EBITDAMargin, &u.FinancialYear); err != nil {
			return err
		}
		d.Units = append(d.Units, u)
	}
	return rows.Err()
}

// loadFunnel reads the month's funnel (kpi_funnel_monthly_total), the
// month before and a year before, and the month's cohort (kpi_funnel_cohort_total).
func loadFunnel(ctx context.Context, db *sql.DB, d *Data, month time.Time) error {
	var counts [3][5]*float64
	for i, m := range []time.Time{month, month.AddDate(0, -1, 0), month.AddDate(-1, 0, 0)} {
		c := &counts[i]
		err := db.QueryRowContext(ctx, `select leads, mqls, sqls, opportunities, won from mart.kpi_funnel_monthly_total where month = ?`, m).
			Scan(&c[0], &c[1], &c[2], &c[3], &c[4])
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read the funnel: %w", err)
		}
	}
	var shares, reached [5]*float64
	var leads *float64
	err := db.QueryRowContext(ctx, `select cohort_leads, 1.0, share_mql_to_date, share_sql_to_date, share_opportunity_to_date, share_won_to_date,
			cohort_leads, reached_mql_to_date, reached_sql_to_date, reached_opportunity_to_date, reached_won_to_date
		from mart.kpi_funnel_cohort_total where cohort_month = ?`, month).Scan(&leads, &shares[0], &shares[1], &shares[2], &shares[3], &shares[4],
		&reached[0], &reached[1], &reached[2], &reached[3], &reached[4])
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read the cohort: %w", err)
	}
	for i, k := range []string{"stage_lead", "stage_mql", "stage_sql", "stage_opportunity", "stage_won"} {
		d.Funnel = append(d.Funnel, Stage{Key: k, Count: counts[0][i], Prev: counts[1][i], LastYear: counts[2][i],
			CohortShare: shares[i], CohortLeads: leads, CohortNumber: reached[i]})
	}
	return nil
}

// loadMix reads the potential-class shares of the month's leads and wins.
func loadMix(ctx context.Context, db *sql.DB, d *Data, month time.Time) error {
	rows, err := db.QueryContext(ctx, `select potential_class, share_of_leads, share_of_wins
		from mart.kpi_potential_class_mix_monthly where month = ? order by potential_class`, month)
	if err != nil {
		return fmt.Errorf("read the class mix: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m Mix
		if err := rows.Scan(&m.Class, &m.LeadShare, &m.WonShare); err != nil {
			return err
		}
		d.Mix = append(d.Mix, m)
	}
	return rows.Err()
}

func loadUntapped(ctx context.Context, db *sql.DB, d *Data, _ time.Time) error {
	rows, err := db.QueryContext(ctx, `select untapped_rank, coalesce(account_name, account_key), coalesce(business_unit, ''),
			coalesce(owner_rep_id, ''), potential_revenue, untapped_potential, last_activity_at
		from mart.kpi_untapped_accounts order by untapped_rank limit 10`)
	if err != nil {
		return fmt.Errorf("read the untapped accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.Rank, &a.Name, &a.Unit, &a.Owner, &a.Potential, &a.Untapped, &a.LastActivity); err != nil {
			return err
		}
		d.Untapped = append(d.Untapped, a)
	}
	return rows.Err()
}

// loadAtRisk reads the opportunities lost in the month or stalled now.
func loadAtRisk(ctx context.Context, db *sql.DB, d *Data, month time.Time) error {
	rows, err := db.QueryContext(ctx, `select row_number() over (order by risk_rank), opportunity_id, coalesce(account_name, account_key),
			coalesce(business_unit, ''), coalesce(owner_rep_id, ''), potential_class, risk, potential_revenue, amount_rc
		from mart.kpi_opportunities_at_risk
		where risk = 'stalled' or (risk = 'lost' and closed_at >= ? and closed_at < ?)
		order by risk_rank limit 10`, month, month.AddDate(0, 1, 0))
	if err != nil {
		return fmt.Errorf("read the opportunities at risk: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o Opportunity
		if err := rows.Scan(&o.Rank, &o.ID, &o.Account, &o.Unit, &o.Owner, &o.Class, &o.Risk, &o.Potential, &o.Amount); err != nil {
			return err
		}
		d.AtRisk = append(d.AtRisk, o)
	}
	return rows.Err()
}

// loadQuality reads the publication's data-quality warnings: quarantined
// rows and stale sources from kpi_data_quality, and the checks that
// warned in its run from the run records (state.duckdb).
func loadQuality(ctx context.Context, db *sql.DB, d *Data, dir string) error {
	d.StaleDays = 7
	if err := db.QueryRowContext(ctx, "select coalesce(sum(quarantined_rows), 0) from mart.kpi_data_quality").Scan(&d.Quarantined); err != nil {
		return fmt.Errorf("read kpi_data_quality: %w", err)
	}
	rows, err := db.QueryContext(ctx, "select system || '.' || entity from mart.kpi_data_quality where freshness_days > ? order by 1", d.StaleDays)
	if err != nil {
		return fmt.Errorf("read kpi_data_quality: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		d.Stale = append(d.Stale, s)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	state, path, err := jobs.OpenState(dir)
	if err != nil {
		return err
	}
	defer state.Close()
	if err := state.QueryRowContext(ctx, "select count(*) from check_results where run_id = ? and status = 'warn'", d.RunID).Scan(&d.WarnChecks); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// LastComplete is the last month that had ended by the publication's as_of.
func LastComplete(ctx context.Context, dir string) (time.Time, error) {
	db, err := sql.Open("duckdb", filepath.Join(dir, publish.PublishedFile)+"?access_mode=read_only")
	if err != nil {
		return time.Time{}, err
	}
	defer db.Close()
	var asOf time.Time
	if err := db.QueryRowContext(ctx, "select any_value(as_of) from mart.publication").Scan(&asOf); err != nil {
		return time.Time{}, fmt.Errorf("nothing is published in %s (run leadmart run first): %w", dir, err)
	}
	next := asOf.AddDate(0, 0, 1)
	return time.Date(next.Year(), next.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0), nil
}
