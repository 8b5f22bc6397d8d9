package schedule

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"leadmart/config"
	"leadmart/internal/retry"
	"leadmart/jobs"
	"leadmart/publish"
	"leadmart/workdb"
)

// Runner runs one firing of a job: what the nightly or monthly job does.
type Runner interface {
	Run(ctx context.Context, job config.ScheduledJob, at time.Time, r *retry.Retrier) (*jobs.Result, error)
}

// ErrNoReport refuses the monthly-report job until leadmart has a report.
var ErrNoReport = errors.New("the monthly report (`leadmart report`) is not in this build yet; remove the job from schedule.jobs, or keep it for its snapshot and ignore this failure")

// JobRunner runs the jobs for real.
type JobRunner struct {
	Config *config.Config
	Log    zerolog.Logger
	// Hooks are the runs' test hooks; zero in production.
	Hooks publish.Hooks
	// Report writes and sends the monthly report of a month; nil in a
	// build without one: the monthly job then snapshots and publishes, and
	// fails with ErrNoReport.
	Report func(ctx context.Context, month time.Time) error
}

// Run runs job as its firing at asks: the nightly run as of the day before.
// A warehouse that another command holds (a batches or rollback command)
// is waited for with the retry policy.
func (j JobRunner) Run(ctx context.Context, job config.ScheduledJob, at time.Time, r *retry.Retrier) (*jobs.Result, error) {
	if job.Run == "monthly-report" {
		return j.monthly(ctx, job, at, r)
	}
	return j.nightly(ctx, job, at, r)
}

func (j JobRunner) nightly(ctx context.Context, job config.ScheduledJob, at time.Time, r *retry.Retrier) (*jobs.Result, error) {
	var res *jobs.Result
	err := r.Do(ctx, "lock", func() error {
		var err error
		res, err = jobs.Run(ctx, j.Config, jobs.Options{AsOf: jobs.DefaultAsOf(at, j.Config.Location()), Job: job.Name, Log: j.Log, Retry: r, Hooks: j.Hooks})
		if err != nil && !errors.Is(err, workdb.ErrLocked) {
			return retry.Permanent(err)
		}
		return err
	})
	return res, err
}

