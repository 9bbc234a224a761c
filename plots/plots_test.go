package plots

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// outDir is where the tests write their PNGs: a temporary directory, or $PLOTS_OUT to look
// at them.
func outDir(t *testing.T) string {
	if d := os.Getenv("PLOTS_OUT"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// checkPNG fails unless path is a PNG of w × h pixels.
func checkPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if cfg.Width != w || cfg.Height != h {
		t.Errorf("%s: %d×%d pixels, want %d×%d", path, cfg.Width, cfg.Height, w, h)
	}
}

// pixels is the size in pixels of a PNG of l at 96 dots per inch.
func pixels(l vg.Length) int { return int(math.Round(l.Dots(96))) }

func linspace(a, b float64, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = a
		if n > 1 {
			x[i] = a + (b-a)*float64(i)/float64(n-1)
		}
	}
	return x
}

// field samples f on an nx × ny grid of [x0, x1] × [y0, y1].
func field(nx, ny int, x0, x1, y0, y1 float64, f func(x, y float64) float64) Grid {
	g := Grid{X: linspace(x0, x1, nx), Y: linspace(y0, y1, ny), Z: make([]float64, nx*ny)}
	for i, x := range g.X {
		for j, y := range g.Y {
			g.Z[i*ny+j] = f(x, y)
		}
	}
	return g
}

