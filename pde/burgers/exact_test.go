package burgers

import (
	"math"
	"testing"
	"time"
)

// reference loads a file of shared/data or skips the test.
func reference(t *testing.T, name string) (xs, ts, u []float64) {
	t.Helper()
	path, err := FindDataFile(name)
	if err != nil {
		t.Skipf("reference data absent: %v", err)
	}
	xs, ts, u, err = LoadReference(path)
	if err != nil {
		t.Fatal(err)
	}
	return xs, ts, u
}

func maxAbsDiff(a, b []float64) (float64, int) {
	m, at := 0.0, -1
	for i := range a {
		if d := math.Abs(a[i] - b[i]); d > m || at < 0 {
			m, at = d, i
		}
	}
	return m, at
}

// Raissi's burgers_shock.csv (from burgers_shock.mat). SOURCES.md reports the Python
// Cole–Hopf solution differs from it by at most 4.2e−11 (at the shock), rel. L2 2.9e−12.
func TestExactVsPublishedReference(t *testing.T) {
	xs, ts, ref := reference(t, "burgers_shock.csv")
	gx, gt := ReferenceGrid()
	if len(xs) != RefNX || len(ts) != RefNT {
		t.Fatalf("reference grid %d×%d, want %d×%d", len(xs), len(ts), RefNX, RefNT)
	}
	for i := range xs {
		if xs[i] != gx[i] {
			t.Fatalf("ReferenceGrid x[%d] = %.17g, file %.17g", i, gx[i], xs[i])
		}
	}
	for j := range ts {
		if ts[j] != gt[j] {
			t.Fatalf("ReferenceGrid t[%d] = %.17g, file %.17g", j, gt[j], ts[j])
		}
	}
	start := time.Now()
	u := ExactGrid(xs, ts)
	el := time.Since(start)
	d, at := maxAbsDiff(u, ref)
	rel := RelL2(u, ref)
	var away float64 // |x| > 0.05
	for i, x := range xs {
		if math.Abs(x) > 0.05 {
			for j := range ts {
				away = math.Max(away, math.Abs(u[i*len(ts)+j]-ref[i*len(ts)+j]))
			}
		}
	}
	t.Logf("vs burgers_shock.csv: max |Δu| = %.3e at x=%.4f t=%.2f; |x|>0.05: %.3e; rel L2 = %.3e (ExactGrid %v)",
		d, xs[at/len(ts)], ts[at%len(ts)], away, rel, el)
	if d > 1e-10 || away > 2e-11 || rel > 1e-11 {
		t.Errorf("too far from the published reference")
	}
}

// burgers_exact_256x100.csv is the output of shared/bench/burgers_exact.py (scipy 400-node
// Gauss–Hermite, log-sum-exp), so this is the check against the Python implementation.
func TestExactVsPython(t *testing.T) {
	xs, ts, ref := reference(t, "burgers_exact_256x100.csv")
	u := ExactGrid(xs, ts)
	d, at := maxAbsDiff(u, ref)
	t.Logf("vs burgers_exact.py: max |Δu| = %.3e at x=%.4f t=%.2f; rel L2 = %.3e",
		d, xs[at/len(ts)], ts[at%len(ts)], RelL2(u, ref))
	if d > 1e-13 {
		t.Errorf("max |Δu| = %.3e, want ≤ 1e-13", d)
	}
}

// Doubling the quadrature nodes changes nothing beyond rounding on 0 < t ≤ 5.
func TestExactQuadratureConverged(t *testing.T) {
	r := newRule(2 * QuadratureNodes)
	c := make([]float64, 2*len(r.z))
	for _, tt := range []float64{1e-6, 0.01, 0.1, 0.3, 0.5, 0.51, 0.75, 1, 2, 5} {
		var m float64
		for i := range 201 {
			x := -1 + float64(i)/100
			m = math.Max(m, math.Abs(Exact(x, tt)-r.at(x, tt, c[:len(r.z)], c[len(r.z):])))
		}
		if m > 1e-14 {
			t.Errorf("t=%v: |u(400 nodes) − u(800 nodes)| = %.3e", tt, m)
		}
	}
}

