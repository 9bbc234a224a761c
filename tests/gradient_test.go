package tests

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/tests/models/activations"
	"github.com/mlc-go/mlc/tests/models/bceclip"
	"github.com/mlc-go/mlc/tests/models/bcelogits"
	"github.com/mlc-go/mlc/tests/models/classes"
	"github.com/mlc-go/mlc/tests/models/conv"
	"github.com/mlc-go/mlc/tests/models/globalpool"
	"github.com/mlc-go/mlc/tests/models/multi"
	"github.com/mlc-go/mlc/tests/models/names"
	"github.com/mlc-go/mlc/tests/models/pools"
	"github.com/mlc-go/mlc/tests/models/probs"
	"github.com/mlc-go/mlc/tests/models/regress"
)

// float64Models are small generated models that together use every activation, loss and
// layer mlc has, and names generated code must rename: each is checked against finite
// differences.
func float64Models() map[string]func() mlrt.Model[float64] {
	return map[string]func() mlrt.Model[float64]{
		"activations": func() mlrt.Model[float64] { return activations.New() },
		"bcelogits":   func() mlrt.Model[float64] { return bcelogits.New() },
		"bceclip":     func() mlrt.Model[float64] { return bceclip.New() },
		"regress":     func() mlrt.Model[float64] { return regress.New() },
		"conv":        func() mlrt.Model[float64] { return conv.New() },
		"names":       func() mlrt.Model[float64] { return names.New() },   // model names that clash with generated code's
		"multi":       func() mlrt.Model[float64] { return multi.New() },   // several inputs and targets
		"classes":     func() mlrt.Model[float64] { return classes.New() }, // softmax, class labels, per-sample reductions
		"probs":       func() mlrt.Model[float64] { return probs.New() },   // categorical cross-entropy of probabilities
		"pools":       func() mlrt.Model[float64] { return pools.New() },   // max and average pooling, flatten
		"globalpool":  func() mlrt.Model[float64] { return globalpool.New() },
	}
}

// randomBatch draws inputs in [-1.5, 1.5] and targets in {0, 1} (binary losses) or
// [-1, 1]; all models here accept either, except a classifier of class labels, whose targets
// are drawn from its classes.
func randomBatch(rng *mlrt.RNG, n, nin, nout int, binary bool) (x, y []float64) {
	return randomRows(rng, n, nin, nout, binary, 0)
}

func randomRows(rng *mlrt.RNG, n, nin, nout int, binary bool, labels int) (x, y []float64) {
	x = make([]float64, n*nin)
	y = make([]float64, n*nout)
	for i := range x {
		x[i] = 3*rng.Float64() - 1.5
	}
	for i := range y {
		switch {
		case labels > 0:
			y[i] = float64(rng.IntN(labels))
		case binary:
			y[i] = float64(rng.IntN(2))
		default:
			y[i] = 2*rng.Float64() - 1
		}
	}
	return x, y
}

// labelClasses is the number of classes of a model whose target is a class label, else 0.
func labelClasses(m mlrt.Model[float64]) int {
	if numTargets(m) == 1 {
		return mlrt.Classes(m)
	}
	return 0
}

// TestGradientsAgainstFiniteDifferences compares LossGrad's gradient with central
// differences of the loss (gonum diff/fd, step 1e-6). With float64 the difference
// quotient is accurate to about h² ≈ 1e-12 times the third derivative plus rounding
// ε/h ≈ 1e-10 relative, so 1e-6 relative to the gradient's size leaves a wide margin
// while catching any wrong rule (those are off by O(1)). Dropout masks are held fixed
// by replaying the same RNG state for every evaluation.
func TestGradientsAgainstFiniteDifferences(t *testing.T) {
	for name, mk := range float64Models() {
		for _, seed := range []uint64{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/seed%d", name, seed), func(t *testing.T) {
				m := mk()
				rng := mlrt.NewRNG(seed)
				m.Init(rng)
				// Non-zero biases so every term of the gradient is exercised.
				for i := range m.Params() {
					m.Params()[i] += 0.1 * (rng.Float64() - 0.5)
				}
				n := min(5, m.MaxBatch())
				x, y := randomRows(rng, n, m.NumInputs(), numTargets(m), name != "regress" && name != "activations" && name != "conv" && name != "globalpool", labelClasses(m))
				drop := *mlrt.NewRNG(seed + 100)
				loss := func(p []float64) float64 {
					copy(m.Params(), p)
					r := drop
					return m.LossGrad(x, y, n, &r, nil)
				}
				p0 := append([]float64(nil), m.Params()...)
				r := drop
				m.LossGrad(x, y, n, &r, nil)
				got := append([]float64(nil), m.Grads()...)
				want := fd.Gradient(nil, loss, p0, &fd.Settings{Formula: fd.Central, Step: 1e-6})
				scale := 0.0
				for _, v := range want {
					scale = math.Max(scale, math.Abs(v))
				}
				for i := range want {
					if d := math.Abs(got[i] - want[i]); d > 1e-6*math.Max(scale, 1e-3) {
						t.Errorf("param %d: gradient %.10g, finite differences %.10g (|diff| %.3g, scale %.3g)", i, got[i], want[i], d, scale)
					}
				}
			})
		}
	}
}

// numTargets reads the target width from a model: LossGrad takes y with NumTargets
// values a row.
func numTargets(m mlrt.Model[float64]) int {
	return m.(interface{ NumTargets() int }).NumTargets()
}

// TestInferenceAgreesWithTraining checks that, with dropout off, the training pass, the
// inference loss and Predict compute the same outputs and loss.
func TestInferenceAgreesWithTraining(t *testing.T) {
	for name, mk := range float64Models() {
		t.Run(name, func(t *testing.T) {
			m := mk()
			rng := mlrt.NewRNG(7)
			m.Init(rng)
			n := m.MaxBatch()
			x, y := randomRows(rng, n, m.NumInputs(), numTargets(m), true, labelClasses(m))
			p1 := make([]float64, n*m.NumOutputs())
			p2 := make([]float64, n*m.NumOutputs())
			p3 := make([]float64, n*m.NumOutputs())
			l1 := m.LossGrad(x, y, n, nil, p1)
			l2 := m.Loss(x, y, n, p2)
			m.Predict(p3, x, n)
			if math.Abs(l1-l2) > 1e-14*math.Max(1, math.Abs(l1)) {
				t.Errorf("LossGrad without dropout gives %v, Loss gives %v", l1, l2)
			}
			for i := range p1 {
				if p1[i] != p2[i] || p2[i] != p3[i] {
					t.Fatalf("output %d: LossGrad %v, Loss %v, Predict %v", i, p1[i], p2[i], p3[i])
				}
			}
		})
	}
}
