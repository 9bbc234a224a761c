package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// paths runs f once per available path (portable Go, and assembly where the
// build and CPU have it) with NoAsm set accordingly.
func paths(t testing.TB, f func(t testing.TB, path string)) {
	saved := NoAsm
	defer func() { NoAsm = saved }()
	NoAsm = true
	f(t, "go")
	if !HasAsm() {
		t.Logf("assembly kernels not available here; tested the Go path only")
		return
	}
	NoAsm = false
	f(t, "asm")
}

type kind int

const (
	kNN kind = iota
	kTN
	kNT
)

func (k kind) String() string { return [...]string{"NN", "TN", "NT"}[k] }

// problem is one call: its operands as float64 (exactly representable in T)
// plus the layout. Padding columns (b ≥ n) of every matrix hold NaN, so a
// kernel that reads them produces NaN and one that writes them is caught.
type problem struct {
	k        kind
	M, K, n  int
	ld1, ld2 int // leading dimensions of the two batch-major operands
	ldo      int // leading dimension of the batch-major output (NN, TN)
	a, b     []float64
	out      []float64 // initial output (with NaN padding)
}

func newProblem(rng *rand.Rand, k kind, M, K, n, pad int, f32 bool) *problem {
	p := &problem{k: k, M: M, K: K, n: n, ld1: n + pad, ld2: n + pad, ldo: n + pad}
	if pad > 0 {
		p.ld2 += 1 // different leading dimensions for the two operands
	}
	val := func() float64 {
		v := rng.Float64()*2 - 1
		if f32 {
			v = float64(float32(v))
		}
		return v
	}
	mat := func(rows, ld int) []float64 {
		m := make([]float64, rows*ld)
		for i := range m {
			if i%ld < n {
				m[i] = val()
			} else {
				m[i] = math.NaN()
			}
		}
		return m
	}
	switch k {
	case kNN: // a = w [M][K], b = x [K][ld1]
		p.a = mat(M, K)
		p.b = mat(K, p.ld1)
		p.out = mat(M, p.ldo)
	case kTN: // a = w [M][K], b = g [M][ld1]
		p.a = mat(M, K)
		p.b = mat(M, p.ld1)
		p.out = mat(K, p.ldo)
	case kNT: // a = g [M][ld1], b = x [K][ld2]
		p.a = mat(M, p.ld1)
		p.b = mat(K, p.ld2)
		p.out = mat(M, K)
		p.out = append(p.out, math.NaN(), math.NaN()) // a guard after dw
	}
	return p
}

// ref returns the exact-ish result (float64, naive order) and, per element,
// the sum of |terms| including the previous output when acc.
func (p *problem) ref(acc bool) (res, mag []float64) {
	res = append([]float64(nil), p.out...)
	mag = make([]float64, len(res))
	set := func(i int, s, m float64, terms int) {
		if acc {
			s += p.out[i]
			m += math.Abs(p.out[i])
		}
		res[i], mag[i] = s, m*float64(terms+3)
	}
	switch p.k {
	case kNN:
		for j := 0; j < p.M; j++ {
			for b := 0; b < p.n; b++ {
				var s, m float64
				for k := 0; k < p.K; k++ {
					t := p.a[j*p.K+k] * p.b[k*p.ld1+b]
					s, m = s+t, m+math.Abs(t)
				}
				set(j*p.ldo+b, s, m, p.K)
			}
		}
	case kTN:
		for k := 0; k < p.K; k++ {
			for b := 0; b < p.n; b++ {
				var s, m float64
				for j := 0; j < p.M; j++ {
					t := p.a[j*p.K+k] * p.b[j*p.ld1+b]
					s, m = s+t, m+math.Abs(t)
				}
				set(k*p.ldo+b, s, m, p.M)
			}
		}
	case kNT:
		for j := 0; j < p.M; j++ {
			for k := 0; k < p.K; k++ {
				var s, m float64
				for b := 0; b < p.n; b++ {
					t := p.a[j*p.ld1+b] * p.b[k*p.ld2+b]
					s, m = s+t, m+math.Abs(t)
				}
				set(j*p.K+k, s, m, p.n)
			}
		}
	}
	return res, mag
}

func conv[T float](s []float64) []T {
	d := make([]T, len(s))
	for i, v := range s {
		d[i] = T(v)
	}
	return d
}

