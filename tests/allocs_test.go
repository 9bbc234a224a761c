package tests

import (
	"testing"

	"github.com/mlc-go/mlc/generated/cancer"
	"github.com/mlc-go/mlc/generated/solarwind"
	mlrt "github.com/mlc-go/mlc/runtime"
)

// TestHotPathsAllocateNothing proves the promise of the generated code: after New, a
// forward pass, a loss, a loss with its gradient and an optimizer step allocate nothing.
func TestHotPathsAllocateNothing(t *testing.T) {
	m := cancer.New()
	rng := mlrt.NewRNG(1)
	m.Init(rng)
	const n = cancer.MaxBatch
	x, y := make([]cancer.T, 300*cancer.NumInputs), make([]cancer.T, 300)
	for i := range x {
		x[i] = cancer.T(rng.Float64() - 0.5)
	}
	pred := make([]cancer.T, 300)
	opt := cancer.NewOptimizer()
	opt.Step(m.Params(), m.Grads()) // Adam sizes nothing lazily, but warm up anyway
	cases := []struct {
		name string
		f    func()
	}{
		{"Predict 300 rows", func() { m.Predict(pred, x, 300) }},
		{"Predict 1 row", func() { m.Predict(pred, x, 1) }},
		{"Loss", func() { m.Loss(x, y, n, pred) }},
		{"LossGrad with dropout", func() { m.LossGrad(x, y, n, rng, pred) }},
		{"LossGrad without dropout", func() { m.LossGrad(x, y, n, nil, nil) }},
		{"Adam step", func() { opt.Step(m.Params(), m.Grads()) }},
	}
	for _, c := range cases {
		if a := testing.AllocsPerRun(50, c.f); a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", c.name, a)
		}
	}
	// The Conv1D autoencoder in float32: dropout masks from the vector stream, the flipped
	// kernel's input gradient, and a batch split between the workers.
	sw := solarwind.New()
	sw.Init(rng)
	win := convWindows(solarwind.MaxBatch)
	swPred := make([]solarwind.T, len(win))
	for name, f := range map[string]func(){
		"solarwind LossGrad with dropout": func() { sw.LossGrad(win, win, solarwind.MaxBatch, rng, nil) },
		"solarwind LossGrad of 37 rows":   func() { sw.LossGrad(win, win, 37, rng, nil) },
		"solarwind Predict":               func() { sw.Predict(swPred, win, solarwind.MaxBatch) },
	} {
		if a := testing.AllocsPerRun(10, f); a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, a)
		}
	}
	for name, mk := range float64Models() {
		m := mk()
		m.Init(rng)
		x, y := randomBatch(rng, m.MaxBatch(), m.NumInputs(), numTargets(m), true)
		if a := testing.AllocsPerRun(50, func() { m.LossGrad(x, y, m.MaxBatch(), rng, nil) }); a != 0 {
			t.Errorf("%s LossGrad: %v allocations per run, want 0", name, a)
		}
	}
}
