package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Accuracy promises of the activation kernels (both paths), against math.Tanh.
const (
	tanh32Abs = 5e-7
	tanh32Rel = 1e-6
	tanh64Rel = 1e-15
)

// tanhErr returns the absolute and relative error of got against math.Tanh(x).
func tanhErr(got, x float64) (abs, rel float64) {
	want := math.Tanh(x)
	if math.IsNaN(got) != math.IsNaN(want) {
		return math.Inf(1), math.Inf(1)
	}
	if math.IsNaN(got) {
		return 0, 0
	}
	abs = math.Abs(got - want)
	if want != 0 {
		rel = abs / math.Abs(want)
	} else if got != 0 {
		rel = math.Inf(1)
	}
	return abs, rel
}

// TestBiasTanh32Accuracy checks the float32 promise on a dense grid of
// [-10, 10] (step 5e-6, as runtime's Tanh32 test), with bias 0 and with a
// bias (the sum is rounded to float32 before tanh).
func TestBiasTanh32Accuracy(t *testing.T) {
	const N = 4000001
	src := make([]float32, N)
	for i := range src {
		src[i] = float32(i-N/2) * 5e-6
	}
	dst := make([]float32, N)
	paths(t, func(t testing.TB, path string) {
		for _, bias := range []float32{0, 0.37, -1.25} {
			BiasTanh32(dst, src, bias)
			worstAbs, worstRel, at := 0.0, 0.0, float32(0)
			for i, g := range dst {
				x := src[i] + bias
				a, r := tanhErr(float64(g), float64(x))
				if a > worstAbs {
					worstAbs, at = a, x
				}
				worstRel = math.Max(worstRel, r)
			}
			if worstAbs > tanh32Abs || worstRel > tanh32Rel {
				t.Errorf("%s bias %v: largest error %.3g absolute (at %v), %.3g relative; promised %g and %g",
					path, bias, worstAbs, at, worstRel, tanh32Abs, tanh32Rel)
			}
			t.Logf("%s bias %v: largest error %.3g absolute, %.3g relative", path, bias, worstAbs, worstRel)
		}
	})
}

