package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sinWithin is the promise of BiasSin64 against math.Sin: 1e-15 relative, or 1e-16 absolute
// (near the zeros, where both sides' reductions leave a few 1e-17).
func sinWithin(got, want float64) bool {
	return math.Abs(got-want) <= math.Max(1e-15*math.Abs(want), 1e-16)
}

// TestBiasSinAccuracy checks both precisions on both paths: a dense grid over [-100, 100],
// random magnitudes up to 2³⁰ (past math.Sin's reduction threshold, which the assembly path
// hands back to math.Sin), and multiples of π/4 near the octant edges.
func TestBiasSinAccuracy(t *testing.T) {
	var src []float64
	for i := -1000000; i <= 1000000; i++ {
		src = append(src, float64(i)*1e-4)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200000 {
		v := math.Ldexp(rng.Float64(), -rng.IntN(60)+30)
		if rng.IntN(2) == 0 {
			v = -v
		}
		src = append(src, v)
	}
	for k := -4000; k <= 4000; k++ {
		v := float64(k) * math.Pi / 4
		src = append(src, v, math.Nextafter(v, 0), math.Nextafter(v, math.Inf(1)))
	}
	src = append(src, 1<<29, -(1 << 29), 1<<29-1, 1e10, -1e300, 5e-324)
	src32 := make([]float32, len(src))
	for i, v := range src {
		src32[i] = float32(v)
	}
	dst64, dst32 := make([]float64, len(src)), make([]float32, len(src))
	paths(t, func(t testing.TB, path string) {
		for _, bias := range []float64{0, 0.3} {
			BiasSin64(dst64, src, bias)
			BiasSin32(dst32, src32, float32(bias))
			bad64, bad32 := 0, 0
			for i := range src {
				x := src[i] + bias
				if want := math.Sin(x); !sinWithin(dst64[i], want) {
					if bad64++; bad64 <= 3 {
						t.Errorf("%s: sin(%v) = %v (float64), math.Sin %v", path, x, dst64[i], want)
					}
				}
				x32 := src32[i] + float32(bias)
				want32 := float64(float32(math.Sin(float64(x32))))
				// The float64 result is within the promise, so its rounding is within one
				// float32 ulp of math.Sin's (exact agreement but at rounding ties).
				if got := float64(dst32[i]); got != want32 && math.Abs(got-want32) > ulp32(float32(want32)) {
					if bad32++; bad32 <= 3 {
						t.Errorf("%s: sin(%v) = %v (float32), want %v", path, x32, got, want32)
					}
				}
			}
			if bad64+bad32 > 0 {
				t.Errorf("%s bias %v: %d float64 and %d float32 results off", path, bias, bad64, bad32)
			}
		}
	})
}

func TestBiasSinSpecial(t *testing.T) {
	in := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), math.Pi / 2}
	paths(t, func(t testing.TB, path string) {
		d64 := make([]float64, len(in))
		BiasSin64(d64, in, 0)
		in32 := make([]float32, len(in))
		for i, v := range in {
			in32[i] = float32(v)
		}
		d32 := make([]float32, len(in))
		BiasSin32(d32, in32, 0)
		for i, x := range in {
			w := math.Sin(x + 0) // the bias is added first: −0 + 0 = +0
			w32 := float32(math.Sin(float64(in32[i] + 0)))
			same := func(a, b float64) bool {
				return a == b && math.Signbit(a) == math.Signbit(b) || math.IsNaN(a) && math.IsNaN(b)
			}
			if !same(d64[i], w) || !same(float64(d32[i]), float64(w32)) {
				t.Errorf("%s: sin(%v) = %v (float64), %v (float32); want %v, %v", path, x, d64[i], d32[i], w, w32)
			}
		}
	})
}
