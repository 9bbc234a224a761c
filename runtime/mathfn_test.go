package runtime

import (
	"math"
	"testing"
)

// TestTanh32Accuracy pins the promise in Tanh32's comment over a dense grid.
func TestTanh32Accuracy(t *testing.T) {
	worstAbs, worstRel := 0.0, 0.0
	for i := -2000000; i <= 2000000; i++ {
		x := float32(i) * 5e-6
		got := float64(Tanh32(x))
		want := math.Tanh(float64(x))
		d := math.Abs(got - want)
		worstAbs = math.Max(worstAbs, d)
		if want != 0 {
			worstRel = math.Max(worstRel, d/math.Abs(want))
		}
	}
	if worstAbs > 5e-7 || worstRel > 1e-6 {
		t.Errorf("Tanh32: largest error %.3g absolute, %.3g relative; promised 5e-7 and 1e-6", worstAbs, worstRel)
	}
	t.Logf("Tanh32 on [-10, 10]: largest error %.3g absolute, %.3g relative", worstAbs, worstRel)
	for _, x := range []float32{0, 1e-30, -1e-30, 20, -20, float32(math.Inf(1)), float32(math.Inf(-1))} {
		if got, want := float64(Tanh32(x)), math.Tanh(float64(x)); math.Abs(got-want) > 1e-7 {
			t.Errorf("Tanh32(%v) = %v, want %v", x, got, want)
		}
	}
	if !math.IsNaN(float64(Tanh32(float32(math.NaN())))) {
		t.Error("Tanh32(NaN) is not NaN: a diverging run would go unnoticed")
	}
}

func BenchmarkTanh32(b *testing.B) {
	x := make([]float32, 1024)
	for i := range x {
		x[i] = float32(i-512) / 100
	}
	for i := 0; i < b.N; i++ {
		for j, v := range x {
			x[j] = Tanh32(v) + float32(j-512)/100 - Tanh32(v)
		}
	}
}