func TestFormatTick(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{9.999999999999999e-05, "1e-4"},
		{0.30000000000000004, "0.3"},
		{0.1 + 0.2, "0.3"},
		{1.0000000000000002, "1"},
		{0.5, "0.5"},
		{2, "2"},
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{-0.25, "-0.25"},
		{0.001, "0.001"},
		{0.00099999999999999, "0.001"},
		{2.5000000000000004e-6, "2.5e-6"},
		{-1e-4, "-1e-4"},
		{1e-10, "1e-10"},
		{12345, "12345"},
		{99999, "99999"},
		{1e5, "1e5"},
		{1.5e6, "1.5e6"},
		{299792458, "2.99792458e8"},
		{6.02214076e23, "6.02214076e23"},
		{math.Pi, "3.14159265359"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Inf"},
		{math.Inf(-1), "-Inf"},
	} {
		if got := formatTick(c.v); got != c.want {
			t.Errorf("formatTick(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

// labels are the labelled ticks' labels, in order.
func labels(ts []plot.Tick) string {
	var s []string
	for _, t := range ts {
		if t.Label != "" {
			s = append(s, t.Label)
		}
	}
	return strings.Join(s, " ")
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		ticker plot.Ticker
		lo, hi float64
		want   string
	}{
		{linearTicks{}, 0, 1, "0 0.2 0.4 0.6 0.8 1"},
		{linearTicks{}, -1, 1, "-1 -0.5 0 0.5 1"},
		{linearTicks{}, 0, 1e-4, "0 2e-5 4e-5 6e-5 8e-5 1e-4"},
		{linearTicks{}, 0.1, 0.7, "0.1 0.2 0.3 0.4 0.5 0.6 0.7"},
		{linearTicks{}, 0, 500000, "0 1e5 2e5 3e5 4e5 5e5"},
		{linearTicks{}, 1, 100, "20 40 60 80 100"},
		{linearTicks{}, 0.57, 0.97, "0.6 0.7 0.8 0.9"},
		{linearTicks{}, -0.939, 0.939, "-0.75 -0.5 -0.25 0 0.25 0.5 0.75"},
		{logTicks{}, 1e-5, 1, "1e-5 1e-4 1e-3 1e-2 0.1 1"},
		{logTicks{}, 3e-3, 2, "1e-2 0.1 1"},
		{logTicks{}, 1e-12, 1e3, "1e-12 1e-10 1e-8 1e-6 1e-4 1e-2 1 100"},
		{logTicks{}, 0.2, 0.9, "0.2 0.3 0.5"},
		{logTicks{}, 0.25, 0.45, "0.3 0.4"},
		{logTicks{}, 0.05, 0.3, "0.05 0.1 0.2"},
		{logTicks{}, 0.31, 0.39, "0.32 0.34 0.36 0.38"},
	} {
		if got := labels(c.ticker.Ticks(c.lo, c.hi)); got != c.want {
			t.Errorf("%T.Ticks(%g, %g) labels %q, want %q", c.ticker, c.lo, c.hi, got, c.want)
		}
	}
}

// Every tick lies in range, and every range gets at least two labels.
func TestTicksInRange(t *testing.T) {
	ranges := [][2]float64{{0, 1}, {1e-9, 3e-9}, {-5, 5}, {1e10, 1e10 + 1}, {0.999, 1.001}, {3, 3.0000001}, {1e-300, 1e300}}
	for _, r := range ranges {
		for _, tk := range []plot.Ticker{linearTicks{}, logTicks{}} {
			if _, ok := tk.(logTicks); ok && r[0] <= 0 {
				continue
			}
			ts := tk.Ticks(r[0], r[1])
			n := 0
			for _, x := range ts {
				if tol := 1e-9 * (r[1] - r[0]); x.Value < r[0]-tol || x.Value > r[1]+tol {
					t.Errorf("%T.Ticks(%g, %g): tick %g out of range", tk, r[0], r[1], x.Value)
				}
				if x.Label != "" {
					n++
				}
			}
			if n < 2 {
				t.Errorf("%T.Ticks(%g, %g): %d labels: %q", tk, r[0], r[1], n, labels(ts))
			}
		}
	}
}

func TestLogScaleDoesNotPanic(t *testing.T) {
	for _, c := range [][3]float64{{0, 0, 1}, {-1, 1, 0.5}, {1, 10, 0}, {1, 10, -3}, {0, 0, 0}} {
		v := logScale{}.Normalize(c[0], c[1], c[2])
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("Normalize(%g, %g, %g) = %g", c[0], c[1], c[2], v)
		}
	}
}

func TestColorScale(t *testing.T) {
	for _, c := range []struct {
		name   string
		scale  Scale
		z      []float64
		lo, hi float64
		under  bool
	}{
		{"zeros, log", Log, []float64{0, 0, 0}, 1, 10, true},
		{"one value, log", Log, []float64{5}, 0.5, 5, false},
		{"zeros and one value, log", Log, []float64{0, 2, 0}, 0.2, 2, true},
		{"nothing finite, log", Log, []float64{math.NaN(), math.Inf(1)}, 1, 10, false},
		{"decades, log", Log, []float64{1e-6, 1e-3, 1}, 1e-6, 1, false},
		{"constant, linear", Linear, []float64{3, 3}, 2.7, 3.3, false},
		{"zero, linear", Linear, []float64{0}, -1, 1, false},
		{"zero, diverging", Diverging, []float64{0, 0}, -1, 1, false},
		{"signed, diverging", Diverging, []float64{-0.5, 2}, -2, 2, false},
	} {
		s := newColorScale(c.scale, c.z)
		if math.Abs(s.lo-c.lo) > 1e-12*math.Abs(c.lo) || math.Abs(s.hi-c.hi) > 1e-12*math.Abs(c.hi) || s.under != c.under {
			t.Errorf("%s: bar [%g, %g] under %v, want [%g, %g] under %v", c.name, s.lo, s.hi, s.under, c.lo, c.hi, c.under)
		}
		for _, v := range append(c.z, 0, -1, 1e300) {
			if math.IsNaN(v) {
				continue
			}
			if col := s.color(v); col.A != 255 {
				t.Errorf("%s: color(%g) = %v, want opaque", c.name, v, col)
			}
			if f := s.norm(v); math.IsNaN(f) {
				t.Errorf("%s: norm(%g) is NaN", c.name, v)
			}
		}
		if col := s.color(math.NaN()); col.A != 0 {
			t.Errorf("%s: color(NaN) = %v, want transparent", c.name, col)
		}
		if n := len(labels(s.ticks())); n == 0 {
			t.Errorf("%s: no labelled ticks on the bar", c.name)
		}
	}
}

func TestHeatMaps(t *testing.T) {
	dir := outDir(t)
	signed := field(200, 100, 0, 1, -1, 1, func(t, x float64) float64 { return -math.Sin(math.Pi*x) * math.Exp(-t) })
	errs := field(100, 256, 0, 1, -1, 1, func(t, x float64) float64 {
		return 1e-5*math.Abs(math.Sin(9*x)) + 0.5*math.Exp(-x*x/(1e-4+0.002*t)) // a shock's error
	})
	errs.Z[0] = 0 // an exact zero must not break the log scale
	w, h := 16*vg.Centimeter, 10*vg.Centimeter
	for _, c := range []struct {
		file  string
		g     Grid
		scale Scale
		label string
	}{
		{"heat_diverging.png", signed, Diverging, "u"},
		{"heat_linear.png", field(30, 20, -2, 2, 0, 3, func(x, y float64) float64 { return x*x + y }), Linear, "x² + y"},
		{"heat_log.png", errs, Log, "|u − u_exact|"},
		{"heat_1x1.png", Grid{X: []float64{0.5}, Y: []float64{2}, Z: []float64{7}}, Linear, "one value"},
		{"heat_1x1_log_zero.png", Grid{X: []float64{0.5}, Y: []float64{2}, Z: []float64{0}}, Log, "zero"},
		{"heat_constant_log.png", field(5, 4, 0, 1, 0, 1, func(x, y float64) float64 { return 0.02 }), Log, "constant"},
		{"heat_constant_diverging.png", field(5, 4, 0, 1, 0, 1, func(x, y float64) float64 { return 0 }), Diverging, "zero"},
		{"heat_nan.png", field(8, 6, 0, 1, 0, 1, func(x, y float64) float64 {
			if x > 0.5 && y > 0.5 {
				return math.NaN()
			}
			return x - y
		}), Diverging, "x − y"},
	} {
		p, err := HeatMap(strings.TrimSuffix(c.file, ".png"), "t", "x", c.g, c.scale, c.label)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, c.file)
		if err := SaveRow(path, w, h, p); err != nil {
			t.Fatal(err)
		}
		checkPNG(t, path, pixels(w), pixels(h))
	}
	// The examples' shorthand picks a log scale for an error map.
	p := Heat("|u − u_exact|", "t", "x", errs, false)
	path := filepath.Join(dir, "heat_shorthand.png")
	if err := SaveRow(path, 2*w, h, Heat("u", "t", "x", signed, true), p); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, pixels(2*w), pixels(h))
}

