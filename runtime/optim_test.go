package runtime

import (
	"math"
	"testing"
)

// TestAdamTwoSteps checks Adam against two steps worked by hand with Keras' defaults
// (lr 1e-3, β1 0.9, β2 0.999, ε 1e-7), params (1, −2), gradients (0.5, −1) then (0.1, 0.2):
//
//	t=1: alpha = 1e-3·sqrt(0.001)/0.1 = 3.16227766e-4
//	     m = 0.1·g = (0.05, −0.1), v = 0.001·g² = (2.5e-4, 1e-3)
//	     p −= alpha·m/(sqrt(v)+ε) ≈ lr·sign(g)   → (0.99900000632, −1.99900000316)
//	t=2: alpha = 1e-3·sqrt(1−0.999²)/(1−0.9²) = 1e-3·sqrt(0.001999)/0.19 = 2.35316725e-4
//	     m = (0.05 + 0.1·(0.1−0.05), −0.1 + 0.1·(0.2+0.1)) = (0.055, −0.07)
//	     v = (2.5e-4 + 0.001·(0.01−2.5e-4), 1e-3 + 0.001·(0.04−1e-3)) = (2.5975e-4, 1.039e-3)
//	     p −= alpha·m/(sqrt(v)+ε)                → (0.99819697033, −1.99848897867)
func TestAdamTwoSteps(t *testing.T) {
	want := [][2]float64{
		{0.9990000063245154, -1.9990000031622677},
		{0.9981969703286983, -1.9984889786704665},
	}
	grads := [][]float64{{0.5, -1}, {0.1, 0.2}}

	p := []float64{1, -2}
	a := NewAdam[float64](2)
	for s, g := range grads {
		a.Step(p, g)
		for i := range p {
			if math.Abs(p[i]-want[s][i]) > 1e-15 {
				t.Errorf("float64 step %d: p[%d] = %.17g, want %.17g", s+1, i, p[i], want[s][i])
			}
		}
	}

	p32 := []float32{1, -2}
	a32 := NewAdam[float32](2)
	for s, g := range grads {
		a32.Step(p32, []float32{float32(g[0]), float32(g[1])})
		for i := range p32 {
			if math.Abs(float64(p32[i])-want[s][i]) > 2e-7 { // a few float32 ulps at 1–2
				t.Errorf("float32 step %d: p[%d] = %.9g, want %.9g", s+1, i, p32[i], want[s][i])
			}
		}
	}

	// Reset forgets the moments and the step count: the same two steps replay exactly.
	a.Reset()
	q := []float64{1, -2}
	for _, g := range grads {
		a.Step(q, g)
	}
	if q[0] != p[0] || q[1] != p[1] {
		t.Errorf("after Reset: %v, want %v", q, p)
	}
}

func TestAdamSizesLazily(t *testing.T) {
	a := NewAdam[float32](0)
	p := []float32{1, 2, 3}
	a.Step(p, []float32{1, 1, 1})
	if a.Len() != 3 {
		t.Errorf("Len = %d after a step on 3 params", a.Len())
	}
}

func TestSGD(t *testing.T) {
	s := NewSGD[float64](1)
	s.LR = 0.1
	p := []float64{1}
	s.Step(p, []float64{1})
	if math.Abs(p[0]-0.9) > 1e-15 {
		t.Errorf("plain SGD: p = %v, want 0.9", p[0])
	}

	// Keras momentum: v = 0.9·v − 0.1·g; p += v. With g = 1 twice: v = −0.1 then −0.19.
	s = NewSGD[float64](1)
	s.LR, s.Momentum = 0.1, 0.9
	p = []float64{1}
	s.Step(p, []float64{1})
	s.Step(p, []float64{1})
	if math.Abs(p[0]-0.71) > 1e-15 {
		t.Errorf("momentum SGD: p = %v, want 0.71", p[0])
	}
	s.Reset()
	p = []float64{1}
	s.Step(p, []float64{1})
	if math.Abs(p[0]-0.9) > 1e-15 {
		t.Errorf("after Reset: p = %v, want 0.9", p[0])
	}
}

