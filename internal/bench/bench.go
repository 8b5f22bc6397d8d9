// Package bench is leadmart's benchmark harness: it generates demo data at
// given scales (cached), runs the full job, an incremental nightly run and
// the engine baseline in child processes, and reports medians, the overhead
// ratio and the peak RSS.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"leadmart/config"
	"leadmart/internal/demo"
)

// Scales maps a scale name to the demo generator's scale: S is the demo
// (about 20k leads); M about 1M leads, 300k accounts, 5.5M activities and
// 6M invoice lines; L ten times M.
var Scales = map[string]float64{"S": 1, "M": 50, "L": 500}

// End is the last day of the benchmark extracts (fixed, so the cache stays valid).
var End = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)

// Options of one benchmark invocation.
type Options struct {
	Scales      []string
	Runs        int    // repetitions; medians are reported
	Cache       string // generated extracts, kept between invocations
	Out         string // results folder
	MemoryLimit string // warehouse.memory_limit, the memory budget, e.g. "4GB"; "" for none
	Threads     int
	Binary      string // the leadmart binary to run
	Stdout      io.Writer
}

// Measurement is one child process.
type Measurement struct {
	Seconds float64            `json:"seconds"`
	Stages  map[string]float64 `json:"stages,omitempty"`
	PeakRSS int64              `json:"peak_rss_mib"`
}

// Result is one scale's report.
type Result struct {
	Date        string        `json:"date"`
	Scale       string        `json:"scale"`
	ScaleFactor float64       `json:"scale_factor"`
	Machine     Machine       `json:"machine"`
	MemoryLimit string        `json:"memory_limit"`
	Runs        int           `json:"runs"`
	Rows        int64         `json:"landed_rows"`
	Full        []Measurement `json:"full"`
	Incremental []Measurement `json:"incremental"`
	Baseline    []Measurement `json:"baseline"`
	Median      Summary       `json:"median"`
}

// Summary holds the medians.
type Summary struct {
	FullSeconds        float64            `json:"full_seconds"`
	FullStages         map[string]float64 `json:"full_stages"`
	IncrementalSeconds float64            `json:"incremental_seconds"`
	IncrementalStages  map[string]float64 `json:"incremental_stages"`
	BaselineSeconds    float64            `json:"baseline_seconds"`
	BaselineStages     map[string]float64 `json:"baseline_stages"`
	OverheadRatio      float64            `json:"overhead_ratio"`    // full / baseline
	IncrementalRatio   float64            `json:"incremental_ratio"` // incremental / full
	PeakRSSMiB         int64              `json:"peak_rss_mib"`      // the largest of all runs
}

// Machine describes where the numbers were taken.
type Machine struct {
	CPUs     int    `json:"cpus"`
	MemTotal string `json:"mem_total"`
	GOOS     string `json:"goos"`
	GOARCH   string `json:"goarch"`
}

// Run benchmarks every scale in turn.
func Run(ctx context.Context, opt Options) ([]Result, error) {
	var out []Result
	for _, name := range opt.Scales {
		factor, ok := Scales[name]
		if !ok {
			return out, fmt.Errorf("unknown scale %q (known: S, M, L)", name)
		}
		r, err := runScale(ctx, opt, name, factor)
		if err != nil {
			return out, fmt.Errorf("scale %s: %w", name, err)
		}
		if err := os.MkdirAll(opt.Out, 0o755); err != nil {
			return out, err
		}
		b, _ := json.MarshalIndent(r, "", "  ")
		// runs under a memory budget keep their own file beside the unbounded ones
		file := r.Date + "-" + name
		if opt.MemoryLimit != "" {
			file += "-memory_limit-" + opt.MemoryLimit
		}
		path := filepath.Join(opt.Out, file+".json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return out, err
		}
		fmt.Fprintf(opt.Stdout, "wrote %s\n", path)
		out = append(out, r)
	}
	Table(opt.Stdout, out)
	return out, nil
}

