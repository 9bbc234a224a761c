// Command inverseheat recovers the unknown diffusivity k of the heat equation u_t = k·u_xx
// from noisy measurements: 1000 points of u = exp(−kπ²t)·sin(πx) with the true k = 0.1, and
// Gaussian noise of 1 % of the data's root-mean-square value. inverseheat.ml declares k with
// `param k = 0.5, positive`; training fits it with the network and reports it.
//
//	go run ./examples/inverseheat [-seed N] [-json]
package main

import (
	"math"
	"math/rand/v2"

	"github.com/mlc-go/mlc/examples/internal/pinn"
	"github.com/mlc-go/mlc/generated/inverseheat"
	"github.com/mlc-go/mlc/pde/sample"
)

// trueK is the diffusivity the measurements come from.
const trueK = 0.1

func exact(x, t float64) float64 { return math.Exp(-trueK*math.Pi*math.Pi*t) * math.Sin(math.Pi*x) }

func main() {
	m := inverseheat.New()
	ex, et := pinn.Grid(0, 1, 101, 0, 1, 101)
	want := make([]float64, len(ex))
	for i := range ex {
		want[i] = exact(ex[i], et[i])
	}
	got := make([]float64, len(ex))
	pinn.Main(pinn.Problem{
		Name:   "inverseheat",
		Model:  m,
		Config: inverseheat.FitConfig(),
		SetPoints: func(rng *rand.Rand) error {
			var p inverseheat.Points
			data := sample.LatinHypercube(rng, 1000, []float64{0, 0}, []float64{1, 1})
			p.Data.X, p.Data.T = pinn.Column(data, 0), pinn.Column(data, 1)
			rms := 0.0
			for i := range p.Data.X {
				u := exact(p.Data.X[i], p.Data.T[i])
				p.Data.UObs = append(p.Data.UObs, u)
				rms += u * u
			}
			rms = math.Sqrt(rms / float64(len(p.Data.X)))
			for i := range p.Data.UObs {
				p.Data.UObs[i] += 0.01 * rms * rng.NormFloat64()
			}
			in := sample.MultiJittered(rng, 2000, [2]float64{0, 0}, [2]float64{1, 1})
			p.Interior.X, p.Interior.T = pinn.Column(in, 0), pinn.Column(in, 1)
			return m.SetPoints(&p)
		},
		Errors: func() map[string]float64 {
			m.Predict(got, ex, et)
			return map[string]float64{"u": pinn.RelL2(got, want)}
		},
		TrueCoefficients: map[string]float64{"k": trueK},
	})
}
