package report

import (
	"bytes"
	"image/color"
	"regexp"
	"slices"
	"strings"

	xfont "golang.org/x/image/font"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The charts are inline SVG drawn with gonum/plot. Series differ by fill
// (solid black, white with a black outline) and by labels, never by
// colour alone, so that they read in black-and-white print.
var (
	ink   = color.Gray{Y: 0x20}
	paper = color.White
)

// svg renders a plot as inline SVG: without the XML prologue, the DTD
// and the namespace URLs, which HTML does not need (the report holds no
// http reference).
func svg(p *plot.Plot, w, h vg.Length) (string, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", err
	}
	s := b.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	s = xmlnsRE.ReplaceAllString(s, "")
	return s, nil
}

var xmlnsRE = regexp.MustCompile(`\s+xmlns(:\w+)?="[^"]*"`)

// newPlot is a plot in the report's style: sans-serif text sized for A4.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	for _, st := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		st.Font.Variant = "Sans"
		st.Font.Size = vg.Points(8)
	}
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.Title.TextStyle.Font.Weight = xfont.WeightBold
	p.Legend.Top = true
	p.Legend.Left = true
	return p
}

// headroom leaves the top fifth of the plot to the legend.
func headroom(p *plot.Plot, values ...plotter.Values) {
	top := 0.0
	for _, vs := range values {
		for _, v := range vs {
			top = max(top, v)
		}
	}
	if top > 0 {
		p.Y.Max = top * 1.3
	}
	p.Y.Min = min(p.Y.Min, 0)
}

// barPair is a chart of two series per category, as bars side by side:
// the first solid, the second white with an outline.
func barPair(title, axis string, names [2]string, categories []string, a, b plotter.Values, width vg.Length) (string, error) {
	p := newPlot(title, "", axis)
	w := vg.Points(14)
	first, err := plotter.NewBarChart(a, w)
	if err != nil {
		return "", err
	}
	first.Color, first.LineStyle.Color, first.Offset = ink, ink, -w/2
	second, err := plotter.NewBarChart(b, w)
	if err != nil {
		return "", err
	}
	second.Color, second.LineStyle.Color, second.LineStyle.Width, second.Offset = paper, ink, vg.Points(1), w/2
	p.Add(first, second)
	p.Legend.Add(names[0], first)
	p.Legend.Add(names[1], second)
	headroom(p, a, b)
	p.NominalX(categories...)
	return svg(p, width, 6*vg.Centimeter)
}