func TestOptimizerStepNoAllocs(t *testing.T) {
	const n = 1000
	p32, g32 := make([]float32, n), make([]float32, n)
	p64, g64 := make([]float64, n), make([]float64, n)
	for i := range g32 {
		g32[i], g64[i] = float32(i)/n-0.5, float64(i)/n-0.5
	}
	sgd := NewSGD[float32](n)
	sgd.Momentum = 0.9
	adam32, adam64 := NewAdam[float32](n), NewAdam[float64](n)
	sgd64 := NewSGD[float64](n)
	cases := []struct {
		name string
		f    func()
	}{
		{"Adam[float32]", func() { adam32.Step(p32, g32) }},
		{"Adam[float64]", func() { adam64.Step(p64, g64) }},
		{"SGD[float32] momentum", func() { sgd.Step(p32, g32) }},
		{"SGD[float64]", func() { sgd64.Step(p64, g64) }},
	}
	for _, c := range cases {
		if a := testing.AllocsPerRun(100, c.f); a != 0 {
			t.Errorf("%s.Step allocates %v times", c.name, a)
		}
	}
}

func TestOptimizerLengthMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Adam.Step with 2 params and state for 3 did not panic")
		}
	}()
	NewAdam[float64](3).Step([]float64{1, 2}, []float64{1, 2})
}

var _ Optimizer[float32] = (*Adam[float32])(nil)
var _ Optimizer[float64] = (*SGD[float64])(nil)

// TestRegularization: decoupled weight decay takes wd·lr·p off the decayed tensors before
// the update; clipnorm scales each tensor's gradient to the norm, global_clipnorm the whole;
// neither allocates.
func TestRegularization(t *testing.T) {
	// SGD with lr 0.1, wd 0.5 on the first tensor: p = 2 → 2 − 0.05·2 − 0.1·g.
	s := NewSGD[float64](3)
	s.LR = 0.1
	s.WeightDecay, s.Decayed = 0.5, []Span{{0, 1}}
	p := []float64{2, 2, 2}
	s.Step(p, []float64{1, 1, 1})
	if want := []float64{2 - 0.1 - 0.1, 1.9, 1.9}; math.Abs(p[0]-want[0]) > 1e-15 || p[1] != want[1] || p[2] != want[2] {
		t.Errorf("weight decay: %v, want %v", p, want)
	}

	// clipnorm 1 on tensors [0,2) and [2,3): (3, 4) → (0.6, 0.8); 0.5 stays.
	s = NewSGD[float64](3)
	s.LR = 1
	s.ClipNorm, s.Tensors = 1, []Span{{0, 2}, {2, 1}}
	p = []float64{0, 0, 0}
	g := []float64{3, 4, 0.5}
	s.Step(p, g)
	if want := []float64{-0.6, -0.8, -0.5}; math.Abs(p[0]-want[0]) > 1e-15 || math.Abs(p[1]-want[1]) > 1e-15 || p[2] != want[2] {
		t.Errorf("clipnorm: %v, want %v", p, want)
	}

	// global_clipnorm 2.6 on (3, 4, 0) (norm 5): scaled by 0.52.
	a := NewSGD[float64](3)
	a.LR, a.GlobalClipNorm = 1, 2.6
	p = []float64{0, 0, 0}
	a.Step(p, []float64{3, 4, 0})
	if math.Abs(p[0]+1.56) > 1e-15 || math.Abs(p[1]+2.08) > 1e-15 {
		t.Errorf("global_clipnorm: %v, want [-1.56 -2.08 0]", p)
	}

	adam := NewAdam[float32](1000)
	adam.WeightDecay, adam.Decayed = 0.01, []Span{{0, 500}}
	adam.ClipNorm, adam.Tensors = 1, []Span{{0, 500}, {500, 500}}
	p32, g32 := make([]float32, 1000), make([]float32, 1000)
	for i := range g32 {
		g32[i] = float32(i)/1000 - 0.5
	}
	if n := testing.AllocsPerRun(100, func() { adam.Step(p32, g32) }); n != 0 {
		t.Errorf("Adam with decay and clipping allocates %v times a step", n)
	}
	if got := L2([]float64{1, 2}, nil, 0, 0.5); got != 2.5 {
		t.Errorf("L2 = %v, want 0.5·(1+4) = 2.5", got)
	}
	grads := []float64{0, 0, 1, 1}
	L2([]float64{1, 2}, grads, 2, 0.5)
	if grads[2] != 2 || grads[3] != 3 {
		t.Errorf("L2 gradient: %v, want [0 0 2 3]", grads)
	}
}

// wrapped is an optimizer of the user's: Step only. Train takes it (Reset is not needed).
type wrapped struct{ inner *SGD[float64] }

func (w wrapped) Step(p, g []float64) { w.inner.Step(p, g) }

var _ Optimizer[float64] = wrapped{}
