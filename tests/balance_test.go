package tests

import (
	"io"
	"math"
	"math/rand/v2"
	"testing"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/tests/models/pinnbal"
)

// pinnBalModel is pinnModel's PINN with balanced loss terms, on the same kind of points.
func pinnBalModel(t *testing.T) *pinnbal.Model {
	m := pinnbal.New()
	t.Cleanup(m.Close)
	m.Init(mlrt.NewRNG(5))
	rng := rand.New(rand.NewPCG(1, 2))
	p := &pinnbal.Points{}
	c := smallPINNPoints(rng)
	p.Boundary.X, p.Boundary.T, p.Boundary.UBd, p.Interior.X, p.Interior.T = c[0], c[1], c[2], c[3], c[4]
	if err := m.SetPoints(p); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBalancedLoss: with balance = grad_norm the loss is Σ weight_i·term_i, the gradient
// with respect to weight i is term i, and the network's gradient is the weighted sum of
// the terms' gradients (each from a LossGrad with that weight alone at 1).
func TestBalancedLoss(t *testing.T) {
	m := pinnBalModel(t)
	cfg := pinnbal.FitConfig()
	offs := cfg.Balance.Weights
	if len(offs) != 3 || cfg.Balance.Every != 2 || cfg.Balance.Alpha != 0.5 {
		t.Fatalf("FitConfig().Balance = %+v, want 3 weights, every 2, alpha 0.5", cfg.Balance)
	}
	w := []float64{2, 3, 0.5}
	for i, o := range offs {
		m.Params()[o] = w[i]
	}
	loss := m.LossGrad()
	terms := append([]float64(nil), m.Terms()...)
	grads := append([]float64(nil), m.Grads()...)
	want := 0.0
	for i, tv := range terms {
		want += w[i] * tv
		if g := grads[offs[i]]; math.Abs(g-tv) > 1e-12*math.Abs(tv) {
			t.Errorf("d loss / d %s = %v, want the term %v", m.CoefficientNames()[i], g, tv)
		}
	}
	if math.Abs(loss-want) > 1e-12*math.Abs(want) {
		t.Errorf("loss %v, want Σ weight·term = %v", loss, want)
	}
	sum := make([]float64, len(grads))
	for i := range offs {
		for j, o := range offs {
			m.Params()[o] = 0
			if j == i {
				m.Params()[o] = 1
			}
		}
		m.LossGrad()
		for k, g := range m.Grads() {
			sum[k] += w[i] * g
		}
	}
	for k := range grads {
		if isWeight(offs, k) {
			continue
		}
		if math.Abs(sum[k]-grads[k]) > 1e-10*(1+math.Abs(grads[k])) {
			t.Fatalf("gradient %d: %v, want Σ weight·∇term = %v", k, grads[k], sum[k])
		}
	}
}

func isWeight(offs []int, k int) bool {
	for _, o := range offs {
		if o == k {
			return true
		}
	}
	return false
}

// TestBalanceUpdate: the first step of a fit sets weight i to α·1 + (1−α)·Σ‖∇L_j‖/‖∇L_i‖,
// and no optimizer moves the weights between updates (nor at all with every = 0).
func TestBalanceUpdate(t *testing.T) {
	m := pinnBalModel(t)
	cfg := pinnbal.FitConfig()
	offs := cfg.Balance.Weights
	var norms []float64
	total := 0.0
	for i := range offs {
		for j, o := range offs {
			m.Params()[o] = 0
			if j == i {
				m.Params()[o] = 1
			}
		}
		m.LossGrad()
		s := 0.0
		for k, g := range m.Grads() {
			if !isWeight(offs, k) {
				s += g * g
			}
		}
		norms = append(norms, math.Sqrt(s))
		total += math.Sqrt(s)
	}
	for _, o := range offs {
		m.Params()[o] = 1
	}
	cfg.Stages = []mlrt.Stage{{Optimizer: "adam", Steps: 1, LR: 1e-3}}
	cfg.Out, cfg.Quiet = io.Discard, true
	if _, err := mlrt.Fit(m, cfg); err != nil {
		t.Fatal(err)
	}
	for i, o := range offs {
		want := 0.5 + 0.5*total/norms[i]
		if got := m.Params()[o]; math.Abs(got-want) > 1e-12*want {
			t.Errorf("%s = %v after the first step, want %v", m.CoefficientNames()[i], got, want)
		}
	}
	// With every = 0 neither Adam nor L-BFGS moves them.
	for _, o := range offs {
		m.Params()[o] = 1
	}
	cfg.Balance.Every = 0
	cfg.Stages = []mlrt.Stage{{Optimizer: "adam", Steps: 3, LR: 1e-2}, {Optimizer: "lbfgs", Steps: 5}}
	if _, err := mlrt.Fit(m, cfg); err != nil {
		t.Fatal(err)
	}
	for i, o := range offs {
		if got := m.Params()[o]; got != 1 {
			t.Errorf("every = 0: %s moved to %v", m.CoefficientNames()[i], got)
		}
	}
}
