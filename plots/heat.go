package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Grid is a field sampled at the points (X[i], Y[j]) of a rectangular grid, X and Y each
// strictly increasing. Z[i*len(Y)+j] is the value at (X[i], Y[j]): the Y index varies
// fastest, one run of len(Y) values per X. NaN values are left blank.
type Grid struct {
	X, Y []float64
	Z    []float64
}

// Scale says how a heat map turns values into colours.
type Scale int

const (
	// Linear maps the smallest value to the largest onto a sequential map (viridis: dark
	// blue to yellow, readable in grey and by colour-blind readers).
	Linear Scale = iota
	// Diverging maps values onto blue–grey–red symmetric about zero (Moreland's map), for
	// signed fields: zero is always the neutral middle and equal magnitudes get equal shades.
	Diverging
	// Log maps values on a logarithmic scale onto the sequential map, for magnitudes that
	// span decades such as |error|. The bar runs from the 1st percentile of the positive
	// values (at most ten decades below the largest) to the largest; smaller values, zeros
	// included, get the lowest colour, and the bar then ends in a triangle.
	Log
)

func (s Scale) String() string {
	switch s {
	case Linear:
		return "linear"
	case Diverging:
		return "diverging"
	case Log:
		return "log"
	}
	return fmt.Sprintf("Scale(%d)", int(s))
}

// HeatMap draws g as a heat map, X across and Y up, in the given colour scale, with a colour
// bar on its right labelled barLabel (the title when barLabel is empty). The grid fills the
// axes from its first to its last point in each direction; each pixel shows the nearest grid
// point, so a coarse grid shows as cells and nothing is smoothed. It fails on a grid whose Z does not
// have len(X)·len(Y) values, or whose X or Y is empty or not strictly increasing.
func HeatMap(title, xlabel, ylabel string, g Grid, scale Scale, barLabel string) (*plot.Plot, error) {
	if err := g.check(); err != nil {
		return nil, fmt.Errorf("heat map %q: %w", title, err)
	}
	if scale < Linear || scale > Log {
		return nil, fmt.Errorf("heat map %q: unknown %v", title, scale)
	}
	p := newPlot(title, xlabel, ylabel)
	cs := newColorScale(scale, g.Z)
	if barLabel == "" {
		barLabel = title
	}
	p.Add(&heatRaster{g: g, cs: cs})
	p.Add(&colorBar{cs: cs, label: barLabel, tickStyle: p.Y.Tick.Label, labelStyle: p.Y.Label.TextStyle})
	p.Add(frame{})
	return p, nil
}

// Heat is a shorthand, kept for the examples, for HeatMap with the title as the bar's label: the
// Diverging scale when diverging, otherwise Log when the values are all non-negative and the
// largest is more than ten times the median of the positive ones (an error map, whose
// values span decades), otherwise Linear. A malformed grid gives an empty plot that says why in its title.
func Heat(title, xlabel, ylabel string, g Grid, diverging bool) *plot.Plot {
	scale := Linear
	if diverging {
		scale = Diverging
	} else if spansDecades(g.Z) {
		scale = Log
	}
	p, err := HeatMap(title, xlabel, ylabel, g, scale, "")
	if err != nil {
		p = newPlot(err.Error(), xlabel, ylabel)
		p.Add(frame{})
	}
	return p
}

// spansDecades reports whether z holds no negative values and its largest is more than ten
// times the median of its positive values.
func spansDecades(z []float64) bool {
	var pos []float64
	for _, v := range z {
		switch {
		case v < 0:
			return false
		case v > 0 && !math.IsInf(v, 0):
			pos = append(pos, v)
		}
	}
	if len(pos) == 0 {
		return false
	}
	slices.Sort(pos)
	return pos[len(pos)-1] > 10*pos[len(pos)/2]
}

