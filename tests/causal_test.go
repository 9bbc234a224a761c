package tests

import (
	"io"
	"math"
	"math/rand/v2"
	"testing"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/tests/models/causal"
)

// TestCausalWeights: after CausalWeights the interior term is the mean of w·r², w the
// weight of each point's time chunk, exp(−ε·Σ of the earlier chunks' mean r²), computed
// here from Residuals; the initial term is untouched.
func TestCausalWeights(t *testing.T) {
	m := causal.New()
	t.Cleanup(m.Close)
	m.Init(mlrt.NewRNG(4))
	p, err := causal.MakePoints(rand.New(rand.NewPCG(3, 4)), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetPoints(p); err != nil {
		t.Fatal(err)
	}
	m.Loss()
	before := append([]float64(nil), m.Terms()...)
	chunk := make([]float64, 4)
	if err := m.CausalWeights(4, 2, chunk); err != nil {
		t.Fatal(err)
	}
	m.Loss()
	after := m.Terms()
	res := make([]float64, len(p.Interior.X))
	m.Residuals(res, p.Interior.X, p.Interior.T)
	sum, n := make([]float64, 4), make([]float64, 4)
	of := func(tt float64) int { return min(int(tt/2*4), 3) }
	for i, tt := range p.Interior.T {
		sum[of(tt)] += res[i] * res[i]
		n[of(tt)]++
	}
	w, acc := make([]float64, 4), 0.0
	for c := range w {
		w[c] = math.Exp(-2 * acc)
		acc += sum[c] / n[c]
		if math.Abs(chunk[c]-w[c]) > 1e-12 {
			t.Errorf("chunk %d weighs %v, want %v", c, chunk[c], w[c])
		}
	}
	want := 0.0
	for i, tt := range p.Interior.T {
		want += w[of(tt)] * res[i] * res[i]
	}
	want /= float64(len(res))
	if math.Abs(after[1]-want) > 1e-10*want {
		t.Errorf("interior term %v after CausalWeights, want the mean of w·r² %v", after[1], want)
	}
	if after[0] != before[0] {
		t.Errorf("the initial term changed: %v -> %v", before[0], after[0])
	}
	if !(w[3] < w[0]) {
		t.Errorf("the last chunk weighs %v, the first %v: later chunks should weigh less", w[3], w[0])
	}
}

// TestFitCausal: a fit updates the weights (the history keeps the chunks' last weights).
func TestFitCausal(t *testing.T) {
	m := causal.New()
	t.Cleanup(m.Close)
	m.Init(mlrt.NewRNG(4))
	p, _ := causal.MakePoints(rand.New(rand.NewPCG(3, 4)), "")
	if err := m.SetPoints(p); err != nil {
		t.Fatal(err)
	}
	cfg := causal.FitConfig()
	cfg.Out, cfg.Quiet = io.Discard, true
	h, err := mlrt.Fit(m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.CausalWeights) != 4 || h.CausalWeights[0] != 1 || !(h.CausalWeights[3] < 1) {
		t.Errorf("causal weights in the history: %v, want 4, the first 1, the last below", h.CausalWeights)
	}
}

// TestCausalLBFGSPlainLoss: an L-BFGS stage after Adam runs on the plain loss, every
// causal weight 1, while the history keeps the weights of the last Adam update.
func TestCausalLBFGSPlainLoss(t *testing.T) {
	m := causal.New()
	t.Cleanup(m.Close)
	m.Init(mlrt.NewRNG(4))
	p, _ := causal.MakePoints(rand.New(rand.NewPCG(3, 4)), "")
	if err := m.SetPoints(p); err != nil {
		t.Fatal(err)
	}
	cfg := causal.FitConfig()
	cfg.Out, cfg.Quiet = io.Discard, true
	cfg.Stages = append(cfg.Stages, mlrt.Stage{Optimizer: "lbfgs", Steps: 3})
	h, err := mlrt.Fit(m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !(h.CausalWeights[3] < 1) {
		t.Errorf("history's causal weights %v: want the last Adam update's", h.CausalWeights)
	}
	m.Loss()
	res := make([]float64, len(p.Interior.X))
	m.Residuals(res, p.Interior.X, p.Interior.T)
	want := 0.0
	for _, r := range res {
		want += r * r
	}
	want /= float64(len(res))
	if got := m.Terms()[1]; math.Abs(got-want) > 1e-10*want {
		t.Errorf("interior term after L-BFGS %v, want the plain mean r² %v", got, want)
	}
}