// TestBiasTanh64Accuracy checks the float64 promise: a dense grid of
// [-25, 25], a fine grid around the branch point 0.625, and random values of
// every magnitude.
func TestBiasTanh64Accuracy(t *testing.T) {
	var src []float64
	for i := -2500000; i <= 2500000; i++ {
		src = append(src, float64(i)*1e-5)
	}
	for i := -100000; i <= 100000; i++ {
		src = append(src, 0.625+float64(i)*1e-9, -0.625+float64(i)*1e-9)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000000 {
		v := math.Ldexp(rng.Float64(), -rng.IntN(60)+6)
		if rng.IntN(2) == 0 {
			v = -v
		}
		src = append(src, v)
	}
	dst := make([]float64, len(src))
	paths(t, func(t testing.TB, path string) {
		for _, bias := range []float64{0, 0.3} {
			BiasTanh64(dst, src, bias)
			worst, at, ulps := 0.0, 0.0, 0.0
			for i, g := range dst {
				x := src[i] + bias
				_, r := tanhErr(g, x)
				if r > worst {
					worst, at = r, x
				}
				want := math.Tanh(x)
				if u := math.Abs(g-want) / ulp(want); u > ulps {
					ulps = u
				}
			}
			if worst > tanh64Rel {
				t.Errorf("%s bias %v: largest relative error %.3g at %v; promised %g", path, bias, worst, at, tanh64Rel)
			}
			t.Logf("%s bias %v: largest error %.3g relative, %.2f ulp of math.Tanh", path, bias, worst, ulps)
		}
	})
}

// ulp is the spacing of float64 at |v| (the smallest subnormal for 0).
func ulp(v float64) float64 {
	v = math.Abs(v)
	if v == 0 {
		return math.SmallestNonzeroFloat64
	}
	return math.Nextafter(v, math.Inf(1)) - v
}

func TestBiasTanhSpecial(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	in := []float64{nan, inf, -inf, 0, math.Copysign(0, -1), 1e-300, -1e-300, 5e-324, 20, -20, 1e300, -1e300, 7.9, -7.9, 8, -8, 22, -22, 30, -30}
	paths(t, func(t testing.TB, path string) {
		// Every element at every lane position, including the masked tail.
		for shift := 0; shift < 16; shift++ {
			s64 := make([]float64, shift+len(in))
			copy(s64[shift:], in)
			d64 := make([]float64, len(s64))
			BiasTanh64(d64, s64, 0)
			s32 := make([]float32, len(s64))
			for i, v := range s64 {
				s32[i] = float32(v)
			}
			d32 := make([]float32, len(s32))
			BiasTanh32(d32, s32, 0)
			for i, x := range in {
				g64, g32 := d64[shift+i], float64(d32[shift+i])
				x32 := float64(float32(x))
				want, want32 := math.Tanh(x), math.Tanh(x32)
				switch {
				case math.IsNaN(x):
					if !math.IsNaN(g64) || !math.IsNaN(g32) {
						t.Errorf("%s: tanh(NaN) = %v (f64), %v (f32); want NaN", path, g64, g32)
					}
					continue
				case math.IsInf(x, 0) || math.Abs(x) >= 20:
					if g64 != want || g32 != want32 {
						t.Errorf("%s: tanh(%v) = %v (f64), %v (f32); want %v", path, x, g64, g32, want)
					}
				case x == 0: // x + 0 is +0 even for x = -0
					if g64 != 0 || math.Signbit(g64) || g32 != 0 || math.Signbit(g32) {
						t.Errorf("%s: tanh(%v) = %v (f64), %v (f32); want the same zero", path, x, g64, g32)
					}
				}
				if _, r := tanhErr(g64, x); r > tanh64Rel {
					t.Errorf("%s: BiasTanh64 at %v = %v, want %v", path, x, g64, want)
				}
				if a, r := tanhErr(g32, x32); a > tanh32Abs || r > tanh32Rel {
					t.Errorf("%s: BiasTanh32 at %v = %v, want %v", path, x32, g32, want32)
				}
			}
		}
	})
}

// TestBiasTanhLengths runs every length 0..70 and 5300 (every tail of both
// vector widths), checking each element, that nothing past len(dst) is
// written and src is not, that a longer src is fine, that dst == src gives
// the same results, and that the paths agree within the tolerance.
func TestBiasTanhLengths(t *testing.T) {
	lengths := []int{5300}
	for n := 0; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	paths(t, func(t testing.TB, path string) {
		for _, n := range lengths {
			testLengths[float32](t, rng, path, n)
			testLengths[float64](t, rng, path, n)
		}
	})
}

func testLengths[T float](t testing.TB, rng *rand.Rand, path string, n int) {
	const pad = 20
	sentinel := T(-12345)
	src := make([]T, n+pad)
	for i := range src {
		src[i] = T(rng.Float64()*24 - 12)
	}
	orig := append([]T(nil), src...)
	dst := make([]T, n+pad)
	for i := range dst {
		dst[i] = sentinel
	}
	bias := T(rng.Float64() - 0.5)
	call := func(d, s []T) {
		switch d := any(d).(type) {
		case []float32:
			BiasTanh32(d, any(s).([]float32), float32(bias))
		case []float64:
			BiasTanh64(d, any(s).([]float64), float64(bias))
		}
	}
	call(dst[:n], src) // src longer than dst
	name := fmt.Sprintf("%s %T n=%d", path, bias, n)
	for i := range n {
		x := float64(src[i] + bias)
		a, r := tanhErr(float64(dst[i]), x)
		bad := r > tanh64Rel
		if _, ok := any(bias).(float32); ok {
			bad = a > tanh32Abs || r > tanh32Rel
		}
		if bad {
			t.Fatalf("%s: element %d: tanh(%v) = %v, want %v", name, i, x, dst[i], math.Tanh(x))
		}
	}
	for i := n; i < len(dst); i++ {
		if dst[i] != sentinel {
			t.Fatalf("%s: dst[%d] past the end was written", name, i)
		}
	}
	for i := range src {
		if src[i] != orig[i] {
			t.Fatalf("%s: src[%d] was written", name, i)
		}
	}
	// In place: the same results.
	alias := append([]T(nil), src[:n]...)
	call(alias, alias)
	for i := range n {
		if alias[i] != dst[i] {
			t.Fatalf("%s: in place, element %d = %v, out of place %v", name, i, alias[i], dst[i])
		}
	}
}

func TestBiasTanhAllocs(t *testing.T) {
	s32, d32 := make([]float32, 5300), make([]float32, 5300)
	s64, d64 := make([]float64, 5300), make([]float64, 5300)
	paths(t, func(t testing.TB, path string) {
		if a := testing.AllocsPerRun(20, func() {
			BiasTanh32(d32, s32, 0.5)
			BiasTanh64(d64, s64, 0.5)
			BiasTanh32(d32[:37], s32, 0.5)
			BiasTanh64(d64[:37], s64, 0.5)
			BiasTanh32(s32, s32, 0.5)
			BiasTanh64(s64, s64, 0.5)
		}); a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", path, a)
		}
	})
}