func TestHeatMapRefusesMalformedGrids(t *testing.T) {
	for _, g := range []Grid{
		{},
		{X: []float64{0, 1}, Y: []float64{0}, Z: []float64{1}},
		{X: []float64{1, 0}, Y: []float64{0}, Z: []float64{1, 2}},
		{X: []float64{0, math.NaN()}, Y: []float64{0}, Z: []float64{1, 2}},
	} {
		if _, err := HeatMap("bad", "x", "y", g, Linear, ""); err == nil {
			t.Errorf("HeatMap(%v): no error", g)
		}
		// The shorthand draws a plot that says why.
		if err := SaveRow(filepath.Join(t.TempDir(), "bad.png"), 8*vg.Centimeter, 6*vg.Centimeter, Heat("bad", "x", "y", g, false)); err != nil {
			t.Error(err)
		}
	}
	if _, err := HeatMap("bad", "x", "y", Grid{X: []float64{0}, Y: []float64{0}, Z: []float64{1}}, Scale(7), ""); err == nil {
		t.Error("HeatMap with Scale(7): no error")
	}
}

func TestLines(t *testing.T) {
	dir := outDir(t)
	steps := linspace(0, 2000, 41)
	loss, pde, bc := make([]float64, len(steps)), make([]float64, len(steps)), make([]float64, len(steps))
	for i, s := range steps {
		pde[i] = 0.3*math.Exp(-s/300) + 2e-4
		bc[i] = 0.05 * math.Exp(-s/150) * (1 + 0.3*math.Sin(s/50))
		loss[i] = pde[i] + bc[i]
	}
	bc[10] = 0 // left out on a log axis
	x := linspace(-1, 1, 201)
	var profiles []Series
	for k, tt := range []float64{0, 0.5, 1} {
		u, ex := make([]float64, len(x)), make([]float64, len(x))
		for i, xx := range x {
			ex[i] = -math.Sin(math.Pi*xx) * math.Exp(-tt)
			u[i] = ex[i] + 0.03*math.Cos(5*xx)
		}
		profiles = append(profiles, Series{Name: "t = " + formatTick(tt), X: x, Y: u, Color: k + 1},
			Series{Name: "t = " + formatTick(tt) + " exact", X: x, Y: ex, Color: k + 1, Dashed: true})
	}
	lambda := make([]float64, len(steps))
	for i, s := range steps {
		lambda[i] = 1 - 0.7*math.Exp(-s/400)
	}
	lp, err := Lines("Loss", "step", "loss", true, Series{Name: "loss", X: steps, Y: loss},
		Series{Name: "pde", X: steps, Y: pde}, Series{Name: "boundary", X: steps, Y: bc})
	if err != nil {
		t.Fatal(err)
	}
	pp, err := Lines("u(x, t)", "x", "u", false, profiles...)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := Lines("Coefficient", "step", "λ", false, Series{Name: "λ", X: steps, Y: lambda, Color: 2},
		Series{Name: "true λ", X: []float64{0, 2000}, Y: []float64{1, 1}, Color: 2, Dashed: true})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := Lines("Error", "training time (s)", "relative L2 error", true,
		Series{Name: "rel. L2", X: []float64{1.5, 3, 4.5, 6}, Y: []float64{0.4, 0.3, 0.28, 0.25}})
	if err != nil {
		t.Fatal(err)
	}
	w, h := 30*vg.Centimeter, 20*vg.Centimeter
	path := filepath.Join(dir, "lines_grid.png")
	if err := SaveGrid(path, w, h, 2, 2, lp, pp, cp, ep); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, pixels(w), pixels(h))

	// Degenerate series: empty, one point, all NaN, all non-positive on a log axis.
	for _, logY := range []bool{false, true} {
		p, err := Lines("degenerate", "x", "y", logY, Series{Name: "empty"}, Series{Name: "one point", X: []float64{3}, Y: []float64{0.5}},
			Series{Name: "NaN", X: []float64{1, 2}, Y: []float64{math.NaN(), math.NaN()}},
			Series{Name: "non-positive", X: []float64{1, 2}, Y: []float64{0, -1}})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "lines_degenerate.png")
		if err := SaveRow(path, 12*vg.Centimeter, 8*vg.Centimeter, p); err != nil {
			t.Fatal(err)
		}
		checkPNG(t, path, pixels(12*vg.Centimeter), pixels(8*vg.Centimeter))
		p, err = Lines("nothing", "x", "y", logY)
		if err != nil {
			t.Fatal(err)
		}
		if err := SaveRow(path, 12*vg.Centimeter, 8*vg.Centimeter, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Lines("bad", "x", "y", false, Series{X: []float64{1, 2}, Y: []float64{1}}); err == nil {
		t.Error("Lines with 2 x and 1 y: no error")
	}
}

