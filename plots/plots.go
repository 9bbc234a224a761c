// Package plots draws the figures of a trained model with gonum.org/v1/plot, in a style fit
// to publish: a frame around the data, round tick values written as a reader writes them
// (0.5, 2, 1e-4), log axes ticked at decades, colour-blind-safe colours, heat maps with a
// labelled colour bar, and legends that do not cover the data.
//
// The constructors return a *plot.Plot, which the caller may adjust (add a plotter, set an
// axis range, empty the legend) before saving it. SaveRow and SaveGrid lay panels out and
// place their legends where they cover no data: in a corner of the axes or elsewhere along
// their top or bottom edge, or else beside the axes.
//
//	p, err := plots.Lines("Loss", "step", "loss", true,
//		plots.Series{Name: "pde", X: steps, Y: pde}, plots.Series{Name: "boundary", X: steps, Y: bc})
//	h, err := plots.HeatMap("Error", "t", "x", grid, plots.Log, "|u − u_exact|")
//	err = plots.SaveRow("loss.png", 24*vg.Centimeter, 9*vg.Centimeter, p, h)
package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named curve. A curve breaks where X or Y is NaN or infinite (and, on a log
// axis, where Y is not positive); a piece of a single point shows as a dot.
//
// A reference value, such as the true value of a coefficient beside its trajectory, is a
// two-point Series from the first to the last x, Dashed, in the trajectory's Color.
type Series struct {
	Name string // the legend's entry; none when empty
	X, Y []float64
	// Color picks the palette entry counting from 1 (0 means by position); Dashed draws a
	// dashed line, e.g. a reference curve beside the computed one in the same colour.
	Color  int
	Dashed bool
}

// colors is a colour-blind-safe palette (Okabe and Ito), then black.
var colors = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
	color.Black,
}

// newPlot is an empty plot in the package's style: ticks outside the frame, round tick
// values, the axes meeting the data with no gap. Constructors add frame{} last.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Padding = 0
		a.Label.Padding = vg.Points(2)
		a.Tick.Marker = linearTicks{}
		a.Tick.Length = vg.Points(tickLength)
		// gonum draws the axis line and ticks where the axis area ends, which is not quite
		// where the data area starts when a tick label juts out; frame{} draws them on the
		// frame instead, and the axes only their labels.
		a.LineStyle.Color = color.Transparent
		a.Tick.Color = color.Transparent
	}
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.ThumbnailWidth = vg.Points(18)
	p.Legend.Top, p.Legend.Left = true, true
	return p
}

// setLogY makes p's y axis logarithmic.
func setLogY(p *plot.Plot) {
	p.Y.Scale = logScale{}
	p.Y.Tick.Marker = logTicks{}
}

// tickLength is the length of a major tick in points; a minor tick is half as long.
const tickLength = 4

// frame draws a box around the data area, over what is drawn before it, and the ticks of
// the x and y axes outwards from its bottom and left sides.
type frame struct{}

func (frame) Plot(c draw.Canvas, p *plot.Plot) {
	sty := draw.LineStyle{Color: color.Black, Width: vg.Points(0.75)}
	trX, trY := p.Transforms(&c)
	x0, x1, y0, y1 := snap(c, c.Min.X), snap(c, c.Max.X), snap(c, c.Min.Y), snap(c, c.Max.Y)
	const slack = 0.01 // points: a tick on the edge of the frame is in it
	for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if x := trX(t.Value); x >= c.Min.X-slack && x <= c.Max.X+slack {
			x = snap(c, x)
			c.StrokeLine2(sty, x, y0, x, y0-tickLen(t))
		}
	}
	for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if y := trY(t.Value); y >= c.Min.Y-slack && y <= c.Max.Y+slack {
			y = snap(c, y)
			c.StrokeLine2(sty, x0, y, x0-tickLen(t), y)
		}
	}
	c.StrokeLines(sty, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
}

// snap moves a coordinate of an image canvas to the middle of its pixel, so that a thin
// horizontal or vertical line there is one crisp pixel wide and not two grey ones. (The
// pixel grid of a gonum image canvas starts at its bottom left corner.)
func snap(c draw.Canvas, v vg.Length) vg.Length {
	dpi := imageDPI(c.Canvas)
	if dpi == 0 {
		return v
	}
	return vg.Length((math.Floor(v.Dots(dpi))+0.5)/dpi) * vg.Inch
}

// imageDPI is the resolution of the image canvas under v, 0 for a vector canvas. (gonum
// wraps canvases in draw.Canvas values as it lays a plot out.)
func imageDPI(v vg.Canvas) float64 {
	for {
		switch c := v.(type) {
		case draw.Canvas:
			v = c.Canvas
		case *draw.Canvas:
			v = c.Canvas
		case interface{ DPI() float64 }:
			return max(c.DPI(), 0)
		default:
			return 0
		}
	}
}

