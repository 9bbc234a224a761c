package tests

import (
	"testing"

	"gonum.org/v1/gonum/optimize"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/tests/models/regress"
)

// TestLBFGSTrainsAGeneratedModel plugs a generated model into gonum's L-BFGS through
// mlrt.Problem: no adapter code, and the loss must fall well below where it started.
func TestLBFGSTrainsAGeneratedModel(t *testing.T) {
	m := regress.New()
	rng := mlrt.NewRNG(11)
	m.Init(rng)
	const rows = 100
	x := make([]float64, rows*regress.NumInputs)
	y := make([]float64, rows*regress.NumTargets)
	for i := 0; i < rows; i++ {
		a, b, c := 2*rng.Float64()-1, 2*rng.Float64()-1, 2*rng.Float64()-1
		copy(x[i*3:], []float64{a, b, c})
		y[i*2], y[i*2+1] = a*b+c, a-0.5*c*c
	}
	p := mlrt.Problem(m, x, y, rows)
	p0 := append([]float64(nil), m.Params()...)
	start := p.Func(p0)
	res, err := optimize.Minimize(p, p0, &optimize.Settings{MajorIterations: 200}, &optimize.LBFGS{})
	if err != nil {
		t.Logf("L-BFGS stopped: %v", err)
	}
	t.Logf("loss %.4g -> %.4g in %d iterations (%v)", start, res.F, res.Stats.MajorIterations, res.Status)
	if !(res.F < 0.2*start) {
		t.Errorf("L-BFGS left the loss at %.4g from %.4g", res.F, start)
	}
}