func runScale(ctx context.Context, opt Options, name string, factor float64) (Result, error) {
	dir := filepath.Join(opt.Cache, name)
	extracts := filepath.Join(dir, "warehouse", "demo")
	marker := filepath.Join(extracts, ".complete")
	want := fmt.Sprintf("seed=42 scale=%v end=%s", factor, End.Format(time.DateOnly))
	if b, err := os.ReadFile(marker); err != nil || string(b) != want {
		fmt.Fprintf(opt.Stdout, "generating scale %s (%v) into %s ...\n", name, factor, extracts)
		os.RemoveAll(extracts)
		if _, err := demo.Generate(extracts, demo.Options{Seed: 42, Scale: factor, End: End}); err != nil {
			return Result{}, err
		}
		if err := os.WriteFile(marker, []byte(want), 0o644); err != nil {
			return Result{}, err
		}
	}
	cfgPath := filepath.Join(dir, "leadmart.yaml")
	if err := writeConfig(cfgPath, opt); err != nil {
		return Result{}, err
	}
	r := Result{Date: time.Now().UTC().Format(time.DateOnly), Scale: name, ScaleFactor: factor, Machine: machine(),
		MemoryLimit: opt.MemoryLimit, Runs: opt.Runs}
	asOf := End.Format(time.DateOnly)
	next := End.AddDate(0, 0, 1).Format(time.DateOnly)
	for i := range opt.Runs {
		fmt.Fprintf(opt.Stdout, "scale %s, run %d/%d\n", name, i+1, opt.Runs)
		if err := reset(dir); err != nil {
			return r, err
		}
		full, rows, err := child(ctx, opt.Binary, dir, "run", "--config", "leadmart.yaml", "--as-of", asOf)
		if err != nil {
			return r, fmt.Errorf("full run: %w", err)
		}
		r.Full, r.Rows = append(r.Full, full), rows
		if err := WriteDelta(ctx, extracts, End.AddDate(0, 0, 1)); err != nil {
			return r, fmt.Errorf("write delta extracts: %w", err)
		}
		incr, _, err := child(ctx, opt.Binary, dir, "run", "--config", "leadmart.yaml", "--as-of", next)
		if err != nil {
			return r, fmt.Errorf("incremental run: %w", err)
		}
		r.Incremental = append(r.Incremental, incr)
		if err := RemoveDelta(extracts); err != nil {
			return r, err
		}
		base, _, err := child(ctx, opt.Binary, dir, "baseline", "--config", "leadmart.yaml", "--as-of", asOf)
		if err != nil {
			return r, fmt.Errorf("baseline: %w", err)
		}
		r.Baseline = append(r.Baseline, base)
	}
	r.Median = summarise(r)
	return r, nil
}

func writeConfig(path string, opt Options) error {
	y := string(config.DemoYAML())
	extra := ""
	if opt.MemoryLimit != "" {
		extra += "\n  memory_limit: " + opt.MemoryLimit
	}
	if opt.Threads > 0 {
		extra += fmt.Sprintf("\n  threads: %d", opt.Threads)
	}
	y = strings.Replace(y, "  reporting_currency: EUR", "  reporting_currency: EUR"+extra, 1)
	return os.WriteFile(path, []byte(y), 0o644)
}

// reset removes everything but the extracts, for a fresh first run.
func reset(dir string) error {
	wh := filepath.Join(dir, "warehouse")
	entries, err := os.ReadDir(wh)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, e := range entries {
		if e.Name() != "demo" {
			if err := os.RemoveAll(filepath.Join(wh, e.Name())); err != nil {
				return err
			}
		}
	}
	return RemoveDelta(filepath.Join(wh, "demo"))
}