// run calls the kernel under test on copies converted to T and returns the output.
func run[T float](p *problem, acc bool) []float64 {
	a, b, out := conv[T](p.a), conv[T](p.b), conv[T](p.out)
	switch any(a).(type) {
	case []float32:
		a, b, o := any(a).([]float32), any(b).([]float32), any(out).([]float32)
		switch p.k {
		case kNN:
			GemmNN32(p.M, p.K, p.n, a, b, p.ld1, o, p.ldo, acc)
		case kTN:
			GemmTN32(p.M, p.K, p.n, a, b, p.ld1, o, p.ldo, acc)
		case kNT:
			GemmNT32(p.M, p.K, p.n, a, p.ld1, b, p.ld2, o, acc)
		}
	case []float64:
		a, b, o := any(a).([]float64), any(b).([]float64), any(out).([]float64)
		switch p.k {
		case kNN:
			GemmNN64(p.M, p.K, p.n, a, b, p.ld1, o, p.ldo, acc)
		case kTN:
			GemmTN64(p.M, p.K, p.n, a, b, p.ld1, o, p.ldo, acc)
		case kNT:
			GemmNT64(p.M, p.K, p.n, a, p.ld1, b, p.ld2, o, acc)
		}
	}
	res := make([]float64, len(out))
	for i, v := range out {
		res[i] = float64(v)
	}
	return res
}

// check compares one call with the reference; the tolerance is
// (terms+3)·ε·Σ|terms| (see the package comment), plus the rounding of the
// result to T.
func check[T float](t testing.TB, p *problem, acc bool, path string) bool {
	t.Helper()
	eps := 0x1p-53
	var z T
	if _, ok := any(z).(float32); ok {
		eps = 0x1p-24
	}
	got := run[T](p, acc)
	want, mag := p.ref(acc)
	for i := range got {
		g, w := got[i], want[i]
		if math.IsNaN(w) { // padding: must be untouched
			if !math.IsNaN(g) {
				t.Errorf("%s %T %v M=%d K=%d n=%d ld=%d/%d acc=%v: padding element %d overwritten with %g",
					path, z, p.k, p.M, p.K, p.n, p.ld1, p.ldo, acc, i, g)
				return false
			}
			continue
		}
		if d := math.Abs(g - w); !(d <= eps*(mag[i]+math.Abs(w))) {
			t.Errorf("%s %T %v M=%d K=%d n=%d ld=%d/%d acc=%v: element %d = %g, want %g (diff %g, tol %g)",
				path, z, p.k, p.M, p.K, p.n, p.ld1, p.ldo, acc, i, g, w, d, eps*(mag[i]+math.Abs(w)))
			return false
		}
	}
	return true
}

var testNs = func() []int {
	var ns []int
	for n := 0; n <= 40; n++ {
		ns = append(ns, n)
	}
	return append(ns, 47, 48, 63, 64, 65, 79, 80, 81, 95, 96, 97, 111, 112, 113, 127, 128, 129,
		143, 159, 160, 161, 175, 191, 192, 255, 256, 257, 300, 383, 385, 641, 1000)
}()

func TestKernelsSmall(t *testing.T) {
	dims := []int{1, 2, 3, 4, 5, 6, 7}
	ns := testNs
	if testing.Short() {
		ns = []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 64, 127, 129, 385}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	paths(t, func(t testing.TB, path string) {
		for _, k := range []kind{kNN, kTN, kNT} {
			for _, M := range dims {
				for _, K := range dims {
					for _, n := range ns {
						for _, pad := range []int{0, 5} {
							pf := newProblem(rng, k, M, K, n, pad, true)
							pd := newProblem(rng, k, M, K, n, pad, false)
							for _, acc := range []bool{false, true} {
								if !check[float32](t, pf, acc, path) || !check[float64](t, pd, acc, path) {
									return
								}
							}
						}
					}
				}
			}
		}
	})
}

