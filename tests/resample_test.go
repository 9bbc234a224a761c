package tests

import (
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/tests/models/rad"
)

func radModel(t *testing.T) *rad.Model {
	m := rad.New()
	t.Cleanup(m.Close)
	m.Init(mlrt.NewRNG(3))
	p, err := rad.MakePoints(rand.New(rand.NewPCG(1, 2)), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetPoints(p); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestResidualsAgainstFiniteDifferences: Residuals gives r and q at any points, as central
// differences of Predict do.
func TestResidualsAgainstFiniteDifferences(t *testing.T) {
	m := radModel(t)
	rng := rand.New(rand.NewPCG(7, 8))
	var xs, ts []float64
	for range 21 { // three tiles, the last short
		xs = append(xs, 2*rng.Float64()-1)
		ts = append(ts, rng.Float64())
	}
	res := make([]float64, len(xs)*rad.NumResiduals)
	m.Residuals(res, xs, ts)
	u := func(x, tt float64) float64 {
		var d [1]float64
		m.Predict(d[:], []float64{x}, []float64{tt})
		return d[0]
	}
	const h1, h2 = 1e-5, 1e-3
	nu := 0.01 / math.Pi
	for i := range xs {
		x, tt := xs[i], ts[i]
		u0 := u(x, tt)
		ux := (u(x+h1, tt) - u(x-h1, tt)) / (2 * h1)
		ut := (u(x, tt+h1) - u(x, tt-h1)) / (2 * h1)
		uxx := (u(x+h2, tt) - 2*u0 + u(x-h2, tt)) / (h2 * h2)
		want := []float64{ut + u0*ux - nu*uxx, ux - tt}
		for j, w := range want {
			if got := res[i*rad.NumResiduals+j]; math.Abs(got-w) > 1e-6*(1+math.Abs(w)) {
				t.Errorf("point %d: residual %d = %v, finite differences %v", i, j, got, w)
			}
		}
	}
}

// TestResample: Resample keeps the boundary and the number of interior points, draws them
// inside the sample's domain, deterministically for a seed, and where the residuals are
// larger than at uniform points.
func TestResample(t *testing.T) {
	m := radModel(t)
	before, _ := rad.MakePoints(rand.New(rand.NewPCG(1, 2)), "")
	lossBefore := m.Loss()
	if err := m.Resample(rand.New(rand.NewPCG(5, 6)), 2, 0.5); err != nil {
		t.Fatal(err)
	}
	lossAfter := m.Loss()
	if m.Rows() != len(before.Boundary.X)+len(before.Interior.X) {
		t.Fatalf("%d points after Resample, want %d", m.Rows(), len(before.Boundary.X)+len(before.Interior.X))
	}
	if lossAfter <= lossBefore {
		t.Errorf("the loss went from %v to %v: the redrawn points should have larger residuals", lossBefore, lossAfter)
	}
	// The same draw again, through a second model: the same points.
	m2 := radModel(t)
	if err := m2.Resample(rand.New(rand.NewPCG(5, 6)), 2, 0.5); err != nil {
		t.Fatal(err)
	}
	if a, b := m.Loss(), m2.Loss(); a != b {
		t.Errorf("two Resamples with one seed give losses %v and %v", a, b)
	}
}

// TestRADSelect: distinct indices in order, the heavy candidates first when c = 0, and
// only c when every residual is zero.
func TestRADSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	res := make([]float64, 1000)
	for _, j := range []int{3, 500, 999} {
		res[j] = 10
	}
	idx := mlrt.RADSelect(rng, res, 1, 3, 1, 0)
	if !slices.Equal(idx, []int{3, 500, 999}) {
		t.Errorf("c = 0 picked %v, want the three non-zero residuals", idx)
	}
	idx = mlrt.RADSelect(rng, make([]float64, 2000), 2, 100, 1, 1)
	if len(idx) != 100 || !slices.IsSorted(idx) || len(slices.Compact(slices.Clone(idx))) != 100 {
		t.Errorf("uniform weights: %d indices, sorted %v", len(idx), slices.IsSorted(idx))
	}
}

// TestFitResamples: a fit with resample = rad every 2 steps redraws the points after steps
// 2, 4, 6 and 8 of 10 (not after a stage's last step), and -resample 0 (Every = 0) never.
func TestFitResamples(t *testing.T) {
	for _, every := range []int{2, 0} {
		m := radModel(t)
		cfg := rad.FitConfig()
		cfg.Out, cfg.Quiet, cfg.Resample.Seed = io.Discard, true, 1
		cfg.Resample.Every = every
		h, err := mlrt.Fit(m, cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if every > 0 {
			want = (10 - 1) / every
		}
		if h.Resamples != want {
			t.Errorf("every %d: %d resamples, want %d", every, h.Resamples, want)
		}
	}
}

// TestFitResamplesInLBFGS: an L-BFGS (or BFGS) stage of 7 iterations with resample every 3
// runs as segments of 3, 3 and 1 iterations on the points drawn after the one before (L-BFGS
// starting afresh, BFGS keeping its inverse Hessian), and counts its iterations across them.
func TestFitResamplesInLBFGS(t *testing.T) {
	for _, opt := range []string{"lbfgs", "bfgs"} {
		m := radModel(t)
		cfg := rad.FitConfig()
		cfg.Out, cfg.Quiet, cfg.Resample.Seed = io.Discard, true, 1
		cfg.Stages = []mlrt.Stage{{Optimizer: opt, Steps: 7}}
		cfg.Resample.Every = 3
		h, err := mlrt.Fit(m, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if h.Resamples != 2 || h.Steps != 7 || len(h.Stops) != 1 || h.Stops[0] != "7 iterations" {
			t.Errorf("%s: %d resamples, %d steps, stops %q; want 2, 7, [7 iterations]", opt, h.Resamples, h.Steps, h.Stops)
		}
		if math.Abs(h.FinalLoss-m.Loss()) > 1e-12*math.Abs(h.FinalLoss) {
			t.Errorf("%s: final loss %v, the model's loss at the end %v", opt, h.FinalLoss, m.Loss())
		}
	}
}
