// Command advection trains a physics-informed network for periodic advection,
// u_t + u_x = 0 on x ∈ [0, 2π] (periodic), t ∈ [0, 1], u(x, 0) = sin x, and compares it with
// the exact solution sin(x − t). The periodicity is exact: advection.ml declares x periodic,
// so the network sees x only through cos x and sin x.
//
//	go run ./examples/advection [-seed N] [-json]
package main

import (
	"math"
	"math/rand/v2"

	"github.com/mlc-go/mlc/examples/internal/pinn"
	"github.com/mlc-go/mlc/generated/advection"
	"github.com/mlc-go/mlc/pde/sample"
)

func main() {
	m := advection.New()
	// The error is measured on a 256 × 101 grid.
	ex, et := pinn.Grid(0, 2*math.Pi, 256, 0, 1, 101)
	want := make([]float64, len(ex))
	for i := range ex {
		want[i] = math.Sin(ex[i] - et[i])
	}
	got := make([]float64, len(ex))
	pinn.Main(pinn.Problem{
		Name:   "advection",
		Model:  m,
		Config: advection.FitConfig(),
		SetPoints: func(rng *rand.Rand) error {
			var p advection.Points
			for _, x := range sample.Linspace(0, 2*math.Pi, 200) {
				p.Initial.X = append(p.Initial.X, x)
				p.Initial.T = append(p.Initial.T, 0)
				p.Initial.U0 = append(p.Initial.U0, math.Sin(x))
			}
			in := sample.MultiJittered(rng, 4000, [2]float64{0, 0}, [2]float64{2 * math.Pi, 1})
			p.Interior.X, p.Interior.T = pinn.Column(in, 0), pinn.Column(in, 1)
			return m.SetPoints(&p)
		},
		Errors: func() map[string]float64 {
			m.Predict(got, ex, et)
			return map[string]float64{"u": pinn.RelL2(got, want)}
		},
	})
}