// trapezoid is burgers_exact.py's u_exact_trap: the trapezoid rule in η on ±12·√(4Dt)
// with m points, independent of Gauss–Hermite.
func trapezoid(x, t float64, m int) float64 {
	L := 12 * math.Sqrt(4*Diffusivity*t)
	lf := make([]float64, m)
	mx := math.Inf(-1)
	for k := range lf {
		eta := -L + 2*L*float64(k)/float64(m-1)
		lf[k] = -math.Cos(math.Pi*(x-eta))*invTwoNu - eta*eta/(4*Diffusivity*t)
		mx = math.Max(mx, lf[k])
	}
	var num, den float64
	for k := range lf {
		eta := -L + 2*L*float64(k)/float64(m-1)
		e := math.Exp(lf[k] - mx)
		if k == 0 || k == m-1 {
			e /= 2
		}
		num += math.Sin(math.Pi*(x-eta)) * e
		den += e
	}
	return -num / den
}

func TestExactVsTrapezoid(t *testing.T) {
	var m float64
	for _, p := range [][2]float64{
		{0.5, 0.25}, {-0.3, 0.9}, {0.9, 0.05}, {0.02, 0.99}, {-0.0039215686274509665, 0.66},
		{0.0039215686274509665, 0.5}, {0.001, 0.51}, {-0.7, 0.4}, {0.2, 0.01}, {0.99, 0.7},
	} {
		m = math.Max(m, math.Abs(Exact(p[0], p[1])-trapezoid(p[0], p[1], 20001)))
	}
	t.Logf("vs trapezoid rule (20001 points): max |Δu| = %.3e", m)
	if m > 1e-13 {
		t.Errorf("max |Δu| vs trapezoid = %.3e", m)
	}
}

func TestExactInitialCondition(t *testing.T) {
	for i := range 257 {
		x := -1 + float64(i)/128
		u0 := -math.Sin(math.Pi * x)
		if got := Exact(x, 0); got != u0 {
			t.Fatalf("Exact(%v, 0) = %v, want %v", x, got, u0)
		}
		// Continuity into t > 0: u = u0 + t·u0·u0' + O(t²) ≈ u0 within ~π·t.
		if got := Exact(x, 1e-9); math.Abs(got-u0) > 4e-9 {
			t.Fatalf("Exact(%v, 1e-9) = %v, u0 = %v", x, got, u0)
		}
	}
	xs := []float64{-1, -0.5, 0, 0.25, 1}
	u := ExactGrid(xs, []float64{0})
	for i, x := range xs {
		if u[i] != -math.Sin(math.Pi*x) {
			t.Errorf("ExactGrid at t=0, x=%v: %v", x, u[i])
		}
	}
}

func TestExactBoundary(t *testing.T) {
	_, ts := ReferenceGrid()
	ts = append(ts, 1)
	var m float64
	for _, tt := range ts {
		m = math.Max(m, math.Max(math.Abs(Exact(-1, tt)), math.Abs(Exact(1, tt))))
	}
	if m > 1e-14 {
		t.Errorf("max |u(±1, t)| = %.3e", m)
	}
}

// u is odd in x and 2-periodic (the whole-line solution), and at x = 0 it is 0.
func TestExactSymmetry(t *testing.T) {
	var odd, per float64
	for _, tt := range []float64{0.01, 0.2, 0.5, 0.8, 1} {
		for i := range 101 {
			x := float64(i) / 100
			odd = math.Max(odd, math.Abs(Exact(-x, tt)+Exact(x, tt)))
			per = math.Max(per, math.Abs(Exact(x-2, tt)-Exact(x, tt)))
		}
	}
	if odd > 1e-14 || per > 1e-13 {
		t.Errorf("|u(−x)+u(x)| ≤ %.3e, |u(x−2)−u(x)| ≤ %.3e", odd, per)
	}
}

// Central differences of Exact (h = 1e−4, as burgers_exact.py --check) satisfy the PDE:
// the residual is ~1e−6 away from the front, and small relative to the terms everywhere.
func TestExactPDEResidual(t *testing.T) {
	const h = 1e-4
	var away, rel float64
	for j := 5; j <= 99; j += 3 {
		tt := float64(j) / 100
		for i := 1; i < 256; i += 3 {
			x := -1 + 2*float64(i)/255
			u := Exact(x, tt)
			up, um := Exact(x+h, tt), Exact(x-h, tt)
			ux := (up - um) / (2 * h)
			uxx := (up - 2*u + um) / (h * h)
			ut := (Exact(x, tt+h) - Exact(x, tt-h)) / (2 * h)
			r := math.Abs(ut + u*ux - Diffusivity*uxx)
			scale := math.Abs(ut) + math.Abs(u*ux) + math.Abs(Diffusivity*uxx)
			if math.Abs(x) > 0.1 {
				away = math.Max(away, r)
			}
			rel = math.Max(rel, r/(scale+1e-12))
		}
	}
	t.Logf("FD residual: max %.3e for |x| > 0.1, max relative %.3e", away, rel)
	if away > 5e-6 || rel > 1e-4 {
		t.Errorf("FD residual too large")
	}
}