func TestKernelsShapes(t *testing.T) {
	type shape struct{ M, K, n, pad int }
	shapes := []shape{
		{20, 20, 5300, 0}, {20, 20, 5300, 12}, {20, 2, 5300, 0}, {2, 20, 5300, 3}, {1, 20, 5300, 0},
		{20, 1, 5300, 0}, {20, 30, 32, 0}, {30, 20, 32, 0}, {12, 20, 32, 0}, {32, 32, 100, 28},
		{13, 11, 777, 1}, {8, 320, 240, 16}, {320, 8, 240, 0}, {9, 10, 3000, 0}, {30, 12, 5000, 7},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	paths(t, func(t testing.TB, path string) {
		for _, s := range shapes {
			for _, k := range []kind{kNN, kTN, kNT} {
				pf := newProblem(rng, k, s.M, s.K, s.n, s.pad, true)
				pd := newProblem(rng, k, s.M, s.K, s.n, s.pad, false)
				for _, acc := range []bool{false, true} {
					check[float32](t, pf, acc, path)
					check[float64](t, pd, acc, path)
				}
			}
		}
	})
}

// TestKernelsRandom covers mixed block partitions (M, K up to 45) with random
// sizes, leading dimensions and acc.
func TestKernelsRandom(t *testing.T) {
	cases := 150
	if testing.Short() {
		cases = 60
	}
	rng := rand.New(rand.NewPCG(7, 8))
	paths(t, func(t testing.TB, path string) {
		for i := 0; i < cases; i++ {
			M, K, n, pad := 1+rng.IntN(45), 1+rng.IntN(45), rng.IntN(700), rng.IntN(40)
			acc := rng.IntN(2) == 1
			for _, k := range []kind{kNN, kTN, kNT} {
				if !check[float32](t, newProblem(rng, k, M, K, n, pad, true), acc, path) ||
					!check[float64](t, newProblem(rng, k, M, K, n, pad, false), acc, path) {
					return
				}
			}
		}
	})
}

// TestPathsAgree compares the two paths with each other directly on the PINN shape.
func TestPathsAgree(t *testing.T) {
	if !HasAsm() {
		t.Skip("no assembly kernels here")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range []kind{kNN, kTN, kNT} {
		p := newProblem(rng, k, 20, 20, 5300, 0, true)
		saved := NoAsm
		NoAsm = true
		goRes := run[float32](p, true)
		NoAsm = false
		asmRes := run[float32](p, true)
		NoAsm = saved
		_, mag := p.ref(true)
		for i := range goRes {
			if d := math.Abs(goRes[i] - asmRes[i]); d > 2*0x1p-24*mag[i] {
				t.Fatalf("%v: element %d: go %g asm %g", k, i, goRes[i], asmRes[i])
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	const M, K, n = 20, 20, 5300
	w32, x32, o32 := make([]float32, M*K), make([]float32, K*n), make([]float32, M*n)
	w64, x64, o64 := make([]float64, M*K), make([]float64, K*n), make([]float64, M*n)
	paths(t, func(t testing.TB, path string) {
		for _, nn := range []int{n, 33, 0} {
			allocs := testing.AllocsPerRun(5, func() {
				GemmNN32(M, K, nn, w32, x32, n, o32, n, false)
				GemmTN32(M, K, nn, w32, o32, n, x32, n, true)
				GemmNT32(M, K, nn, o32, n, x32, n, w32, true)
				GemmNN64(M, K, nn, w64, x64, n, o64, n, false)
				GemmTN64(M, K, nn, w64, o64, n, x64, n, true)
				GemmNT64(M, K, nn, o64, n, x64, n, w64, true)
			})
			if allocs != 0 {
				t.Errorf("%s n=%d: %v allocations per run", path, nn, allocs)
			}
		}
	})
}

func TestBadArgsPanic(t *testing.T) {
	mustPanic := func(name string, f func()) {
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	w, x, o := make([]float32, 6), make([]float32, 30), make([]float32, 30)
	mustPanic("short w", func() { GemmNN32(2, 4, 10, w, x, 10, o, 10, false) })
	mustPanic("short x", func() { GemmNN32(2, 3, 11, w, x, 11, o, 11, false) })
	mustPanic("ld < n", func() { GemmNN32(2, 3, 10, w, x, 9, o, 10, false) })
	mustPanic("M = 0", func() { GemmTN32(0, 3, 10, w, x, 10, o, 10, false) })
	mustPanic("short dw", func() { GemmNT32(2, 4, 5, x, 5, x, 5, w, false) })
	mustPanic("n < 0", func() { GemmNT32(2, 3, -1, x, 5, x, 5, w, false) })
}

// ---------------------------------------------------------------------------
// Benchmarks

var benchShapes = []struct{ M, K, n int }{
	{20, 20, 5300}, {20, 2, 5300}, {1, 20, 5300}, {20, 30, 32}, {12, 20, 32},
}

// BenchmarkGemm reports GFLOP/s (2·M·K·n per call) for every kernel, dtype,
// path and shape. Inputs are random (distinct values in every accumulator
// chain); the output buffers are allocated and touched before timing.
func BenchmarkGemm(b *testing.B) {
	for _, k := range []kind{kNN, kTN, kNT} {
		for _, dt := range []string{"f32", "f64"} {
			for _, path := range []string{"asm", "go"} {
				for _, s := range benchShapes {
					name := fmt.Sprintf("%v/%s/%s/%dx%dx%d", k, dt, path, s.M, s.K, s.n)
					b.Run(name, func(b *testing.B) {
						if path == "asm" && !HasAsm() {
							b.Skip("no assembly kernels here")
						}
						saved := NoAsm
						NoAsm = path == "go"
						defer func() { NoAsm = saved }()
						if dt == "f32" {
							benchKernel[float32](b, k, s.M, s.K, s.n)
						} else {
							benchKernel[float64](b, k, s.M, s.K, s.n)
						}
					})
				}
			}
		}
	}
}

func benchKernel[T float](b *testing.B, k kind, M, K, n int) {
	rng := rand.New(rand.NewPCG(uint64(M), uint64(n)))
	fill := func(s []T) []T {
		for i := range s {
			s[i] = T(rng.Float64()*2 - 1)
		}
		return s
	}
	w := fill(make([]T, M*K))
	xm := fill(make([]T, max(M, K)*n))
	om := fill(make([]T, max(M, K)*n))
	call := func() {
		switch any(w).(type) {
		case []float32:
			w, x, o := any(w).([]float32), any(xm).([]float32), any(om).([]float32)
			switch k {
			case kNN:
				GemmNN32(M, K, n, w, x, n, o, n, false)
			case kTN:
				GemmTN32(M, K, n, w, x, n, o, n, false)
			case kNT:
				GemmNT32(M, K, n, x, n, o, n, w, false)
			}
		case []float64:
			w, x, o := any(w).([]float64), any(xm).([]float64), any(om).([]float64)
			switch k {
			case kNN:
				GemmNN64(M, K, n, w, x, n, o, n, false)
			case kTN:
				GemmTN64(M, K, n, w, x, n, o, n, false)
			case kNT:
				GemmNT64(M, K, n, x, n, o, n, w, false)
			}
		}
	}
	call()
	iters := 0
	for b.Loop() {
		call()
		iters++
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(2*float64(M)*float64(K)*float64(n)*float64(iters)/sec/1e9, "GFLOP/s")
}

// TestPeakGFLOPs: the FMA peak is a positive figure on the assembly path, 0 without it.
// (Its size depends on the machine; go run ./bench prints it.)
func TestPeakGFLOPs(t *testing.T) {
	for _, bits := range []int{32, 64} {
		p := PeakGFLOPs(bits)
		if HasAsm() != (p > 0) {
			t.Errorf("PeakGFLOPs(%d) = %v with HasAsm() = %v", bits, p, HasAsm())
		}
		t.Logf("float%d: %.0f GFLOP/s on one core", bits, p)
	}
}

// TestGemmNTSum: the sum over positions equals GemmNT per position, accumulated, for block
// shapes of every size class, column tails, and both element types, on both paths.
func TestGemmNTSum(t *testing.T) {
	for _, sz := range []struct{ M, K, n, npos int }{
		{1, 1, 1, 1}, {3, 30, 64, 240}, {8, 320, 64, 7}, {4, 80, 13, 5}, {6, 4, 17, 3}, {7, 9, 33, 4}, {20, 20, 128, 4},
	} {
		ld := sz.n + 3
		gstep, xstep := sz.M*ld, 2*ld // windows overlapping, as a conv layer's
		g := seq32(1+(sz.npos-1)*gstep+sz.M*ld, 0.37)
		x := seq32(1+(sz.npos-1)*xstep+sz.K*ld, 0.61)
		paths(t, func(t testing.TB, path string) {
			want := make([]float32, sz.M*sz.K)
			for p := range sz.npos {
				GemmNT32(sz.M, sz.K, sz.n, g[p*gstep:], ld, x[p*xstep:], ld, want, p > 0)
			}
			got := make([]float32, sz.M*sz.K)
			GemmNTSum32(sz.M, sz.K, sz.n, sz.npos, g, ld, gstep, x, ld, xstep, got, false)
			for i := range want {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%+v %s: dw[%d] = %v, per position %v", sz, path, i, got[i], want[i])
				}
			}
			g64, x64 := widen(g), widen(x)
			want64 := make([]float64, sz.M*sz.K)
			for p := range sz.npos {
				GemmNT64(sz.M, sz.K, sz.n, g64[p*gstep:], ld, x64[p*xstep:], ld, want64, p > 0)
			}
			got64 := append([]float64(nil), want64...) // acc: adds to what is there
			GemmNTSum64(sz.M, sz.K, sz.n, sz.npos, g64, ld, gstep, x64, ld, xstep, got64, true)
			for i := range want64 {
				if d := math.Abs(got64[i] - 2*want64[i]); d > 1e-10*(1+math.Abs(want64[i])) {
					t.Fatalf("%+v %s: float64 dw[%d] = %v, want %v", sz, path, i, got64[i], 2*want64[i])
				}
			}
		})
	}
}

func seq32(n int, step float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(math.Sin(float64(i) * step))
	}
	return v
}

func widen(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}
