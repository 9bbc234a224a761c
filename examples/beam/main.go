// Command beam trains a physics-informed network for the Euler–Bernoulli beam equation
// u_tt + u_xxxx = 0 (fourth order in x) on [0, 1]², simply supported (u = u_xx = 0 at both
// ends), released from u(x, 0) = sin πx at rest, and compares it with the exact solution
// sin(πx)·cos(π²t). beam.ml writes u as an output transform of the network that meets the
// initial and boundary conditions exactly; Predict returns u, not the raw network.
//
//	go run ./examples/beam [-seed N] [-json]
package main

import (
	"math"
	"math/rand/v2"

	"github.com/mlc-go/mlc/examples/internal/pinn"
	"github.com/mlc-go/mlc/generated/beam"
	"github.com/mlc-go/mlc/pde/sample"
)

func main() {
	m := beam.New()
	ex, et := pinn.Grid(0, 1, 101, 0, 1, 101)
	want := make([]float64, len(ex))
	for i := range ex {
		want[i] = math.Sin(math.Pi*ex[i]) * math.Cos(math.Pi*math.Pi*et[i])
	}
	got := make([]float64, len(ex))
	pinn.Main(pinn.Problem{
		Name:   "beam",
		Model:  m,
		Config: beam.FitConfig(),
		SetPoints: func(rng *rand.Rand) error {
			var p beam.Points
			in := sample.MultiJittered(rng, 3000, [2]float64{0, 0}, [2]float64{1, 1})
			p.Interior.X, p.Interior.T = pinn.Column(in, 0), pinn.Column(in, 1)
			return m.SetPoints(&p)
		},
		Errors: func() map[string]float64 {
			m.Predict(got, ex, et)
			return map[string]float64{"u": pinn.RelL2(got, want)}
		},
	})
}