// GlyphBoxes keeps room for half a tick label above and below the axes whether or not a
// label sits at an end, so that the panels of a row have the same layout and level titles.
func (frame) GlyphBoxes(p *plot.Plot) []plot.GlyphBox {
	h := p.Y.Tick.Label.Height("0")
	r := vg.Rectangle{Min: vg.Point{Y: -h / 2}, Max: vg.Point{Y: h / 2}}
	return []plot.GlyphBox{{X: 0, Y: 0, Rectangle: r}, {X: 0, Y: 1, Rectangle: r}}
}

func tickLen(t plot.Tick) vg.Length {
	if t.IsMinor() {
		return vg.Points(tickLength) / 2
	}
	return vg.Points(tickLength)
}

// gridLines are light grey lines at the labelled ticks.
func gridLines() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical = draw.LineStyle{Color: color.Gray{Y: 222}, Width: vg.Points(0.5)}
	g.Horizontal = g.Vertical
	return g
}

// dataRange accumulates the range of the finite values drawn.
type dataRange struct{ xlo, xhi, ylo, yhi float64 }

func newRange() dataRange { return dataRange{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)} }

func (r *dataRange) add(x, y float64) {
	r.xlo, r.xhi = math.Min(r.xlo, x), math.Max(r.xhi, x)
	r.ylo, r.yhi = math.Min(r.ylo, y), math.Max(r.yhi, y)
}

// apply sets p's axes to the range: x exactly, y with a margin of 4 % of the axis at each end
// so that no curve runs along the frame. An empty or single-valued range gets a sensible one.
func (r dataRange) apply(p *plot.Plot, logY bool) {
	xlo, xhi := r.xlo, r.xhi
	switch {
	case !(xlo <= xhi):
		xlo, xhi = 0, 1
	case xlo == xhi:
		d := math.Abs(xlo) / 10
		if d == 0 {
			d = 1
		}
		xlo, xhi = xlo-d, xhi+d
	}
	p.X.Min, p.X.Max = xlo, xhi
	p.Y.Min, p.Y.Max = padRange(r.ylo, r.yhi, logY)
}

func padRange(lo, hi float64, logY bool) (float64, float64) {
	const margin = 0.04
	if logY {
		if !(lo <= hi) || !(lo > 0) {
			return 1, 10
		}
		f := math.Pow(hi/lo, margin)
		if lo == hi {
			f = math.Sqrt(10)
		}
		return lo / f, hi * f
	}
	if !(lo <= hi) {
		return 0, 1
	}
	d := (hi - lo) * margin
	if lo == hi {
		d = math.Abs(lo) / 10
		if d == 0 {
			d = 1
		}
	}
	return lo - d, hi + d
}

// pieces splits a curve where a point cannot be drawn (ok false).
func pieces(x, y []float64, ok func(x, y float64) bool) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for k := range x {
		if !ok(x[k], y[k]) {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, plotter.XY{X: x[k], Y: y[k]})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// addCurve draws the pieces of a series in one style and returns the legend's thumbnail
// (nil when nothing was drawn).
func addCurve(p *plot.Plot, ps []plotter.XYs, col color.Color, width vg.Length, dashed bool) (plot.Thumbnailer, error) {
	var thumb plot.Thumbnailer
	var dot plot.Thumbnailer
	for _, pts := range ps {
		if len(pts) == 1 {
			s, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: col, Radius: width * 1.5, Shape: draw.CircleGlyph{}}
			p.Add(s)
			dot = s
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Color = col
		l.Width = width
		if dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2.5)}
		}
		p.Add(l)
		if thumb == nil {
			thumb = l
		}
	}
	if thumb == nil {
		thumb = dot
	}
	return thumb, nil
}

// Lines draws curves on one set of axes; logY uses a logarithmic y axis. The x axis spans
// the data; the y axis the data and a small margin. When every x is a whole number (steps,
// epochs) the x ticks are whole numbers too.
func Lines(title, xlabel, ylabel string, logY bool, series ...Series) (*plot.Plot, error) {
	p := newPlot(title, xlabel, ylabel)
	if logY {
		setLogY(p)
	}
	p.Add(gridLines())
	r := newRange()
	ok := func(x, y float64) bool { return finite(x) && finite(y) && (!logY || y > 0) }
	integer := true // x counts something, such as epochs
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plot %q: series %q has %d x and %d y values", title, s.Name, len(s.X), len(s.Y))
		}
		ps := pieces(s.X, s.Y, ok)
		for _, pts := range ps {
			for _, pt := range pts {
				r.add(pt.X, pt.Y)
				integer = integer && pt.X == math.Trunc(pt.X)
			}
		}
		c := i
		if s.Color > 0 {
			c = s.Color - 1
		}
		thumb, err := addCurve(p, ps, colors[c%len(colors)], vg.Points(1.5), s.Dashed)
		if err != nil {
			return nil, fmt.Errorf("plot %q: series %q: %w", title, s.Name, err)
		}
		if thumb != nil && s.Name != "" {
			p.Legend.Add(s.Name, thumb)
		}
	}
	r.apply(p, logY)
	p.X.Tick.Marker = linearTicks{integer: integer}
	p.Add(frame{})
	return p, nil
}
