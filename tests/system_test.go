package tests

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/tests/models/system"
)

// systemModel is tests/models/system on 9 data and 21 interior points, with perturbed
// weights and coefficients away from their starting values.
func systemModel(t *testing.T) (*system.Model, *system.Points) {
	m := system.New()
	t.Cleanup(m.Close)
	m.Init(mlrt.NewRNG(3))
	rng := rand.New(rand.NewPCG(4, 5))
	for i := range m.Params() {
		m.Params()[i] += 0.3 * (rng.Float64() - 0.5)
	}
	p := &system.Points{}
	for range 9 {
		p.Data.X = append(p.Data.X, 2*rng.Float64())
		p.Data.T = append(p.Data.T, rng.Float64())
		p.Data.UObs = append(p.Data.UObs, rng.Float64()-0.5)
	}
	for range 21 {
		p.Interior.X = append(p.Interior.X, 2*rng.Float64())
		p.Interior.T = append(p.Interior.T, rng.Float64())
	}
	if err := m.SetPoints(p); err != nil {
		t.Fatal(err)
	}
	return m, p
}

// TestSystemAgainstFiniteDifferences recomputes the loss terms from Predict alone (u and v,
// the output transforms), with the input derivatives by central differences, and the
// coefficients from Coefficients: what the generated code derived must agree.
func TestSystemAgainstFiniteDifferences(t *testing.T) {
	m, p := systemModel(t)
	m.Loss()
	terms := append([]float64(nil), m.Terms()...)
	co := m.Coefficients(nil)
	k, c := co[0], co[1]
	if names := m.CoefficientNames(); len(names) != 2 || names[0] != "k" || names[1] != "c" {
		t.Fatalf("CoefficientNames = %v", names)
	}
	if k <= 0 {
		t.Fatalf("k = %v: a positive coefficient", k)
	}
	uv := func(x, tt float64) (float64, float64) {
		var d [2]float64
		m.Predict(d[:], []float64{x}, []float64{tt})
		return d[0], d[1]
	}
	u := func(x, tt float64) float64 { a, _ := uv(x, tt); return a }
	v := func(x, tt float64) float64 { _, b := uv(x, tt); return b }
	// The network is periodic in x with period 2: the features make it so exactly.
	if d := math.Abs(u(0.3, 0.7) - u(2.3, 0.7)); d > 1e-12 {
		t.Errorf("u(0.3) and u(2.3) differ by %g: x is periodic with period 2", d)
	}
	const h1, h3, h4 = 1e-5, 2e-3, 1e-2
	// The fourth derivative by the five-point stencil, its O(h²) error removed by Richardson
	// extrapolation from h and h/2 (the stencil alone is 2 % off at h = 1e-2 here).
	d4x := func(f func(x, t float64) float64, x, tt float64) float64 {
		at := func(h float64) float64 {
			return (f(x+2*h, tt) - 4*f(x+h, tt) + 6*f(x, tt) - 4*f(x-h, tt) + f(x-2*h, tt)) / (h * h * h * h)
		}
		return (4*at(h4/2) - at(h4)) / 3
	}
	dxxt := func(f func(x, t float64) float64, x, tt float64) float64 {
		dt := func(x float64) float64 { return (f(x, tt+h3) - f(x, tt-h3)) / (2 * h3) }
		return (dt(x+h3) - 2*dt(x) + dt(x-h3)) / (h3 * h3)
	}
	var fit, pde float64
	for i := range p.Data.X {
		e := u(p.Data.X[i], p.Data.T[i]) - p.Data.UObs[i]
		fit += e * e
	}
	for i := range p.Interior.X {
		x, tt := p.Interior.X[i], p.Interior.T[i]
		u0, v0 := uv(x, tt)
		ut := (u(x, tt+h1) - u(x, tt-h1)) / (2 * h1)
		r1 := ut - k*d4x(u, x, tt) + v0*v0*v0
		r2 := dxxt(v, x, tt) + c/((2+u0*u0)*(2+u0*u0))
		pde += r1*r1 + r2*r2
	}
	want := []float64{3 * fit / 9, pde / 21}
	if names := m.TermNames(); names[0] != "fit" || names[1] != "pde" {
		t.Errorf("TermNames = %v, want [fit pde]", names)
	}
	for i, w := range want {
		if math.Abs(terms[i]-w) > 2e-4*math.Max(1e-3, math.Abs(w)) {
			t.Errorf("term %s = %.10g, from finite differences of Predict %.10g", m.TermNames()[i], terms[i], w)
		}
	}
}

// TestSystemGradientAgainstFiniteDifferences: the gradient, coefficients included, against
// central differences of Loss; and LossGrad allocates nothing.
func TestSystemGradientAgainstFiniteDifferences(t *testing.T) {
	m, _ := systemModel(t)
	p0 := append([]float64(nil), m.Params()...)
	m.LossGrad()
	got := append([]float64(nil), m.Grads()...)
	want := fd.Gradient(nil, func(p []float64) float64 {
		copy(m.Params(), p)
		return m.Loss()
	}, p0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
	copy(m.Params(), p0)
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range want {
		if d := math.Abs(got[i] - want[i]); d > 1e-6*math.Max(scale, 1e-3) {
			t.Errorf("param %d: gradient %.10g, finite differences %.10g", i, got[i], want[i])
		}
	}
	// The coefficients are the last two parameters; their gradients must be there.
	n := len(got)
	if got[n-1] == 0 || got[n-2] == 0 {
		t.Errorf("coefficient gradients %v, %v: want nonzero", got[n-2], got[n-1])
	}
	if a := testing.AllocsPerRun(20, func() { m.LossGrad() }); a != 0 {
		t.Errorf("LossGrad: %v allocations per call, want 0", a)
	}
}