// child runs the binary, timing it and reading its peak RSS from rusage.
func child(ctx context.Context, bin, dir string, args ...string) (Measurement, int64, error) {
	summary := filepath.Join(dir, "summary.json")
	os.Remove(summary)
	if args[0] == "run" || args[0] == "baseline" {
		args = append(args, "--summary-json", "summary.json")
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return Measurement{}, 0, fmt.Errorf("%v: %w\n%s", args, err, tail(stderr.String()))
	}
	m := Measurement{Seconds: time.Since(start).Seconds()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.PeakRSS = ru.Maxrss / 1024 // KiB on Linux
	}
	var rows int64
	if b, err := os.ReadFile(summary); err == nil {
		var s struct {
			Stages map[string]float64 `json:"stages"`
			Rows   int64              `json:"landed_rows"`
		}
		if json.Unmarshal(b, &s) == nil {
			m.Stages, rows = s.Stages, s.Rows
		}
	}
	return m, rows, nil
}

func summarise(r Result) Summary {
	s := Summary{
		FullSeconds:        median(r.Full, func(m Measurement) float64 { return m.Seconds }),
		IncrementalSeconds: median(r.Incremental, func(m Measurement) float64 { return m.Seconds }),
		BaselineSeconds:    median(r.Baseline, func(m Measurement) float64 { return m.Seconds }),
		FullStages:         map[string]float64{},
		IncrementalStages:  map[string]float64{},
		BaselineStages:     map[string]float64{},
	}
	for _, st := range Stages {
		s.FullStages[st] = median(r.Full, func(m Measurement) float64 { return m.Stages[st] })
		s.IncrementalStages[st] = median(r.Incremental, func(m Measurement) float64 { return m.Stages[st] })
	}
	// the baseline has a land and a transform stage only
	for _, st := range []string{"land", "transform"} {
		s.BaselineStages[st] = median(r.Baseline, func(m Measurement) float64 { return m.Stages[st] })
	}
	if s.BaselineSeconds > 0 {
		s.OverheadRatio = s.FullSeconds / s.BaselineSeconds
	}
	if s.FullSeconds > 0 {
		s.IncrementalRatio = s.IncrementalSeconds / s.FullSeconds
	}
	for _, ms := range [][]Measurement{r.Full, r.Incremental, r.Baseline} {
		for _, m := range ms {
			s.PeakRSSMiB = max(s.PeakRSSMiB, m.PeakRSS)
		}
	}
	return s
}

func median(ms []Measurement, f func(Measurement) float64) float64 {
	if len(ms) == 0 {
		return 0
	}
	v := make([]float64, len(ms))
	for i, m := range ms {
		v[i] = f(m)
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// Stages of a run, as its summary reports them: staging, core and marts
// are transform's models by layer.
var Stages = []string{"land", "transform", "staging", "core", "marts", "check", "publish"}

// Table prints the human summary: the full run's stages, then the
// incremental run, the baseline and the ratios.
func Table(w io.Writer, rs []Result) {
	fmt.Fprintf(w, "\n%-5s %10s %8s", "scale", "rows", "full s")
	for _, st := range Stages {
		fmt.Fprintf(w, " %9s", st)
	}
	fmt.Fprintf(w, " %8s %9s %8s %9s %8s\n", "incr s", "incr/full", "base s", "full/base", "RSS MiB")
	for _, r := range rs {
		m := r.Median
		fmt.Fprintf(w, "%-5s %10d %8.1f", r.Scale, r.Rows, m.FullSeconds)
		for _, st := range Stages {
			fmt.Fprintf(w, " %9.1f", m.FullStages[st])
		}
		fmt.Fprintf(w, " %8.1f %9.2f %8.1f %9.2f %8d\n", m.IncrementalSeconds, m.IncrementalRatio, m.BaselineSeconds, m.OverheadRatio, m.PeakRSSMiB)
	}
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		m.MemTotal = strings.Join(strings.Fields(strings.TrimPrefix(line, "MemTotal:")), " ")
	}
	return m
}

func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}
