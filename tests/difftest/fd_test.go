package difftest

import (
	"math"
	"testing"
)

// TestFiniteDifferencesJudge: the check of the interpreter's gradient against finite
// differences passes a right gradient, also of a loss with a large constant term, whose
// rounding over the step it allows for, and still fails a gradient 1 % off.
func TestFiniteDifferencesJudge(t *testing.T) {
	for _, c := range []struct {
		name     string
		constant float64
		off      float64 // relative error put into the gradient
		fails    bool
	}{
		{"right gradient", 0, 0, false},
		{"right gradient, constant term 1e8", 1e8, 0, false},
		{"gradient 1 % off", 0, 0.01, true},
		{"gradient 1 % off, constant term 1e3", 1e3, 0.01, true},
	} {
		p := []float64{0.3, -0.7, 1.1}
		loss := func(q []float64) float64 {
			return math.Sin(q[0])*q[1] + math.Exp(0.5*q[2]) + q[1]*q[1] + c.constant
		}
		grad := []float64{math.Cos(p[0]) * p[1], math.Sin(p[0]) + 2*p[1], 0.5 * math.Exp(0.5*p[2])}
		for i := range grad {
			grad[i] *= 1 + c.off
		}
		cs := &Case{M: &Model{}, Req: ModelRequest{Params: p}}
		cs.finiteDifferences("", loss, grad)
		if got := len(cs.Findings) > 0; got != c.fails {
			t.Errorf("%s: failed %v, want %v (%v)", c.name, got, c.fails, cs.Findings)
		}
	}
}
