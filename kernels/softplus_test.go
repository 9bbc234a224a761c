package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// softplusUlps is the promise of BiasSoftplus32/64 against Softplus64 (float64) and
// Softplus32 (float32), in units in the last place of the result (4 measured).
const softplusUlps = 6

// TestBiasSoftplusAccuracy checks both precisions on both paths over a dense grid, random
// magnitudes and the tails, where the output is e^x-small (its relative accuracy is what
// the promise is about) or x plus a tiny correction.
func TestBiasSoftplusAccuracy(t *testing.T) {
	src, src32 := expInputs(rand.New(rand.NewPCG(5, 6)))
	dst64, dst32 := make([]float64, len(src)), make([]float32, len(src))
	paths(t, func(t testing.TB, path string) {
		for _, bias := range []float64{0, -0.75} {
			BiasSoftplus64(dst64, src, bias)
			BiasSoftplus32(dst32, src32, float32(bias))
			worst64, worst32, at64, at32 := 0.0, 0.0, 0.0, float32(0)
			for i := range src {
				x := src[i] + bias
				want := Softplus64(x)
				if u := math.Abs(dst64[i]-want) / ulp(want); u > worst64 || math.IsNaN(u) {
					worst64, at64 = u, x
				}
				x32 := src32[i] + float32(bias)
				want32 := Softplus32(x32)
				if u := math.Abs(float64(dst32[i]-want32)) / ulp32(want32); u > worst32 || math.IsNaN(u) {
					worst32, at32 = u, x32
				}
			}
			if !(worst64 <= softplusUlps) || !(worst32 <= softplusUlps) {
				t.Errorf("%s bias %v: largest error %.2f ulp (float64, at %v), %.2f ulp (float32, at %v); promised %d",
					path, bias, worst64, at64, worst32, at32, softplusUlps)
			}
			t.Logf("%s bias %v: largest error %.2f ulp (float64), %.2f ulp (float32)", path, bias, worst64, worst32)
		}
	})
}

func TestBiasSoftplusSpecial(t *testing.T) {
	in := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, 1e300, -1e300}
	want := []float64{math.NaN(), math.Inf(1), 0, math.Ln2, 1e300, 0}
	paths(t, func(t testing.TB, path string) {
		d64 := make([]float64, len(in))
		BiasSoftplus64(d64, in, 0)
		in32 := make([]float32, len(in))
		for i, v := range in {
			in32[i] = float32(v)
		}
		d32 := make([]float32, len(in))
		BiasSoftplus32(d32, in32, 0)
		for i := range in {
			w, w32 := want[i], float64(float32(want[i]))
			near := func(got, want, ulp float64) bool { return got == want || math.Abs(got-want) <= softplusUlps*ulp }
			if !(near(d64[i], w, ulp(w)) || math.IsNaN(w) && math.IsNaN(d64[i])) ||
				!(near(float64(d32[i]), w32, ulp32(float32(w32))) || math.IsNaN(w) && d32[i] != d32[i]) {
				t.Errorf("%s: softplus(%v) = %v (float64), %v (float32); want %v", path, in[i], d64[i], d32[i], w)
			}
		}
	})
}
