package config

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule configures `leadmart schedule`, the daemon that runs the jobs.
type Schedule struct {
	// Jobs and when they run. Default: nightly at 02:00, monthly-report at
	// 06:00 on the 1st, in warehouse.time_zone.
	Jobs []ScheduledJob `yaml:"jobs"`
	// CatchUp is what the daemon does on start about runs missed since the
	// last success: latest (one run, the default), none, or all.
	CatchUp string `yaml:"catch_up"`
	// GracePeriod is how long a stopping daemon waits for the run it
	// cancelled to end cleanly before it exits anyway. Default 60s.
	GracePeriod time.Duration `yaml:"grace_period"`
	// Listen is the address of /healthz and /metrics. Default
	// 127.0.0.1:9464; "off" serves neither.
	Listen string `yaml:"listen"`
}

// ScheduledJob is one job of the daemon.
type ScheduledJob struct {
	// Name identifies the job in logs, run records and metrics.
	Name string `yaml:"name"`
	// Cron is a standard five-field cron expression (minute hour day month
	// weekday), or a descriptor such as @daily, in warehouse.time_zone.
	Cron string `yaml:"cron"`
	// Run is what it does: nightly (land, transform, check, publish) or
	// monthly-report. Default: the job's name.
	Run string `yaml:"run"`
}

// Retry bounds the retries of a transient failure.
type Retry struct {
	// Attempts in all, the first included. Default 4.
	Attempts int `yaml:"attempts"`
	// MaxDelay is the longest wait between two attempts; waits double from
	// 1s with jitter up to it. Default 30s.
	MaxDelay time.Duration `yaml:"max_delay"`
}

// JobKinds are what a scheduled job can run.
var JobKinds = []string{"nightly", "monthly-report"}

// CatchUpPolicies are the values of schedule.catch_up.
var CatchUpPolicies = []string{"latest", "none", "all"}

// CronParser parses schedule.jobs[].cron: five fields or a descriptor.
func CronParser() cron.Parser {
	return cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
}

func (s *Schedule) applyDefaults() {
	if len(s.Jobs) == 0 {
		s.Jobs = []ScheduledJob{{Name: "nightly", Cron: "0 2 * * *"}, {Name: "monthly-report", Cron: "0 6 1 * *"}}
	}
	for i := range s.Jobs {
		s.Jobs[i].Run = or(s.Jobs[i].Run, s.Jobs[i].Name)
	}
	s.CatchUp = or(s.CatchUp, "latest")
	if s.GracePeriod == 0 {
		s.GracePeriod = time.Minute
	}
	s.Listen = or(s.Listen, "127.0.0.1:9464")
}

func (r *Retry) applyDefaults() {
	if r.Attempts == 0 {
		r.Attempts = 4
	}
	if r.MaxDelay == 0 {
		r.MaxDelay = 30 * time.Second
	}
}

func (r *Retry) validate(bad func(string, ...any)) {
	if r.Attempts < 1 {
		bad("retry.attempts: must be >= 1, got %d", r.Attempts)
	}
	if r.MaxDelay < 0 {
		bad("retry.max_delay: must be positive, got %s", r.MaxDelay)
	}
}

func (s *Schedule) validate(bad func(string, ...any)) {
	names := map[string]bool{}
	for i, j := range s.Jobs {
		where := fmt.Sprintf("schedule.jobs[%d]", i)
		if j.Name == "" {
			bad("%s.name: required", where)
		} else if names[j.Name] {
			bad("%s.name: %q is used twice", where, j.Name)
		}
		names[j.Name] = true
		if strings.HasPrefix(j.Cron, "CRON_TZ=") || strings.HasPrefix(j.Cron, "TZ=") {
			// a zone of its own would bypass the wall-clock handling of daylight saving
			bad("%s.cron: %q: jobs run in warehouse.time_zone; leave out the time zone", where, j.Cron)
		} else if _, err := CronParser().Parse(j.Cron); err != nil {
			bad("%s.cron: %q: %v", where, j.Cron, err)
		}
		if !slices.Contains(JobKinds, j.Run) {
			bad("%s.run: %q is no job; known: %v", where, j.Run, JobKinds)
		}
	}
	if !slices.Contains(CatchUpPolicies, s.CatchUp) {
		bad("schedule.catch_up: %q; known: %v", s.CatchUp, CatchUpPolicies)
	}
	if s.GracePeriod < 0 {
		bad("schedule.grace_period: must be positive, got %s", s.GracePeriod)
	}
	if s.Listen != "off" {
		if _, _, err := net.SplitHostPort(s.Listen); err != nil {
			bad("schedule.listen: %q is no host:port (or off): %v", s.Listen, err)
		}
	}
}