func val(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

// charts draws the report's four charts.
func charts(d *Data, c *catalog) (map[string]string, error) {
	out := map[string]string{}
	var labels []string
	var potential, aqi plotter.Values
	var aqiPoints plotter.XYs
	var aqiRuns []plotter.XYs // a month without an index breaks the line: it is no 0
	for i, p := range d.Trend {
		labels = append(labels, p.Month.Format("01/06"))
		potential = append(potential, val(p.AcquiredPotential)/1e6)
		if p.AQI == nil {
			if len(aqiRuns) > 0 && len(aqiRuns[len(aqiRuns)-1]) > 0 {
				aqiRuns = append(aqiRuns, nil)
			}
			continue
		}
		aqi = append(aqi, *p.AQI)
		pt := plotter.XY{X: float64(i), Y: *p.AQI}
		aqiPoints = append(aqiPoints, pt)
		if len(aqiRuns) == 0 {
			aqiRuns = append(aqiRuns, nil)
		}
		aqiRuns[len(aqiRuns)-1] = append(aqiRuns[len(aqiRuns)-1], pt)
	}
	// the trend: acquired potential as bars, the index as a line with a marker at 1
	tp := newPlot(c.T("chart_trend_potential"), c.T("axis_month"), c.T("axis_currency", "currency", "Mio. "+c.currency))
	if c.lang == "en" {
		tp.Y.Label.Text = c.T("axis_currency", "currency", c.currency+" million")
	}
	bars, err := plotter.NewBarChart(potential, vg.Points(16))
	if err != nil {
		return nil, err
	}
	bars.Color, bars.LineStyle.Color = ink, ink
	tp.Add(bars)
	tp.Legend.Add(c.T("chart_trend_potential"), bars)
	headroom(tp, potential)
	tp.NominalX(labels...)
	if out["trend_potential"], err = svg(tp, 17*vg.Centimeter, 6*vg.Centimeter); err != nil {
		return nil, err
	}
	ip := newPlot(c.T("chart_trend_aqi"), c.T("axis_month"), c.T("axis_index"))
	parity := plotter.NewFunction(func(float64) float64 { return 1 })
	parity.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	parity.Color = ink
	ip.Add(parity)
	ip.Legend.Add("1", parity)
	if len(aqiPoints) > 0 {
		points, err := plotter.NewScatter(aqiPoints)
		if err != nil {
			return nil, err
		}
		points.Color, points.Shape = ink, draw.CircleGlyph{}
		ip.Add(points)
		ip.Legend.Add(c.T("chart_trend_aqi"), points)
		for _, run := range aqiRuns {
			if len(run) < 2 {
				continue
			}
			line, err := plotter.NewLine(run)
			if err != nil {
				return nil, err
			}
			line.Color, line.Width = ink, vg.Points(1.5)
			ip.Add(line)
		}
	}
	ip.NominalX(labels...)
	ip.X.Min, ip.X.Max = -0.5, float64(len(labels))-0.5 // every month, with an index or not
	ip.Y.Min = 0
	headroom(ip, aqi)
	if out["trend_aqi"], err = svg(ip, 17*vg.Centimeter, 6*vg.Centimeter); err != nil {
		return nil, err
	}

	// the potential-class mix of the month's leads and wins
	var classes []string
	var leads, wins plotter.Values
	for _, m := range d.Mix {
		classes = append(classes, m.Class)
		leads = append(leads, val(m.LeadShare)*100)
		wins = append(wins, val(m.WonShare)*100)
	}
	if len(classes) > 0 {
		if out["mix"], err = barPair(c.T("chart_mix"), c.T("axis_share")+" (%)", [2]string{c.T("chart_mix_leads"), c.T("chart_mix_wins")},
			classes, leads, wins, 12*vg.Centimeter); err != nil {
			return nil, err
		}
	}

	// the month's funnel: a bar per stage
	var stages []string
	var counts plotter.Values
	for _, s := range d.Funnel {
		stages = append(stages, c.T(s.Key))
		counts = append(counts, val(s.Count))
	}
	// horizontal, the first stage on top: the stages' names fit beside the bars
	slices.Reverse(stages)
	slices.Reverse(counts)
	fp := newPlot(c.T("chart_funnel"), c.T("axis_count"), "")
	fb, err := plotter.NewBarChart(counts, vg.Points(16))
	if err != nil {
		return nil, err
	}
	fb.Horizontal = true
	fb.Color, fb.LineStyle.Color = ink, ink
	fp.Add(fb)
	fp.NominalY(stages...)
	if out["funnel"], err = svg(fp, 14*vg.Centimeter, 5.5*vg.Centimeter); err != nil {
		return nil, err
	}

	// cost vs revenue growth per business unit
	var units []string
	var cost, revenue plotter.Values
	for _, u := range d.Units {
		if u.CostGrowth == nil || u.RevenueGrowth == nil {
			continue // a growth not known yet is no 0 %: the table shows it as –
		}
		units = append(units, u.Name)
		cost = append(cost, val(u.CostGrowth)*100)
		revenue = append(revenue, val(u.RevenueGrowth)*100)
	}
	if len(units) > 0 {
		if out["growth"], err = barPair(c.T("chart_growth"), c.T("axis_growth")+" (%)", [2]string{c.T("chart_growth_cost"), c.T("chart_growth_revenue")},
			units, cost, revenue, 14*vg.Centimeter); err != nil {
			return nil, err
		}
	}
	return out, nil
}
