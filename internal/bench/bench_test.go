package bench

import (
	"math"
	"testing"
)

// The summary's medians and ratios, on three runs computed by hand:
// full 70, 80, 75 -> 75; incremental 20, 40, 30 -> 30; baseline 60, 50, 62
// -> 60; overhead 75 / 60 = 1.25; incremental 30 / 75 = 0.4. The peak is
// the largest of all nine runs, whichever kind it came from.
func TestSummarise(t *testing.T) {
	run := func(s, land, transform float64, rss int64) Measurement {
		return Measurement{Seconds: s, Stages: map[string]float64{"land": land, "transform": transform}, PeakRSS: rss}
	}
	r := Result{
		Full:        []Measurement{run(70, 30, 25, 900), run(80, 35, 30, 950), run(75, 32, 28, 920)},
		Incremental: []Measurement{run(20, 2, 12, 800), run(40, 3, 20, 810), run(30, 2, 16, 805)},
		Baseline:    []Measurement{run(60, 20, 38, 700), run(50, 18, 31, 1000), run(62, 21, 40, 650)},
	}
	s := summarise(r)
	cases := []struct {
		name      string
		got, want float64
	}{
		{"full seconds", s.FullSeconds, 75},
		{"full land", s.FullStages["land"], 32},
		{"full transform", s.FullStages["transform"], 28},
		{"incremental seconds", s.IncrementalSeconds, 30},
		{"incremental land", s.IncrementalStages["land"], 2},
		{"baseline seconds", s.BaselineSeconds, 60},
		{"baseline land", s.BaselineStages["land"], 20},
		{"baseline transform", s.BaselineStages["transform"], 38},
		{"overhead ratio", s.OverheadRatio, 1.25},
		{"incremental ratio", s.IncrementalRatio, 0.4},
		{"peak RSS", float64(s.PeakRSSMiB), 1000},
	}
	for _, c := range cases {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestMedian(t *testing.T) {
	seconds := func(m Measurement) float64 { return m.Seconds }
	cases := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{4, 1}, 2.5},
		{[]float64{9, 1, 5}, 5},
		{[]float64{7, 1, 3, 5}, 4},
	}
	for _, c := range cases {
		var ms []Measurement
		for _, v := range c.in {
			ms = append(ms, Measurement{Seconds: v})
		}
		if got := median(ms, seconds); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
