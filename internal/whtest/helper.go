package whtest

import (
	"os"
	"os/exec"
	"testing"
)

// HelperCommand starts this test binary again as a helper process (a BI
// tool holding a file open, a run to be killed, the command itself): only
// the test named helper runs, with env (NAME=value) added to the
// environment that tells it what to do.
func HelperCommand(helper string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.v=false")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// HelperArg is the value of env a helper process was started with. In an
// ordinary test run there is none: the helper test skips, naming the test
// it serves.
func HelperArg(t testing.TB, env, serves string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		t.Skip("helper process for " + serves + " (not a test on its own)")
	}
	return v
}