func TestBiasTanhShortSrc(t *testing.T) {
	for _, f := range []func(){
		func() { BiasTanh32(make([]float32, 5), make([]float32, 4), 0) },
		func() { BiasTanh64(make([]float64, 5), make([]float64, 4), 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("short src did not panic")
				}
			}()
			f()
		}()
	}
}

// BenchmarkBiasTanh reports ns per element for both dtypes and paths.
func BenchmarkBiasTanh(b *testing.B) {
	for _, dt := range []string{"f32", "f64"} {
		for _, path := range []string{"asm", "go"} {
			for _, n := range []int{128, 5300} {
				b.Run(fmt.Sprintf("%s/%s/%d", dt, path, n), func(b *testing.B) {
					if path == "asm" && !HasAsm() {
						b.Skip("no assembly kernels here")
					}
					saved := NoAsm
					NoAsm = path == "go"
					defer func() { NoAsm = saved }()
					rng := rand.New(rand.NewPCG(5, uint64(n)))
					if dt == "f32" {
						src, dst := make([]float32, n), make([]float32, n)
						for i := range src {
							src[i] = float32(rng.Float64()*6 - 3)
						}
						for b.Loop() {
							BiasTanh32(dst, src, 0.1)
						}
					} else {
						src, dst := make([]float64, n), make([]float64, n)
						for i := range src {
							src[i] = rng.Float64()*6 - 3
						}
						for b.Loop() {
							BiasTanh64(dst, src, 0.1)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
				})
			}
		}
	}
}

// BenchmarkActivations reports ns per element of every activation kernel, both dtypes and
// paths, on 5300 inputs in [-3, 3] (a PINN's point count).
func BenchmarkActivations(b *testing.B) {
	const n = 5300
	acts := []struct {
		name string
		f32  func(dst, src []float32, bias float32)
		f64  func(dst, src []float64, bias float64)
	}{
		{"tanh", BiasTanh32, BiasTanh64},
		{"sigmoid", BiasSigmoid32, BiasSigmoid64},
		{"relu", BiasRelu32, BiasRelu64},
		{"softplus", BiasSoftplus32, BiasSoftplus64},
		{"sin", BiasSin32, BiasSin64},
	}
	rng := rand.New(rand.NewPCG(9, 10))
	src64, dst64 := make([]float64, n), make([]float64, n)
	src32, dst32 := make([]float32, n), make([]float32, n)
	for i := range src64 {
		src64[i] = rng.Float64()*6 - 3
		src32[i] = float32(src64[i])
	}
	for _, a := range acts {
		for _, path := range []string{"asm", "go"} {
			for _, dt := range []string{"f32", "f64"} {
				b.Run(a.name+"/"+dt+"/"+path, func(b *testing.B) {
					if path == "asm" && !HasAsm() {
						b.Skip("no assembly kernels here")
					}
					saved := NoAsm
					NoAsm = path == "go"
					defer func() { NoAsm = saved }()
					for b.Loop() {
						if dt == "f32" {
							a.f32(dst32, src32, 0.1)
						} else {
							a.f64(dst64, src64, 0.1)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/elem")
				})
			}
		}
	}
}
