package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Span is an interval of x to shade (for time axes, Unix seconds).
type Span struct{ From, To float64 }

// shade fills spans across the whole height of the axes; it takes no part in the data range.
type shade struct {
	spans []Span
	color color.Color
}

func (s shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, sp := range s.spans {
		x0, x1 := trX(sp.From), trX(sp.To)
		if x1-x0 < vg.Points(1) { // a one-sample interval still shows
			m := (x0 + x1) / 2
			x0, x1 = m-vg.Points(0.5), m+vg.Points(0.5)
		}
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 <= x0 {
			continue
		}
		c.FillPolygon(s.color, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// AddShade shades spans across the full height of p's axes in a translucent colour
// (colorIndex counts the palette from 0: 0 blue, 1 orange, 2 green, …), under what is added
// after it, and names it in the legend when name is not empty.
func AddShade(p *plot.Plot, name string, colorIndex int, spans ...Span) {
	r, g, b, _ := colors[colorIndex%len(colors)].RGBA()
	col := color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 70}
	p.Add(shade{spans: spans, color: col})
	if name != "" {
		p.Legend.Add(name, legendBox{col})
	}
}

type legendBox struct{ c color.Color }

// Thumbnail is a swatch a little lower than the entry, so that two swatches do not touch.
func (l legendBox) Thumbnail(c *draw.Canvas) {
	d := min(vg.Points(1.5), (c.Max.Y-c.Min.Y)/4)
	y0, y1 := c.Min.Y+d, c.Max.Y-d
	c.FillPolygon(l.c, []vg.Point{{X: c.Min.X, Y: y0}, {X: c.Max.X, Y: y0}, {X: c.Max.X, Y: y1}, {X: c.Min.X, Y: y1}})
}

// TimeLines draws curves against time (X in Unix seconds, UTC), breaking a curve wherever
// consecutive samples are more than gap apart so that data gaps show as gaps (and at NaN).
func TimeLines(title, ylabel string, gap time.Duration, series ...Series) (*plot.Plot, error) {
	p := newPlot(title, "time (UTC)", ylabel)
	p.X.Tick.Marker = timeTicks{}
	p.Add(gridLines())
	g := gap.Seconds()
	ok := func(x, y float64) bool { return finite(x) && finite(y) }
	r := newRange()
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plot %q: series %q has %d x and %d y values", title, s.Name, len(s.X), len(s.Y))
		}
		var ps []plotter.XYs
		start := 0
		for k := 1; k <= len(s.X); k++ {
			if k < len(s.X) && s.X[k]-s.X[k-1] <= g {
				continue
			}
			ps = append(ps, pieces(s.X[start:k], s.Y[start:k], ok)...)
			start = k
		}
		for _, pts := range ps {
			for _, pt := range pts {
				r.add(pt.X, pt.Y)
			}
		}
		c := i
		if s.Color > 0 {
			c = s.Color - 1
		}
		thumb, err := addCurve(p, ps, colors[c%len(colors)], vg.Points(1), s.Dashed)
		if err != nil {
			return nil, fmt.Errorf("plot %q: series %q: %w", title, s.Name, err)
		}
		if thumb != nil && s.Name != "" {
			p.Legend.Add(s.Name, thumb)
		}
	}
	r.apply(p, false)
	p.Add(frame{})
	return p, nil
}

// Hist draws a histogram of the finite values of v in bins bins, the y axis "count"
// (logarithmic when logY), with vertical dashed lines at the given x values, named in the
// legend in the order of their names.
func Hist(title, xlabel string, v []float64, bins int, logY bool, lines map[string]float64) (*plot.Plot, error) {
	p := newPlot(title, xlabel, "count")
	var vals plotter.Values
	for _, x := range v {
		if finite(x) {
			vals = append(vals, x)
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("histogram %q: no finite values", title)
	}
	h, err := plotter.NewHist(vals, max(bins, 1))
	if err != nil {
		return nil, fmt.Errorf("histogram %q: %w", title, err)
	}
	h.FillColor = colors[0]
	h.LineStyle = draw.LineStyle{Color: color.White, Width: vg.Points(0.25)}
	if logY {
		h.LogY = true // empty bins are left out; the axis starts below the smallest count
		setLogY(p)
	}
	p.Add(gridLines(), h)
	xmin, xmax, ymin, ymax := h.DataRange()
	if !logY {
		ymin = 0
	}
	names := make([]string, 0, len(lines))
	for name := range lines {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		x := lines[name]
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: ymin}, {X: x, Y: ymax}})
		if err != nil {
			return nil, fmt.Errorf("histogram %q: line %q: %w", title, name, err)
		}
		l.Color = colors[(i+1)%len(colors)]
		l.Width = vg.Points(2)
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(name, l)
		xmin, xmax = math.Min(xmin, x), math.Max(xmax, x)
	}
	// A margin, so that a line at the edge of the data shows inside the frame.
	d := (xmax - xmin) * 0.02
	if d == 0 {
		d = 0.5
	}
	p.X.Min, p.X.Max = xmin-d, xmax+d
	if logY {
		p.Y.Min, p.Y.Max = ymin, ymax*math.Pow(ymax/ymin, 0.06)
		if !(ymin > 0 && ymax > ymin) { // all bins alike
			p.Y.Min, p.Y.Max = logRange(ymin/10, ymax*2)
		}
	} else {
		p.Y.Min, p.Y.Max = 0, ymax*1.06
	}
	p.Add(frame{})
	return p, nil
}

// timeTicks puts ticks on round UTC times (Unix seconds): whole hours or days, about eight of
// them labelled, with a minor tick between labels.
type timeTicks struct{}

func (timeTicks) Ticks(lo, hi float64) []plot.Tick {
	steps := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
		3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour, 28 * 24 * time.Hour}
	step := steps[len(steps)-1]
	for _, st := range steps {
		if (hi-lo)/st.Seconds() <= 8 {
			step = st
			break
		}
	}
	format := "Jan 02\n15:04"
	if step >= 24*time.Hour {
		format = "2006\nJan 02"
	}
	sec := step.Seconds()
	var ticks []plot.Tick
	for t := math.Ceil(lo/(sec/2)) * (sec / 2); t <= hi; t += sec / 2 {
		label := ""
		if math.Mod(t, sec) == 0 {
			label = time.Unix(int64(t), 0).UTC().Format(format)
		}
		ticks = append(ticks, plot.Tick{Value: t, Label: label})
	}
	return ticks
}