func (g Grid) check() error {
	if len(g.X) == 0 || len(g.Y) == 0 {
		return fmt.Errorf("grid of %d×%d points", len(g.X), len(g.Y))
	}
	if len(g.Z) != len(g.X)*len(g.Y) {
		return fmt.Errorf("%d values for %d×%d grid points", len(g.Z), len(g.X), len(g.Y))
	}
	for name, a := range map[string][]float64{"X": g.X, "Y": g.Y} {
		for i, v := range a {
			if math.IsNaN(v) || math.IsInf(v, 0) || i > 0 && !(v > a[i-1]) {
				return fmt.Errorf("%s[%d] = %g: want finite, strictly increasing coordinates", name, i, v)
			}
		}
	}
	return nil
}

// colorScale maps values onto colours and the colour bar.
type colorScale struct {
	scale       Scale
	lo, hi      float64 // the values at the ends of the bar
	under, over bool    // there are values beyond the ends (they get the end colours)
}

func newColorScale(scale Scale, z []float64) *colorScale {
	s := &colorScale{scale: scale}
	lo, hi := math.Inf(1), math.Inf(-1)
	var pos []float64
	for _, v := range z {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		if v > 0 {
			pos = append(pos, v)
		}
	}
	finite := lo <= hi
	switch scale {
	case Diverging:
		m := math.Max(math.Abs(lo), math.Abs(hi))
		if !finite || m == 0 {
			m = 1
		}
		s.lo, s.hi = -m, m
	case Log:
		if len(pos) == 0 {
			s.lo, s.hi = 1, 10
			s.under = finite
			break
		}
		slices.Sort(pos)
		s.hi = pos[len(pos)-1]
		s.lo = math.Max(pos[len(pos)/100], s.hi*1e-10)
		if s.hi < 10*s.lo {
			s.lo = s.hi / 10
		}
		s.under = lo < s.lo
	default:
		switch {
		case !finite:
			lo, hi = 0, 1
		case lo == hi:
			d := math.Abs(lo) / 10
			if d == 0 {
				d = 1
			}
			lo, hi = lo-d, hi+d
		}
		s.lo, s.hi = lo, hi
	}
	return s
}

// norm is the position of v along the bar, 0 at its foot and 1 at its head (not clamped).
func (s *colorScale) norm(v float64) float64 {
	if s.scale == Log {
		if !(v > 0) {
			return math.Inf(-1)
		}
		return math.Log(v/s.lo) / math.Log(s.hi/s.lo)
	}
	return (v - s.lo) / (s.hi - s.lo)
}

// color is v's colour, transparent for NaN.
func (s *colorScale) color(v float64) color.RGBA {
	if math.IsNaN(v) {
		return color.RGBA{}
	}
	return s.ramp(s.norm(v))
}

// ramp is the colour at position t along the bar, clamped to [0, 1].
func (s *colorScale) ramp(t float64) color.RGBA {
	if math.IsNaN(t) {
		return color.RGBA{}
	}
	t = math.Max(0, math.Min(1, t))
	if s.scale == Diverging {
		return divergingAt(t)
	}
	return viridisAt(t)
}

func (s *colorScale) ticks() []plot.Tick {
	if s.scale == Log {
		return logTicks{}.Ticks(s.lo, s.hi)
	}
	return niceTicks(s.lo, s.hi, 7, 0)
}

// viridis is matplotlib's map (CC0, van der Walt and Smith), every 16th of its 256 entries
// and the last; viridisAt interpolates between them.
var viridis = [17][3]float64{
	{0.267004, 0.004874, 0.329415}, {0.282327, 0.094955, 0.417331}, {0.278826, 0.175490, 0.483397},
	{0.258965, 0.251537, 0.524736}, {0.229739, 0.322361, 0.545706}, {0.199430, 0.387607, 0.554642},
	{0.172719, 0.448791, 0.557885}, {0.149039, 0.508051, 0.557250}, {0.127568, 0.566949, 0.550556},
	{0.120638, 0.625828, 0.533488}, {0.157851, 0.683765, 0.501686}, {0.239374, 0.735588, 0.455688},
	{0.369214, 0.788888, 0.382914}, {0.535621, 0.835785, 0.281908}, {0.720391, 0.870350, 0.162603},
	{0.866013, 0.889868, 0.095953}, {0.993248, 0.906157, 0.143936},
}

