package tests

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/tests/models/pinn"
)

// pinnModel is the small PINN on 11 boundary and 29 interior points: with tiles of 8, the
// sets straddle tiles and both workers have tiles.
func pinnModel(t *testing.T) (*pinn.Model, *pinn.Points) {
	m := pinn.New()
	t.Cleanup(m.Close)
	m.Init(mlrt.NewRNG(5))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range m.Params() {
		m.Params()[i] += 0.2 * (rng.Float64() - 0.5)
	}
	p := &pinn.Points{}
	c := smallPINNPoints(rng)
	p.Boundary.X, p.Boundary.T, p.Boundary.UBd, p.Interior.X, p.Interior.T = c[0], c[1], c[2], c[3], c[4]
	if err := m.SetPoints(p); err != nil {
		t.Fatal(err)
	}
	return m, p
}

// smallPINNPoints are the columns of 11 boundary points (x, t, u_bd) and 29 interior
// points (x, t) drawn from rng, for the small PINNs of the tests.
func smallPINNPoints(rng *rand.Rand) [5][]float64 {
	var c [5][]float64
	for range 11 {
		c[0] = append(c[0], 2*rng.Float64()-1)
		c[1] = append(c[1], rng.Float64())
		c[2] = append(c[2], rng.Float64()-0.5)
	}
	for range 29 {
		c[3] = append(c[3], 2*rng.Float64()-1)
		c[4] = append(c[4], rng.Float64())
	}
	return c
}

// TestPINNLossAgainstFiniteDifferences recomputes the PDE loss from Predict alone, with
// the input derivatives taken by central differences (h = 1e-4 for first, 1e-3 for second
// derivatives; errors about 1e-8 relative), and compares it with the generated loss, which
// uses the derivatives mlc derived. Each term is checked separately.
func TestPINNLossAgainstFiniteDifferences(t *testing.T) {
	m, p := pinnModel(t)
	loss := m.Loss()
	terms := append([]float64(nil), m.Terms()...)
	u := func(x, tt float64) float64 {
		var d [1]float64
		m.Predict(d[:], []float64{x}, []float64{tt})
		return d[0]
	}
	const h1, h2 = 1e-4, 1e-3
	nu := 0.01 / math.Pi
	resid := func(x, tt float64) (r, ut float64) {
		u0 := u(x, tt)
		ux := (u(x+h1, tt) - u(x-h1, tt)) / (2 * h1)
		ut = (u(x, tt+h1) - u(x, tt-h1)) / (2 * h1)
		uxx := (u(x+h2, tt) - 2*u0 + u(x-h2, tt)) / (h2 * h2)
		uxt := (u(x+h2, tt+h2) - u(x+h2, tt-h2) - u(x-h2, tt+h2) + u(x-h2, tt-h2)) / (4 * h2 * h2)
		return ut + u0*ux - nu*uxx + 0.1*uxt, ut
	}
	var bd, in, dt float64
	for i := range p.Boundary.X {
		e := u(p.Boundary.X[i], p.Boundary.T[i]) - p.Boundary.UBd[i]
		bd += e * e
		_, ut := resid(p.Boundary.X[i], p.Boundary.T[i])
		dt += ut * ut
	}
	for i := range p.Interior.X {
		r, ut := resid(p.Interior.X[i], p.Interior.T[i])
		in += r * r
		dt += ut * ut
	}
	want := []float64{5 * bd / 11, in / 29, 0.5 * dt / 40}
	names := m.TermNames()
	total := 0.0
	for i, w := range want {
		total += w
		if math.Abs(terms[i]-w) > 1e-6*math.Max(1e-3, math.Abs(w)) {
			t.Errorf("term %s = %.10g, from finite differences of Predict %.10g", names[i], terms[i], w)
		}
	}
	if math.Abs(loss-total) > 1e-6*total {
		t.Errorf("loss %.10g, sum of finite-difference terms %.10g", loss, total)
	}
}

// TestPINNGradientAgainstFiniteDifferences checks the true gradient of the PDE loss (the
// derivatives of the residual depend on the weights too) against central differences.
func TestPINNGradientAgainstFiniteDifferences(t *testing.T) {
	m, _ := pinnModel(t)
	p0 := append([]float64(nil), m.Params()...)
	m.LossGrad()
	got := append([]float64(nil), m.Grads()...)
	want := fd.Gradient(nil, func(p []float64) float64 {
		copy(m.Params(), p)
		return m.Loss()
	}, p0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range want {
		if d := math.Abs(got[i] - want[i]); d > 1e-6*math.Max(scale, 1e-3) {
			t.Errorf("param %d: gradient %.10g, finite differences %.10g", i, got[i], want[i])
		}
	}
}

// TestPINNDeterministicAndAllocationFree: the same loss and gradient bits every call, and
// no allocation per call once the workers are running.
func TestPINNDeterministicAndAllocationFree(t *testing.T) {
	m, _ := pinnModel(t)
	l1 := m.LossGrad()
	g1 := append([]float64(nil), m.Grads()...)
	for k := 0; k < 5; k++ {
		if l := m.LossGrad(); l != l1 {
			t.Fatalf("loss %v then %v", l1, l)
		}
		for i, g := range m.Grads() {
			if g != g1[i] {
				t.Fatalf("gradient %d: %v then %v", i, g1[i], g)
			}
		}
	}
	if a := testing.AllocsPerRun(20, func() { m.LossGrad() }); a != 0 {
		t.Errorf("LossGrad: %v allocations per call, want 0", a)
	}
}