// The steepest slope: Basdevant et al. (1986) give max |u_x| = 152.00516 at t = 1.6037/π,
// at x = 0. Golden-section search in t on the central difference at x = 0.
func TestExactShockSlope(t *testing.T) {
	slope := func(tt float64) float64 { return -(Exact(1e-6, tt) - Exact(-1e-6, tt)) / 2e-6 }
	a, b := 0.45, 0.57
	g := (math.Sqrt(5) - 1) / 2
	c, d := b-g*(b-a), a+g*(b-a)
	fc, fd := slope(c), slope(d)
	for b-a > 1e-7 {
		if fc > fd {
			b, d, fd = d, c, fc
			c = b - g*(b-a)
			fc = slope(c)
		} else {
			a, c, fc = c, d, fd
			d = a + g*(b-a)
			fd = slope(d)
		}
	}
	tm := (a + b) / 2
	s := slope(tm)
	t.Logf("max |u_x| = %.8f at t = %.6f (π·t = %.5f)", s, tm, math.Pi*tm)
	if math.Abs(s-152.00516) > 1e-5 || math.Abs(math.Pi*tm-1.6037) > 1e-4 {
		t.Errorf("max |u_x| = %.8f at π·t = %.5f, want 152.00516 at 1.6037", s, math.Pi*tm)
	}
}

func TestExactGridMatchesExact(t *testing.T) {
	xs := []float64{-1, -0.7, -0.01, 0, 0.003, 0.5, 1, 1.5}
	ts := []float64{0, 1e-7, 0.1, 0.33, 0.5, 0.99, 1, -1}
	u := ExactGrid(xs, ts)
	for i, x := range xs {
		for j, tt := range ts {
			got, want := u[i*len(ts)+j], Exact(x, tt)
			if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("ExactGrid[%d][%d] = %v, Exact(%v, %v) = %v", i, j, got, x, tt, want)
			}
		}
	}
	if len(ExactGrid(nil, ts)) != 0 || len(ExactGrid(xs, nil)) != 0 {
		t.Error("empty grid not empty")
	}
	defer func() {
		if recover() == nil {
			t.Error("ExactGridTo with a short dst did not panic")
		}
	}()
	ExactGridTo(make([]float64, 3), xs, ts)
}

func TestExactInvalid(t *testing.T) {
	for _, p := range [][2]float64{{0.5, -1e-300}, {0.5, math.NaN()}, {math.NaN(), 0.5}, {math.NaN(), 0}} {
		if v := Exact(p[0], p[1]); !math.IsNaN(v) {
			t.Errorf("Exact(%v, %v) = %v, want NaN", p[0], p[1], v)
		}
	}
}

func TestExactAllocs(t *testing.T) {
	Exact(0.1, 0.2)
	if n := testing.AllocsPerRun(100, func() { Exact(0.3, 0.7) }); n != 0 {
		t.Errorf("Exact allocates %v times per call", n)
	}
}

func TestRelL2(t *testing.T) {
	if v := RelL2([]float64{3, 4}, []float64{3, 4}); v != 0 {
		t.Errorf("identical: %v", v)
	}
	if v := RelL2([]float64{0, 0}, []float64{3, 4}); v != 1 {
		t.Errorf("zero prediction: %v", v)
	}
	if v := RelL2([]float64{4, 4}, []float64{3, 4}); math.Abs(v-0.2) > 1e-16 {
		t.Errorf("got %v, want 0.2", v)
	}
	if v := RelL2([]float64{1}, []float64{0}); !math.IsInf(v, 1) {
		t.Errorf("zero exact: %v", v)
	}
	defer func() {
		if recover() == nil {
			t.Error("length mismatch did not panic")
		}
	}()
	RelL2([]float64{1}, []float64{1, 2})
}

func BenchmarkExact(b *testing.B) {
	Exact(0, 0.5)
	for b.Loop() {
		Exact(0.3, 0.7)
	}
}

func BenchmarkExactGridReference(b *testing.B) {
	xs, ts := ReferenceGrid()
	dst := make([]float64, len(xs)*len(ts))
	ExactGridTo(dst, xs, ts)
	b.ReportAllocs()
	for b.Loop() {
		ExactGridTo(dst, xs, ts)
	}
}
