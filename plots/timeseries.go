package plots

import (
	"fmt"
	"image/color"
	"math"
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

// AddShade shades spans on p in a translucent colour (index into the palette), under what is
// added after it, and names it in the legend when name is not empty.
func AddShade(p *plot.Plot, name string, colorIndex int, spans ...Span) {
	r, g, b, _ := colors[colorIndex%len(colors)].RGBA()
	col := color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 70}
	p.Add(shade{spans: spans, color: col})
	if name != "" {
		p.Legend.Add(name, legendBox{col})
	}
}

type legendBox struct{ c color.Color }

func (l legendBox) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(l.c, pts)
}

// TimeLines draws curves against time (X in Unix seconds, UTC), breaking a curve wherever
// consecutive samples are more than gap apart so that data gaps show as gaps.
func TimeLines(title, ylabel string, gap time.Duration, series ...Series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = timeTicks{}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	g := gap.Seconds()
	for i, s := range series {
		var first *plotter.Line
		start := 0
		for k := 1; k <= len(s.X); k++ {
			if k < len(s.X) && s.X[k]-s.X[k-1] <= g {
				continue
			}
			pts := make(plotter.XYs, 0, k-start)
			for j := start; j < k; j++ {
				if !math.IsNaN(s.Y[j]) {
					pts = append(pts, plotter.XY{X: s.X[j], Y: s.Y[j]})
				}
			}
			start = k
			if len(pts) == 0 {
				continue
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return nil, fmt.Errorf("plot %q: %w", s.Name, err)
			}
			l.Color = colors[i%len(colors)]
			l.Width = vg.Points(1)
			p.Add(l)
			if first == nil {
				first = l
			}
		}
		if first != nil && s.Name != "" {
			p.Legend.Add(s.Name, first)
		}
	}
	return p, nil
}

// Hist draws a histogram of v in bins bins (log-scaled counts when logY) with vertical lines
// at the given x values, named in the legend.
func Hist(title, xlabel string, v []float64, bins int, logY bool, lines map[string]float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = "windows"
	h, err := plotter.NewHist(plotter.Values(v), bins)
	if err != nil {
		return nil, err
	}
	h.FillColor = colors[0]
	h.LineStyle.Width = 0
	if logY {
		h.LogY = true // empty bins are left out; the axis starts at half the smallest count
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Add(h)
	_, _, ymin, ymax := h.DataRange()
	if !logY {
		ymin = 0
	}
	i := 1
	for name, x := range lines {
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: ymin}, {X: x, Y: ymax * 1.05}})
		if err != nil {
			return nil, err
		}
		l.Color = colors[i%len(colors)]
		l.Width = vg.Points(2)
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(name, l)
		i++
	}
	p.Legend.Top = true
	return p, nil
}

// SaveGrid writes plots in a grid of rows × cols (row by row) into one PNG, their axes
// aligned so that the panels of a column share their x positions.
func SaveGrid(path string, width, height vg.Length, rows, cols int, ps ...*plot.Plot) error {
	if len(ps) != rows*cols {
		return fmt.Errorf("save grid %s: %d plots for %d×%d", path, len(ps), rows, cols)
	}
	img := vgimgCanvas(width, height)
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = ps[r*cols : (r+1)*cols]
	}
	t := draw.Tiles{Rows: rows, Cols: cols, PadTop: vg.Millimeter, PadBottom: vg.Millimeter,
		PadLeft: vg.Millimeter, PadRight: 2 * vg.Millimeter, PadX: 4 * vg.Millimeter, PadY: 2 * vg.Millimeter}
	cs := plot.Align(grid, t, draw.New(img))
	for r := range grid {
		for c, p := range grid[r] {
			p.Draw(cs[r][c])
		}
	}
	return savePNG(img, path)
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
