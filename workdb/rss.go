package workdb

import (
	"fmt"
	"os"
	"strings"

	"github.com/rs/zerolog"
)

// LogPeakRSS adds the peak RSS to a log event; zerolog calls it only for
// an event that is logged, so /proc is not read when -v is off.
func LogPeakRSS(e *zerolog.Event) { e.Int64("peak_rss_mib", PeakRSSMiB()) }

// PeakRSSMiB is the process's resident-memory high-water mark so far
// (VmHWM), logged after each step to show which one sets the peak; 0 where
// /proc is not available.
func PeakRSSMiB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb / 1024
		}
	}
	return 0
}
