package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"leadmart/internal/whtest"
)

// The helper process: this test binary as the leadmart command.
func TestHelperCommand(t *testing.T) {
	args := whtest.HelperArg(t, "LEADMART_HELPER_ARGS", "TestScheduleDaemonProcess")
	os.Exit(runWithSignals(strings.Split(args, "\n")))
}

// leadmart schedule as a real process with a per-minute job: it runs the
// job, serves /metrics (parsed with the Prometheus text parser) and
// /healthz, and stops on SIGTERM with exit 0.
func TestScheduleDaemonProcess(t *testing.T) {
	whtest.WholeJob(t)
	t.Parallel()
	dir := whtest.CopyFixture(t, "../../testdata/crm_en")
	cfg := filepath.Join(dir, "leadmart.yaml")
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(`schedule:
  jobs: [{name: every-minute, cron: "* * * * *", run: nightly}]
  listen: "127.0.0.1:0"
  catch_up: none
  grace_period: 30s
`)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	cmd := whtest.HelperCommand("TestHelperCommand", "LEADMART_HELPER_ARGS="+strings.Join([]string{"schedule", "--config", cfg}, "\n"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	events := make(chan map[string]any, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				events <- ev
			}
		}
		close(events)
	}()
	var addr string
	deadline := time.After(150 * time.Second) // the first minute, and a run
	for done := false; !done; {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the daemon ended before running its job")
			}
			switch ev["message"] {
			case "serving /healthz and /metrics":
				addr, _ = ev["address"].(string)
			case "job failed":
				t.Fatalf("the job failed: %v", ev)
			case "job finished":
				done = true
			}
		case <-deadline:
			t.Fatal("no job finished within 150 s")
		}
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	var success float64
	for _, m := range fams["leadmart_job_runs_total"].GetMetric() {
		if strings.Contains(m.String(), `value:"every-minute"`) && strings.Contains(m.String(), `value:"success"`) {
			success = m.GetCounter().GetValue()
		}
	}
	if success < 1 {
		t.Errorf("leadmart_job_runs_total of every-minute, success: %v", success)
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %v %v", resp, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		for range events { // drain the log until the process ends
		}
		exited <- cmd.Wait()
	}()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("the daemon after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("the daemon did not stop within its grace period")
	}
}
