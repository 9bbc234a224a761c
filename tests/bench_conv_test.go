package tests

import (
	"math"
	"testing"

	"github.com/mlc-go/mlc/generated/solarwind"
	mlrt "github.com/mlc-go/mlc/runtime"
)

// convWindows makes n windows of a smooth 3-component signal with noise, [240][3] each.
func convWindows(n int) []float32 {
	rng := mlrt.NewRNG(3)
	x := make([]float32, n*solarwind.NumInputs)
	for w := 0; w < n; w++ {
		for t := 0; t < 240; t++ {
			for c := 0; c < 3; c++ {
				x[(w*240+t)*3+c] = float32(math.Sin(float64(w+t)/30+float64(c)) + 0.1*rng.Normal())
			}
		}
	}
	return x
}

// BenchmarkConvAETrainBatch is one training step of the tutorial's Conv1D autoencoder on a
// batch of 128 windows of 240 × 3: forward with dropout, loss, gradient, Adam.
func BenchmarkConvAETrainBatch(b *testing.B) {
	m := solarwind.New()
	rng := mlrt.NewRNG(1)
	m.Init(rng)
	x := convWindows(solarwind.MaxBatch)
	opt := solarwind.NewOptimizer()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.LossGrad(x, x, solarwind.MaxBatch, rng, nil)
		opt.Step(m.Params(), m.Grads())
	}
	reportGFLOPs(b, ConvAETrainBatch)
}

// BenchmarkConvAEPredict is inference over 4096 windows.
func BenchmarkConvAEPredict(b *testing.B) {
	m := solarwind.New()
	m.Init(mlrt.NewRNG(1))
	const n = 4096
	x := convWindows(n)
	dst := make([]float32, len(x))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Predict(dst, x, n)
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "windows/s")
	reportGFLOPs(b, n*ConvAEFwdWindow)
}