func viridisAt(t float64) color.RGBA {
	// Entries 0, 16, …, 240 sit at k·16/255, the last at 1.
	pos := t * 255 / 16
	k := min(int(pos), len(viridis)-2)
	lo, hi := float64(k)*16/255, math.Min(float64(k+1)*16/255, 1)
	f := math.Max(0, math.Min(1, (t-lo)/(hi-lo)))
	var c [3]uint8
	for i := range c {
		c[i] = uint8(math.Round(255 * (viridis[k][i] + f*(viridis[k+1][i]-viridis[k][i]))))
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

var blueRed = func() []color.RGBA {
	cm := moreland.SmoothBlueRed()
	cm.SetMin(0)
	cm.SetMax(1)
	tab := make([]color.RGBA, 257)
	for i := range tab {
		c, err := cm.At(float64(i) / 256)
		if err != nil {
			panic(err)
		}
		r, g, b, _ := c.RGBA()
		tab[i] = color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
	}
	return tab
}()

func divergingAt(t float64) color.RGBA { return blueRed[int(math.Round(t*256))] }

// heatRaster draws a Grid as an image at the resolution of the canvas, each pixel the colour
// of the nearest grid point: no seams between cells and no smoothing.
type heatRaster struct {
	g  Grid
	cs *colorScale
}

// extent is the range of a grid coordinate: its first to last point, or ±0.5 around a
// single one.
func extent(a []float64) (float64, float64) {
	if len(a) == 1 {
		return a[0] - 0.5, a[0] + 0.5
	}
	return a[0], a[len(a)-1]
}

func (h *heatRaster) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = extent(h.g.X)
	ymin, ymax = extent(h.g.Y)
	return
}

func (h *heatRaster) Plot(c draw.Canvas, p *plot.Plot) {
	x0, x1, y0, y1 := h.DataRange()
	x0, x1 = math.Max(x0, p.X.Min), math.Min(x1, p.X.Max)
	y0, y1 = math.Max(y0, p.Y.Min), math.Min(y1, p.Y.Max)
	if !(x1 > x0 && y1 > y0) {
		return
	}
	trX, trY := p.Transforms(&c)
	r := vg.Rectangle{Min: vg.Point{X: trX(x0), Y: trY(y0)}, Max: vg.Point{X: trX(x1), Y: trY(y1)}}
	dpi := dotsPerInch(c)
	w := max(1, min(8192, int(math.Ceil(r.Size().X.Dots(dpi)))))
	ht := max(1, min(8192, int(math.Ceil(r.Size().Y.Dots(dpi)))))
	ix := make([]int, w)
	for k := range ix {
		ix[k] = nearest(h.g.X, x0+(float64(k)+0.5)/float64(w)*(x1-x0))
	}
	img := image.NewRGBA(image.Rect(0, 0, w, ht))
	ny := len(h.g.Y)
	for row := range ht {
		j := nearest(h.g.Y, y1-(float64(row)+0.5)/float64(ht)*(y1-y0)) // row 0 is the top
		for k, i := range ix {
			img.SetRGBA(k, row, h.cs.color(h.g.Z[i*ny+j]))
		}
	}
	c.DrawImage(r, img)
}

// dotsPerInch is the resolution of an image canvas, or 150 for a vector one.
func dotsPerInch(c draw.Canvas) float64 {
	if dpi := imageDPI(c.Canvas); dpi > 0 {
		return dpi
	}
	return 150
}

// nearest is the index of the element of the increasing a nearest to v.
func nearest(a []float64, v float64) int {
	i := sort.SearchFloat64s(a, v)
	switch {
	case i == 0:
		return 0
	case i == len(a):
		return len(a) - 1
	case v-a[i-1] <= a[i]-v:
		return i - 1
	}
	return i
}

// colorBar draws the colour scale to the right of the axes, with ticks, their labels and
// the bar's label; GlyphBoxes makes the plot leave room for it.
type colorBar struct {
	cs                    *colorScale
	label                 string
	tickStyle, labelStyle text.Style
}

const (
	barGap   = 8  // points between the axes and the bar
	barWidth = 10 // points
	barTick  = 3  // points, the length of a major tick
	barPad   = 3  // points between the ticks, their labels and the bar's label
)

// triangle is the height of the triangle that ends a bar whose scale cuts values off.
func (b *colorBar) triangle() vg.Length { return vg.Points(barWidth) }

func (b *colorBar) width() vg.Length {
	var lw vg.Length
	for _, t := range b.cs.ticks() {
		if t.Label != "" {
			lw = max(lw, b.tickStyle.Width(t.Label))
		}
	}
	w := vg.Points(barGap+barWidth+barTick+barPad) + lw
	if b.label != "" {
		w += vg.Points(barPad) + b.labelStyle.Height(b.label)
	}
	return w
}

func (b *colorBar) GlyphBoxes(*plot.Plot) []plot.GlyphBox {
	h := b.tickStyle.Height("0")
	return []plot.GlyphBox{
		{X: 1, Y: 0.5, Rectangle: vg.Rectangle{Max: vg.Point{X: b.width()}}},
		{X: 1, Y: 0, Rectangle: vg.Rectangle{Min: vg.Point{Y: -h / 2}, Max: vg.Point{Y: h / 2}}},
		{X: 1, Y: 1, Rectangle: vg.Rectangle{Min: vg.Point{Y: -h / 2}, Max: vg.Point{Y: h / 2}}},
	}
}

func (b *colorBar) Plot(c draw.Canvas, _ *plot.Plot) {
	x0 := snap(c, c.Max.X+vg.Points(barGap))
	x1 := snap(c, x0+vg.Points(barWidth))
	y0, y1 := c.Min.Y, c.Max.Y
	tri := b.triangle()
	if b.cs.under {
		y0 += tri
	}
	if b.cs.over {
		y1 -= tri
	}
	y0, y1 = snap(c, y0), snap(c, y1)
	if y1-y0 < vg.Points(10) {
		return
	}
	bar := vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}}
	dpi := dotsPerInch(c)
	w := max(1, int(math.Ceil(bar.Size().X.Dots(dpi))))
	h := max(2, int(math.Ceil(bar.Size().Y.Dots(dpi))))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for row := range h {
		col := b.cs.ramp(1 - (float64(row)+0.5)/float64(h))
		for k := range w {
			img.SetRGBA(k, row, col)
		}
	}
	c.DrawImage(bar, img)
	edge := draw.LineStyle{Color: color.Black, Width: vg.Points(0.75)}
	c.StrokeLines(edge, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
	if b.cs.under {
		t := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: (x0 + x1) / 2, Y: y0 - tri}}
		c.FillPolygon(b.cs.ramp(0), t)
		c.StrokeLines(edge, append(t, t[0]))
	}
	if b.cs.over {
		t := []vg.Point{{X: x0, Y: y1}, {X: x1, Y: y1}, {X: (x0 + x1) / 2, Y: y1 + tri}}
		c.FillPolygon(b.cs.ramp(1), t)
		c.StrokeLines(edge, append(t, t[0]))
	}
	sty := b.tickStyle
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	var lw vg.Length
	for _, t := range b.cs.ticks() {
		f := b.cs.norm(t.Value)
		if !(f >= -1e-9 && f <= 1+1e-9) {
			continue
		}
		y := snap(c, y0+vg.Length(f)*(y1-y0))
		n := vg.Points(barTick)
		if t.IsMinor() {
			n /= 2
		}
		c.StrokeLine2(edge, x1, y, x1+n, y)
		if t.Label != "" {
			c.FillText(sty, vg.Point{X: x1 + vg.Points(barTick+barPad), Y: y}, t.Label)
			lw = max(lw, sty.Width(t.Label))
		}
	}
	if b.label != "" {
		ls := b.labelStyle
		ls.Rotation = math.Pi / 2
		ls.XAlign, ls.YAlign = draw.XCenter, draw.YTop
		x := x1 + vg.Points(barTick+2*barPad) + lw
		c.FillText(ls, vg.Point{X: x, Y: (c.Min.Y + c.Max.Y) / 2}, b.label)
	}
}
