// Command kovasznay trains one network for the three fields of Kovasznay flow (steady
// Navier–Stokes at Re = 20) and compares them with the exact solution
//
//	u = 1 − e^{λx}·cos 2πy,  v = λ/(2π)·e^{λx}·sin 2πy,  p = ½(1 − e^{2λx}),  λ = Re/2 − √(Re²/4 + 4π²).
//
// kovasznay.ml names the network's three outputs u, v, p and writes the momentum and
// continuity residuals with them.
//
//	go run ./examples/kovasznay [-seed N] [-json]
package main

import (
	"math"
	"math/rand/v2"

	"github.com/mlc-go/mlc/examples/internal/pinn"
	"github.com/mlc-go/mlc/generated/kovasznay"
	"github.com/mlc-go/mlc/pde/sample"
)

const re = 20

var lambda = re/2.0 - math.Sqrt(re*re/4.0+4*math.Pi*math.Pi)

func exact(x, y float64) (u, v, p float64) {
	e := math.Exp(lambda * x)
	return 1 - e*math.Cos(2*math.Pi*y), lambda / (2 * math.Pi) * e * math.Sin(2*math.Pi*y), 0.5 * (1 - e*e)
}

// The domain.
const x0, x1, y0, y1 = -0.5, 1.0, -0.5, 1.5

func main() {
	m := kovasznay.New()
	ex, ey := pinn.Grid(x0, x1, 101, y0, y1, 101)
	var wu, wv, wp []float64
	for i := range ex {
		u, v, p := exact(ex[i], ey[i])
		wu, wv, wp = append(wu, u), append(wv, v), append(wp, p)
	}
	got := make([]float64, 3*len(ex))
	pinn.Main(pinn.Problem{
		Name:   "kovasznay",
		Model:  m,
		Config: kovasznay.FitConfig(),
		SetPoints: func(rng *rand.Rand) error {
			var pts kovasznay.Points
			b := &pts.Boundary
			edge := func(x, y float64) {
				u, v, _ := exact(x, y)
				b.X, b.Y, b.UB, b.VB = append(b.X, x), append(b.Y, y), append(b.UB, u), append(b.VB, v)
			}
			for _, s := range sample.Linspace(0, 1, 101) {
				edge(x0+(x1-x0)*s, y0) // bottom
				edge(x0+(x1-x0)*s, y1) // top
				edge(x0, y0+(y1-y0)*s) // inlet
				edge(x1, y0+(y1-y0)*s) // outlet
				_, _, p := exact(x1, y0+(y1-y0)*s)
				pts.Outlet.X, pts.Outlet.Y, pts.Outlet.PB = append(pts.Outlet.X, x1), append(pts.Outlet.Y, y0+(y1-y0)*s), append(pts.Outlet.PB, p)
			}
			in := sample.MultiJittered(rng, 2500, [2]float64{x0, y0}, [2]float64{x1, y1})
			pts.Interior.X, pts.Interior.Y = pinn.Column(in, 0), pinn.Column(in, 1)
			return m.SetPoints(&pts)
		},
		Errors: func() map[string]float64 {
			m.Predict(got, ex, ey)
			f := pinn.Unzip(got, 3)
			return map[string]float64{"u": pinn.RelL2(f[0], wu), "v": pinn.RelL2(f[1], wv), "p": pinn.RelL2(f[2], wp)}
		},
	})
}