func TestTimeLinesAndHist(t *testing.T) {
	dir := outDir(t)
	t0 := float64(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	var xs, ys []float64
	for k := range 3000 {
		if k >= 1200 && k < 1300 {
			continue // a data gap
		}
		xs = append(xs, t0+60*float64(k))
		ys = append(ys, 20*math.Sin(float64(k)/200)+5*math.Sin(float64(k)/7))
	}
	p, err := TimeLines("Test period", "B_R (nT)", 90*time.Second, Series{X: xs, Y: ys})
	if err != nil {
		t.Fatal(err)
	}
	AddShade(p, "anomalous", 1, Span{From: t0 + 60*500, To: t0 + 60*700})
	v := make([]float64, 2000)
	for i := range v {
		v[i] = math.Exp(math.Sin(float64(i)) + 0.5*math.Cos(float64(i)*0.37))
	}
	hp, err := Hist("Windows", "largest channel MAE", v, 40, true, map[string]float64{"threshold": 4.5})
	if err != nil {
		t.Fatal(err)
	}
	hl, err := Hist("Windows", "largest channel MAE", v, 40, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, h := 30*vg.Centimeter, 20*vg.Centimeter
	path := filepath.Join(dir, "time_hist.png")
	if err := SaveGrid(path, w, h, 2, 2, p, nil, hp, hl); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, pixels(w), pixels(h))
}

func TestSaveErrors(t *testing.T) {
	dir := t.TempDir()
	p, err := Lines("x", "x", "y", false, Series{X: []float64{0, 1}, Y: []float64{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := SaveRow(filepath.Join(dir, "none.png"), vg.Inch, vg.Inch); err == nil {
		t.Error("SaveRow with no panels: no error")
	}
	if err := SaveGrid(filepath.Join(dir, "grid.png"), vg.Inch, vg.Inch, 2, 2, p); err == nil {
		t.Error("SaveGrid with 1 panel for 2×2: no error")
	}
	if err := SaveRow(filepath.Join(dir, "noext"), vg.Inch, vg.Inch, p); err == nil {
		t.Error("SaveRow without an extension: no error")
	}
	// Vector formats work too, heat maps included.
	h, err := HeatMap("h", "x", "y", field(4, 3, 0, 1, 0, 1, func(x, y float64) float64 { return x * y }), Log, "xy")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"p.svg", "p.pdf"} {
		if err := SaveRow(filepath.Join(dir, name), 16*vg.Centimeter, 6*vg.Centimeter, p, h); err != nil {
			t.Error(err)
		}
	}
}

func TestLegendPlacement(t *testing.T) {
	w, h := 12*vg.Centimeter, 8*vg.Centimeter
	c := draw.New(vgimg.New(w, h))
	// A curve that rises into the top right corner leaves the top left free.
	x := linspace(0, 1, 50)
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = v * v * v
	}
	p, err := Lines("rising", "x", "y", false, Series{Name: "x³", X: x, Y: y}, Series{Name: "another name", X: x, Y: y})
	if err != nil {
		t.Fatal(err)
	}
	pl, box := placeLegend(p, c, w, h)
	data := p.DataCanvas(c).Rectangle
	if pl != inside || box.Min.X > data.Min.X+vg.Points(legendInset+1) || box.Max.Y < data.Max.Y-vg.Points(legendInset+1) {
		t.Errorf("rising curve: legend %v in %v, want inside at the top left of %v", pl, box, data)
	}
	// A curve that fills the axes leaves no room inside.
	x = linspace(0, 1, 400)
	y = make([]float64, len(x))
	for i := range x {
		y[i] = float64(i % 2)
	}
	p, err = Lines("zigzag", "x", "y", false, Series{Name: "zigzag", X: x, Y: y})
	if err != nil {
		t.Fatal(err)
	}
	if pl, _ := placeLegend(p, c, w, h); pl != outside {
		t.Errorf("zigzag: legend %v, want outside", pl)
	}
	// No entries, no legend.
	p.Legend = plot.NewLegend()
	if pl, _ := placeLegend(p, c, w, h); pl != noLegend {
		t.Errorf("empty legend: %v, want none", pl)
	}
	// Saving puts the legend back as it was.
	p, err = Lines("zigzag", "x", "y", false, Series{Name: "zigzag", X: x, Y: y})
	if err != nil {
		t.Fatal(err)
	}
	before := p.Legend
	if err := SaveRow(filepath.Join(t.TempDir(), "z.png"), w, h, p); err != nil {
		t.Fatal(err)
	}
	if p.Legend.Top != before.Top || p.Legend.Left != before.Left || p.Legend.Rectangle(c).Size() != before.Rectangle(c).Size() {
		t.Error("SaveRow changed the plot's legend")
	}
}

func TestIntegerTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{1, 3, "1 2 3"},
		{0, 5, "0 1 2 3 4 5"},
		{1, 100, "20 40 60 80 100"},
		{0, 1, "0 1"},
	} {
		ts := linearTicks{integer: true}.Ticks(c.lo, c.hi)
		if got := labels(ts); got != c.want {
			t.Errorf("integer ticks on [%g, %g]: %q, want %q", c.lo, c.hi, got, c.want)
		}
		for _, tk := range ts {
			if tk.Value != math.Trunc(tk.Value) {
				t.Errorf("integer ticks on [%g, %g]: tick at %g", c.lo, c.hi, tk.Value)
			}
		}
	}
}

