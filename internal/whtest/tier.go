package whtest

import "testing"

// SkipMessage is what every whole-job test says when -short skips it: the
// inner loop (go test -short ./...) runs the unit and model tests only, and
// make test runs everything.
const SkipMessage = "WHOLE-JOB TEST SKIPPED under -short: it runs the whole job (landing, publication, processes); make test runs it"

// WholeJob marks t as a whole-job test: under -short it is skipped, with
// SkipMessage. The helpers that run the job (Run, RunWith, MustRun,
// Built.Copy, Built.Origin) call it, so a test that starts from a run needs
// no call of its own; a test that runs jobs.Run, jobs.Backfill or a process
// itself calls it first.
func WholeJob(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip(SkipMessage)
	}
}
