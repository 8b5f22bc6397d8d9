package schedule

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/prometheus/client_golang/prometheus"

	"leadmart/jobs"
)

// Metrics are what the daemon serves on /metrics, in a registry of its own.
type Metrics struct {
	Registry *prometheus.Registry

	lastSuccess, lastRun  *prometheus.GaugeVec
	runs, failures        *prometheus.CounterVec
	skipped, retries      *prometheus.CounterVec
	stage, modelRows      *prometheus.GaugeVec
	rejected, quarantined prometheus.Gauge
	landed                *prometheus.GaugeVec
}

// NewMetrics registers every metric.
func NewMetrics() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "leadmart", Name: name, Help: help}, labels)
		m.Registry.MustRegister(g)
		return g
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "leadmart", Name: name, Help: help}, labels)
		m.Registry.MustRegister(c)
		return c
	}
	m.lastSuccess = gauge("job_last_success_timestamp_seconds", "When the job last ended successfully (Unix time).", "job")
	m.lastRun = gauge("job_last_run_timestamp_seconds", "When the job last ended, whatever its outcome (Unix time).", "job")
	m.runs = counter("job_runs_total", "Runs of each job by status (success, failed, checks_failed, cancelled).", "job", "status")
	m.failures = counter("run_failures_total", "Failed runs by the exit code leadmart run would give (1 machine, 2 config, 3 checks, 4 locked, 5 bad input).", "exit_code")
	m.skipped = counter("job_skipped_total", "Firings skipped because a run was still going.", "job")
	m.retries = counter("retries_total", "Transient failures retried, by source (or lock).", "source")
	m.stage = gauge("stage_duration_seconds", "Duration of each step of the last run.", "stage")
	m.modelRows = gauge("model_rows", "Rows of each published table in the last publication.", "model")
	m.rejected = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "leadmart", Name: "rejected_rows", Help: "Lines the last run rejected while landing."})
	m.quarantined = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "leadmart", Name: "quarantined_rows", Help: "Landed rows the last run quarantined."})
	m.Registry.MustRegister(m.rejected, m.quarantined)
	m.landed = gauge("source_last_landed_timestamp_seconds", "When each source's newest batch landed (Unix time): time() minus it is the source's freshness.", "source")
	m.Registry.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// observe records a finished run of job.
func (m *Metrics) observe(job string, res *jobs.Result, err error, retries map[string]int, ended time.Time) {
	status := jobs.StatusOf(err)
	if err != nil {
		m.failures.WithLabelValues(strconv.Itoa(jobs.ExitCode(err))).Inc()
	} else {
		m.lastSuccess.WithLabelValues(job).Set(float64(ended.Unix()))
	}
	m.lastRun.WithLabelValues(job).Set(float64(ended.Unix()))
	m.runs.WithLabelValues(job, status).Inc()
	for src, n := range retries {
		m.retries.WithLabelValues(src).Add(float64(n))
	}
	if res == nil {
		return
	}
	for stage, d := range res.Stages {
		m.stage.WithLabelValues(stage).Set(d.Seconds())
	}
	if err == nil {
		for _, t := range res.Tables {
			m.modelRows.WithLabelValues(t.Model).Set(float64(t.Rows))
		}
	}
	m.rejected.Set(float64(res.Land.Rejected))
}

// state sets what the run records say: each source's last landing and the
// rows quarantined now.
func (m *Metrics) state(st jobs.Status) {
	for _, s := range st.Sources {
		m.landed.WithLabelValues(s.Source).Set(float64(s.LastLoadedAt.Unix()))
	}
	m.quarantined.Set(float64(st.Quarantined))
}
