package tests

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlc-go/mlc/generated/burgers"
	"github.com/mlc-go/mlc/generated/burgers32"
	"github.com/mlc-go/mlc/pde/sample"
	mlrt "github.com/mlc-go/mlc/runtime"
)

// burgersPoints are the tutorial's 5300 points: 100 on each boundary, 5000 interior.
func burgersPoints() (bx, bt, bu, ix, it []float64) {
	for _, x := range sample.Linspace(-1, 1, 100) {
		bx, bt, bu = append(bx, x), append(bt, 0), append(bu, -math.Sin(math.Pi*x))
	}
	for _, side := range []float64{-1, 1} {
		for _, t := range sample.Linspace(0.01, 1, 100) {
			bx, bt, bu = append(bx, side), append(bt, t), append(bu, 0)
		}
	}
	for _, p := range sample.LatinHypercube(rand.New(rand.NewPCG(1, 2)), 5000, []float64{-1, 0}, []float64{1, 1}) {
		ix, it = append(ix, p[0]), append(it, p[1])
	}
	return
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// BenchmarkBurgersAdamF64 is one full-batch Adam step of the tutorial's PINN in float64:
// loss and true gradient over all 5300 points, then the update.
func BenchmarkBurgersAdamF64(b *testing.B) {
	m := burgers.New()
	defer m.Close()
	m.Init(mlrt.NewRNG(1))
	bx, bt, bu, ix, it := burgersPoints()
	if err := m.SetPoints(&burgers.Points{Boundary: burgers.BoundaryPoints{X: bx, T: bt, UBd: bu}, Interior: burgers.InteriorPoints{X: ix, T: it}}); err != nil {
		b.Fatal(err)
	}
	opt := mlrt.NewAdam[float64](burgers.NumParams)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.LossGrad()
		opt.Step(m.Params(), m.Grads())
	}
	reportGFLOPs(b, BurgersEval)
}

// BenchmarkBurgersAdamF32 is the same step in float32.
func BenchmarkBurgersAdamF32(b *testing.B) {
	m := burgers32.New()
	defer m.Close()
	m.Init(mlrt.NewRNG(1))
	bx, bt, bu, ix, it := burgersPoints()
	if err := m.SetPoints(&burgers32.Points{Boundary: burgers32.BoundaryPoints{X: f32(bx), T: f32(bt), UBd: f32(bu)}, Interior: burgers32.InteriorPoints{X: f32(ix), T: f32(it)}}); err != nil {
		b.Fatal(err)
	}
	opt := mlrt.NewAdam[float32](burgers32.NumParams)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.LossGrad()
		opt.Step(m.Params(), m.Grads())
	}
	reportGFLOPs(b, BurgersEval)
}

// BenchmarkBurgersLBFGSEval is one loss+gradient evaluation in float64, what L-BFGS calls.
func BenchmarkBurgersLBFGSEval(b *testing.B) {
	m := burgers.New()
	defer m.Close()
	m.Init(mlrt.NewRNG(1))
	bx, bt, bu, ix, it := burgersPoints()
	if err := m.SetPoints(&burgers.Points{Boundary: burgers.BoundaryPoints{X: bx, T: bt, UBd: bu}, Interior: burgers.InteriorPoints{X: ix, T: it}}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.LossGrad()
	}
	reportGFLOPs(b, BurgersEval)
}
