package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sigmoidUlps is the promise of BiasSigmoid32/64 against 1/(1 + math.Exp(−x)) rounded to
// the type (computed without overflow), in units in the last place of the result.
const sigmoidUlps = 4

// TestBiasSigmoidAccuracy checks both precisions on both paths: a dense grid over the
// range where the output is neither 0 nor 1, random magnitudes, and the tails where the
// output is tiny (relative accuracy is what the promise is about).
func TestBiasSigmoidAccuracy(t *testing.T) {
	src, src32 := expInputs(rand.New(rand.NewPCG(3, 4)))
	dst64, dst32 := make([]float64, len(src)), make([]float32, len(src))
	paths(t, func(t testing.TB, path string) {
		for _, bias := range []float64{0, -0.75} {
			BiasSigmoid64(dst64, src, bias)
			BiasSigmoid32(dst32, src32, float32(bias))
			worst64, worst32, at64, at32 := 0.0, 0.0, 0.0, float32(0)
			for i := range src {
				x := src[i] + bias
				want := sigmoidRef(x)
				if u := math.Abs(dst64[i]-want) / ulp(want); u > worst64 || math.IsNaN(u) {
					worst64, at64 = u, x
				}
				x32 := src32[i] + float32(bias)
				want32 := float32(1 / (1 + math.Exp(-float64(x32))))
				if u := math.Abs(float64(dst32[i]-want32)) / ulp32(want32); u > worst32 || math.IsNaN(u) {
					worst32, at32 = u, x32
				}
			}
			if !(worst64 <= sigmoidUlps) || !(worst32 <= sigmoidUlps) {
				t.Errorf("%s bias %v: largest error %.2f ulp (float64, at %v), %.2f ulp (float32, at %v); promised %d",
					path, bias, worst64, at64, worst32, at32, sigmoidUlps)
			}
			t.Logf("%s bias %v: largest error %.2f ulp (float64), %.2f ulp (float32)", path, bias, worst64, worst32)
		}
	})
}

// expInputs are the arguments the sigmoid and softplus tests share: [-120, 120] in steps of
// 1e-4, 200 000 random magnitudes 2⁻³⁰ … 2¹⁰ of either sign, and the edges of e^x in both
// precisions; then the same rounded to float32.
func expInputs(rng *rand.Rand) ([]float64, []float32) {
	var src []float64
	for i := -1200000; i <= 1200000; i++ {
		src = append(src, float64(i)*1e-4)
	}
	for range 200000 {
		v := math.Ldexp(rng.Float64(), -rng.IntN(40)+10)
		if rng.IntN(2) == 0 {
			v = -v
		}
		src = append(src, v)
	}
	src = append(src, -745, -740, -700, -200, -104, -103.9, -87.3, 36, 40, 700, 745, 800, 1e6)
	src32 := make([]float32, len(src))
	for i, v := range src {
		src32[i] = float32(v)
	}
	return src, src32
}

// sigmoidRef is the sigmoid without overflow: 1/(1 + e^−x) or e^x/(1 + e^x).
func sigmoidRef(x float64) float64 {
	if x < 0 {
		e := math.Exp(x)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(-x))
}

// ulp32 is the spacing of float32 at |v| (the smallest subnormal for 0).
func ulp32(v float32) float64 {
	a := float32(math.Abs(float64(v)))
	if a == 0 {
		return float64(math.SmallestNonzeroFloat32)
	}
	return float64(math.Nextafter32(a, float32(math.Inf(1))) - a)
}

func TestBiasSigmoidSpecial(t *testing.T) {
	in := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, 1e300, -1e300}
	want := []float64{math.NaN(), 1, 0, 0.5, 1, 0}
	paths(t, func(t testing.TB, path string) {
		d64 := make([]float64, len(in))
		BiasSigmoid64(d64, in, 0)
		in32 := make([]float32, len(in))
		for i, v := range in {
			in32[i] = float32(v)
		}
		d32 := make([]float32, len(in))
		BiasSigmoid32(d32, in32, 0)
		for i := range in {
			if w := want[i]; !(d64[i] == w || math.IsNaN(w) && math.IsNaN(d64[i])) ||
				!(float64(d32[i]) == w || math.IsNaN(w) && d32[i] != d32[i]) {
				t.Errorf("%s: sigmoid(%v) = %v (float64), %v (float32); want %v", path, in[i], d64[i], d32[i], w)
			}
		}
	})
}