func TestIntegerTicksOnANarrowAxis(t *testing.T) {
	if got := labels(linearTicks{integer: true}.Ticks(2.7, 3.3)); got != "2.7 2.8 2.9 3 3.1 3.2 3.3" {
		t.Errorf("integer ticks on [2.7, 3.3]: %q", got)
	}
}

func TestHistDegenerate(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		v    []float64
	}{
		{"one value", []float64{2}},
		{"equal counts", []float64{1, 2, 3, 4}},
		{"constant", []float64{5, 5, 5}},
	} {
		for _, logY := range []bool{false, true} {
			p, err := Hist(c.name, "x", c.v, 4, logY, map[string]float64{"mark": 2})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if ts := p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max); len(labels(ts)) == 0 {
				t.Errorf("%s (log %v): no y labels on [%g, %g]", c.name, logY, p.Y.Min, p.Y.Max)
			}
			if err := SaveRow(filepath.Join(dir, "h.png"), 8*vg.Centimeter, 6*vg.Centimeter, p); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	}
	if _, err := Hist("nothing", "x", []float64{math.NaN()}, 4, false, nil); err == nil {
		t.Error("Hist of NaN alone: no error")
	}
}

func TestConfusion(t *testing.T) {
	counts := [][]int{{30, 2, 0}, {1, 25, 4}, {0, 0, 38}}
	p, err := Confusion("confusion", counts, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(outDir(t), "confusion.png")
	w := 10 * vg.Centimeter
	if err := SaveRow(path, w, w, p); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, pixels(w), pixels(w))
	for _, bad := range [][][]int{nil, {{1, 2}, {3}}} {
		if _, err := Confusion("bad", bad, nil); err == nil {
			t.Errorf("Confusion of %v: no error", bad)
		}
	}
	if _, err := Confusion("names", counts, []string{"a", "b"}); err == nil {
		t.Error("two names for three classes: no error")
	}
}