// monthly appends the snapshot of the month that ended before at to the
// history tables (as of its last day), publishes, and writes the report.
func (j JobRunner) monthly(ctx context.Context, job config.ScheduledJob, at time.Time, r *retry.Retrier) (*jobs.Result, error) {
	local := at.In(j.Config.Location())
	month := time.Date(local.Year(), local.Month()-1, 1, 0, 0, 0, 0, time.UTC)
	end := month.AddDate(0, 1, -1)
	err := r.Do(ctx, "lock", func() error {
		_, err := jobs.Backfill(ctx, j.Config, jobs.BackfillOptions{Dates: []time.Time{end}, Job: job.Name, Log: j.Log, Retry: r})
		if err != nil && !errors.Is(err, workdb.ErrLocked) {
			return retry.Permanent(err)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot as of %s: %w", end.Format(time.DateOnly), err)
	}
	res, err := j.nightly(ctx, job, at, r)
	if err != nil {
		return res, err
	}
	if j.Report == nil {
		return res, fmt.Errorf("job %s: the snapshot as of %s is published; %w", job.Name, end.Format(time.DateOnly), ErrNoReport)
	}
	return res, j.Report(ctx, month)
}

// Daemon fires the configured jobs until its context ends.
type Daemon struct {
	Config  *config.Config
	Runner  Runner
	Metrics *Metrics
	Log     zerolog.Logger
	// Now is the clock catch-up compares the run records with; nil: time.Now.
	Now func() time.Time
	// Started, when set, receives the address /metrics listens on once
	// the daemon serves (tests scrape it).
	Started chan<- string

	running sync.Mutex // one run at a time, whatever the job
	wg      sync.WaitGroup
}

func (d *Daemon) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Serve runs the schedule until ctx ends: then it takes no new run,
// cancels the current one and waits for it for the grace period. The
// previous publication is untouched by a cancelled run.
func (d *Daemon) Serve(ctx context.Context) error {
	cfg := d.Config
	loc := cfg.Location()
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	c := cron.New(cron.WithLocation(loc))
	schedules := map[string]WallClock{}
	for _, job := range cfg.Schedule.Jobs {
		spec, err := config.CronParser().Parse(job.Cron)
		if err != nil {
			return fmt.Errorf("schedule.jobs %s: %w", job.Name, err)
		}
		s := WallClock{Spec: spec, Loc: loc}
		schedules[job.Name] = s
		c.Schedule(s, cron.FuncJob(func() { d.Fire(runCtx, job, d.now()) }))
		d.Log.Info().Str("job", job.Name).Str("cron", job.Cron).Str("run", job.Run).
			Time("next", s.Next(d.now())).Msg("scheduled")
	}
	srv, err := d.listen()
	if err != nil {
		return err
	}
	if st, err := jobs.ReadStatus(ctx, cfg.WarehouseDir(), 1); err == nil {
		d.Metrics.state(st)
	}
	c.Start()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.catchUp(runCtx, schedules)
	}()
	<-ctx.Done()
	d.Log.Info().Dur("grace_period", cfg.Schedule.GracePeriod).Msg("stopping: no new runs; the current run is cancelled")
	<-c.Stop().Done() // no new firings; running ones are ours to wait for
	cancelRuns()
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	var stopErr error
	select {
	case <-done:
		d.Log.Info().Msg("stopped")
	case <-time.After(cfg.Schedule.GracePeriod):
		stopErr = fmt.Errorf("the current run did not stop within the grace period %s", cfg.Schedule.GracePeriod)
	}
	if srv != nil {
		shut, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}
	return stopErr
}

// listen serves /healthz and /metrics on schedule.listen.
func (d *Daemon) listen() (*http.Server, error) {
	addr := d.Config.Schedule.Listen
	if addr == "off" {
		if d.Started != nil {
			d.Started <- ""
		}
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("schedule.listen %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", d.Metrics.Handler())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	d.Log.Info().Str("address", ln.Addr().String()).Msg("serving /healthz and /metrics")
	if d.Started != nil {
		d.Started <- ln.Addr().String()
	}
	return srv, nil
}

// catchUp runs, by the configured policy, what the schedule fired while
// the daemon was down: the firings since each job's last success.
func (d *Daemon) catchUp(ctx context.Context, schedules map[string]WallClock) {
	st, err := jobs.ReadStatus(ctx, d.Config.WarehouseDir(), 1)
	if err != nil {
		d.Log.Warn().Err(err).Msg("catch-up: no run records to compare the schedule with; nothing to catch up")
		return
	}
	for _, job := range d.Config.Schedule.Jobs {
		// every successful nightly run counts, whoever started it; the
		// monthly job has no success to compare with before it ran once
		var last time.Time
		if job.Run == "nightly" && st.LastSuccess != nil {
			last = *st.LastSuccess
		}
		runs, why := CatchUp(d.Config.Schedule.CatchUp, Missed(schedules[job.Name], last, d.now()))
		ev := d.Log.Info().Str("job", job.Name).Int("runs", len(runs))
		if !last.IsZero() {
			ev = ev.Time("last_success", last)
		} else {
			why = "no successful run on record; the schedule starts now"
		}
		ev.Msg("catch-up: " + why)
		for _, at := range runs {
			if ctx.Err() != nil {
				return
			}
			d.Fire(ctx, job, at)
		}
	}
}

// Fire runs one firing of job, unless a run is still going: then it is
// skipped and logged. A panic is recovered and recorded as a failed run.
func (d *Daemon) Fire(ctx context.Context, job config.ScheduledJob, at time.Time) {
	if !d.running.TryLock() {
		d.Log.Warn().Str("job", job.Name).Time("at", at).Msg("skipped: a run is still going")
		d.Metrics.skipped.WithLabelValues(job.Name).Inc()
		return
	}
	defer d.running.Unlock()
	d.wg.Add(1)
	defer d.wg.Done()
	log := d.Log.With().Str("job", job.Name).Logger()
	r := jobs.NewRetrier(d.Config, log)
	log.Info().Time("at", at).Msg("job started")
	res, err := d.run(ctx, job, at, r, log)
	ended := time.Now()
	d.Metrics.observe(job.Name, res, err, r.Counts(), ended)
	if st, rerr := jobs.ReadStatus(ctx, d.Config.WarehouseDir(), 1); rerr == nil {
		d.Metrics.state(st)
	}
	if err != nil {
		log.Error().Err(err).Int("exit_code", jobs.ExitCode(err)).Msg("job failed")
		return
	}
	log.Info().Msg("job finished")
}

// run calls the runner, turning a panic into an error and a failed run record.
func (d *Daemon) run(ctx context.Context, job config.ScheduledJob, at time.Time, r *retry.Retrier, log zerolog.Logger) (res *jobs.Result, err error) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		err = fmt.Errorf("job %s panicked: %v", job.Name, p)
		log.Error().Str("stack", string(debug.Stack())).Msg("panic recovered")
		if rerr := recordPanic(context.WithoutCancel(ctx), d.Config, job.Name, err); rerr != nil {
			log.Error().Err(rerr).Msg("the panicked run could not be recorded")
		}
	}()
	if d.Runner == nil {
		return JobRunner{Config: d.Config, Log: log}.Run(ctx, job, at, r)
	}
	return d.Runner.Run(ctx, job, at, r)
}

// recordPanic marks this process's running run failed, or records a
// failed run when the panic came before the run was recorded.
func recordPanic(ctx context.Context, cfg *config.Config, job string, cause error) error {
	w, err := workdb.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer w.Close()
	now := time.Now().UTC()
	var n int64
	if err := w.QueryRow(ctx, "select count(*) from ops.runs where status = 'running' and pid = ?", os.Getpid()).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		err = w.Exec(ctx, "update ops.runs set status = 'failed', ended_at = ?, error = ? where status = 'running' and pid = ?", now, cause.Error(), os.Getpid())
	} else {
		err = w.Exec(ctx, "insert into ops.runs (run_id, started_at, ended_at, status, published, error, pid, job, retries) values (?, ?, ?, 'failed', false, ?, ?, ?, 0)",
			jobs.NewRunID(now), now, now, cause.Error(), os.Getpid(), job)
	}
	if err != nil {
		return err
	}
	return w.MirrorState(ctx)
}
