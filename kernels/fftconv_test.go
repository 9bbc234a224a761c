package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// convDirect is the definition ConvFFT computes, in float64.
func convDirect[T float](in, w []T, L, cout, cin, k, ld, n int) []float64 {
	out := make([]float64, L*cout*ld)
	for l := 0; l < L; l++ {
		for o := 0; o < cout; o++ {
			for b := 0; b < n; b++ {
				var s float64
				for j := 0; j < k; j++ {
					for c := 0; c < cin; c++ {
						s += float64(w[o*k*cin+j*cin+c]) * float64(in[((l+j)*cin+c)*ld+b])
					}
				}
				out[(l*cout+o)*ld+b] = s
			}
		}
	}
	return out
}

// convShape is a ConvFFT test case: the layer, and how its input is read (ConvIn).
type convShape struct {
	N, L, cout, cin, k, ld, n int
	pad, len                  int // the input's leading zeros and rows (len 0: all of it)
	bias, relu                bool
}

// testConvFFT checks one shape on the current path: every output against the direct sum
// within the FFT's error bound, and the columns n ≤ b < ld of the output untouched.
func testConvFFT[T float](t testing.TB, s convShape) {
	t.Helper()
	N, L, cout, cin, k, ld, n := s.N, s.L, s.cout, s.cin, s.k, s.ld, s.n
	rng := rand.New(rand.NewPCG(uint64(N*1000+L), uint64(cout*100+cin*10+k+n)))
	lin := L + k - 1
	if s.len == 0 {
		s.len = lin - s.pad
	}
	rows := make([]T, s.len*cin*ld)
	for i := range rows {
		rows[i] = T(rng.NormFloat64())
	}
	var bias []T
	if s.bias {
		bias = make([]T, cin)
		for i := range bias {
			bias[i] = T(rng.NormFloat64())
		}
	}
	// in is the layer's input as ConvIn defines it, for the direct sum.
	in := make([]T, lin*cin*ld)
	for p := s.pad; p < s.pad+s.len; p++ {
		for c := 0; c < cin; c++ {
			for b := 0; b < ld; b++ {
				x := rows[((p-s.pad)*cin+c)*ld+b]
				if bias != nil {
					x += bias[c]
				}
				if s.relu {
					x = max(x, 0)
				}
				in[(p*cin+c)*ld+b] = x
			}
		}
	}
	w := make([]T, cout*k*cin)
	for i := range w {
		w[i] = T(rng.NormFloat64())
	}
	out := make([]T, L*cout*ld)
	for i := range out {
		out[i] = T(math.NaN())
	}
	var p *ConvFFT[T]
	var zero T
	switch any(zero).(type) {
	case float32:
		p = any(NewConvFFT32(N, k)).(*ConvFFT[T])
	default:
		p = any(NewConvFFT64(N, k)).(*ConvFFT[T])
	}
	bits := 8 * int(64/vecLen[T]())
	cache, scratch := make([]T, ConvFFTCache(N, k, cout, cin)), make([]T, ConvFFTScratch(N, cout, cin, bits))
	// Three calls on one cache: the weights, the same again (the cached coefficients), and
	// other weights, which must not find the first ones' coefficients.
	for call := 0; call < 3; call++ {
		if call == 2 {
			for i := range w {
				w[i] *= -0.5
			}
		}
		p.Conv(out, ConvIn[T]{Rows: rows, Pad: s.pad, Len: s.len, Bias: bias, Relu: s.relu}, w, L, cout, cin, ld, n, cache, scratch)
		checkConvFFT(t, s, out, in, w, eps(bits))
	}
}

func eps(bits int) float64 {
	if bits == 32 {
		return math.Pow(2, -23)
	}
	return math.Pow(2, -52)
}

// checkConvFFT compares out with the direct sum of in and w (bound as on testConvFFT).
func checkConvFFT[T float](t testing.TB, s convShape, out, in, w []T, eps float64) {
	t.Helper()
	checkConvFFTWith(t, s, out, in, w, eps, 0)
}

// checkConvFFTWith is checkConvFFT where each value of in may be off by inErr.
func checkConvFFTWith[T float](t testing.TB, s convShape, out, in, w []T, eps, inErr float64) {
	t.Helper()
	L, cout, cin, k, ld, n, N := s.L, s.cout, s.cin, s.k, s.ld, s.n, s.N
	want := convDirect(in, w, L, cout, cin, k, ld, n)
	// The FFT's error is relative to the size of the whole series: bound it by the
	// largest |w|·|x| sum of the output channel times log2(N) roundings, with room.
	var maxIn float64
	for _, x := range in {
		maxIn = max(maxIn, math.Abs(float64(x)))
	}
	worst := 0.0
	for l := 0; l < L; l++ {
		for o := 0; o < cout; o++ {
			var wsum float64
			for _, x := range w[o*k*cin : (o+1)*k*cin] {
				wsum += math.Abs(float64(x))
			}
			tol := 2*(math.Log2(float64(N))+2)*eps*wsum*maxIn + wsum*inErr
			for b := 0; b < ld; b++ {
				got := float64(out[(l*cout+o)*ld+b])
				if b >= n {
					if !math.IsNaN(got) {
						t.Fatalf("%+v: column %d of row (%d, %d) written", s, b, l, o)
					}
					continue
				}
				d := math.Abs(got - want[(l*cout+o)*ld+b])
				worst = max(worst, d/tol)
				if !(d <= tol) {
					t.Fatalf("%+v: out[%d][%d][%d] = %g, want %g (tolerance %.3g)", s, l, o, b, got, want[(l*cout+o)*ld+b], tol)
				}
			}
		}
	}
	t.Logf("%+v: worst error %.3f of the tolerance", s, worst)
}

// TestConvFFT checks ConvFFT against the direct sum on both paths, over transform lengths
// of even and odd log2, odd and even channel counts, a series that fills the transform,
// column counts that are not whole vectors, batches of several column blocks, and inputs
// read with padding, bias and ReLU.
func TestConvFFT(t *testing.T) {
	shapes := []convShape{
		{N: 4, L: 1, cout: 1, cin: 1, k: 4, ld: 16, n: 16},
		{N: 8, L: 5, cout: 2, cin: 3, k: 4, ld: 16, n: 7},
		{N: 16, L: 16, cout: 3, cin: 2, k: 1, ld: 32, n: 17},
		{N: 32, L: 30, cout: 5, cin: 4, k: 3, ld: 40, n: 33},
		{N: 64, L: 55, cout: 4, cin: 5, k: 10, ld: 100, n: 100},
		{N: 256, L: 240, cout: 8, cin: 32, k: 10, ld: 128, n: 128},
		{N: 256, L: 240, cout: 32, cin: 3, k: 10, ld: 144, n: 131},
		{N: 128, L: 119, cout: 3, cin: 8, k: 10, ld: 300, n: 290},
		{N: 256, L: 240, cout: 8, cin: 32, k: 10, ld: 128, n: 128, pad: 4, len: 240, bias: true, relu: true},
		{N: 32, L: 20, cout: 3, cin: 5, k: 4, ld: 48, n: 37, pad: 1, len: 20, bias: true},
		{N: 32, L: 20, cout: 2, cin: 3, k: 3, ld: 16, n: 16, pad: 0, len: 21, relu: true},
		{N: 16, L: 9, cout: 1, cin: 2, k: 5, ld: 16, n: 5, pad: 4, len: 9, bias: true, relu: true},
	}
	paths(t, func(t testing.TB, path string) {
		for _, s := range shapes {
			testConvFFT[float32](t, s)
			testConvFFT[float64](t, s)
		}
	})
}

// TestConvFFTAllocs checks that a layer allocates nothing.
func TestConvFFTAllocs(t *testing.T) {
	p := NewConvFFT32(256, 10)
	in, w := make([]float32, 249*32*128), make([]float32, 8*10*32)
	out := make([]float32, 240*8*128)
	cache, scratch := make([]float32, ConvFFTCache(256, 10, 8, 32)), make([]float32, ConvFFTScratch(256, 8, 32, 32))
	if a := testing.AllocsPerRun(3, func() { p.Conv(out, ConvIn[float32]{Rows: in, Len: 249}, w, 240, 8, 32, 128, 128, cache, scratch) }); a != 0 {
		t.Errorf("ConvFFT.Conv allocates %v times", a)
	}
}

// BenchmarkConvFFT is the conv AE's layers (kernel 10, 240 positions) on a batch of 128
// windows, by FFT and directly.
func BenchmarkConvFFT(b *testing.B) {
	const L, k, ld = 240, 10, 128
	for _, s := range []struct{ cin, cout int }{{3, 32}, {32, 8}, {8, 4}} {
		cin, cout := s.cin, s.cout
		in, w := make([]float32, (L+k-1)*cin*ld), make([]float32, cout*k*cin)
		for i := range in {
			in[i] = float32(i%7) - 3
		}
		out := make([]float32, L*cout*ld)
		p := NewConvFFT32(256, k)
		cache, scratch := make([]float32, ConvFFTCache(256, k, cout, cin)), make([]float32, ConvFFTScratch(256, cout, cin, 32))
		b.Run(fmt.Sprintf("%dto%d/fft", cin, cout), func(b *testing.B) {
			for range b.N {
				p.Conv(out, ConvIn[float32]{Rows: in, Len: L + k - 1}, w, L, cout, cin, ld, ld, cache, scratch)
			}
		})
		b.Run(fmt.Sprintf("%dto%d/direct", cin, cout), func(b *testing.B) {
			for range b.N {
				for l := 0; l < L; l++ {
					GemmNN32(cout, k*cin, ld, w, in[l*cin*ld:], ld, out[l*cout*ld:], ld, false)
				}
			}
		})
	}
}

// BenchmarkFFT is one in-place transform of a vector of columns, float32.
func BenchmarkFFT(b *testing.B) {
	for _, n := range []int{64, 256, 1024} {
		p := NewConvFFT32(n, 1)
		buf := make([]float32, n*2*16)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				p.fft(UsingAsm(), buf)
			}
		})
	}
}

// chainShape is a ConvChain test case: a of cin → mid over La positions with ka taps and
// transforms of na; b of mid → cout over Lb positions with kb taps and nb, reading a's
// output after pad zero steps.
type chainShape struct {
	na, La, cin, mid, ka int
	nb, Lb, cout, kb     int
	pad, ld, n           int
}

// testConvChain checks ConvChain against the direct sums of the two layers.
func testConvChain[T float](t testing.TB, s chainShape) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(s.na*100+s.cin), uint64(s.mid*10+s.cout+s.n)))
	rnd := func(n int) []T {
		x := make([]T, n)
		for i := range x {
			x[i] = T(rng.NormFloat64())
		}
		return x
	}
	lina := s.La + s.ka - 1
	x, wa, wb, bias := rnd(lina*s.cin*s.ld), rnd(s.mid*s.ka*s.cin), rnd(s.cout*s.kb*s.mid), rnd(s.mid)
	// The reference: a directly, then its ReLU with the bias, padded, then b directly.
	ya := convDirect(x, wa, s.La, s.mid, s.cin, s.ka, s.ld, s.n)
	linb := s.Lb + s.kb - 1
	xb := make([]T, linb*s.mid*s.ld)
	for p := 0; p < s.La; p++ {
		for c := 0; c < s.mid; c++ {
			for b := 0; b < s.n; b++ {
				xb[((s.pad+p)*s.mid+c)*s.ld+b] = T(max(0, ya[(p*s.mid+c)*s.ld+b]+float64(bias[c])))
			}
		}
	}
	bits := 8 * int(64/vecLen[T]())
	pa, pb := newPlan[T](s.na, s.ka), newPlan[T](s.nb, s.kb)
	out := make([]T, s.Lb*s.cout*s.ld)
	for i := range out {
		out[i] = T(math.NaN())
	}
	a := ConvLayer[T]{FFT: pa, W: wa, Cache: make([]T, ConvFFTCache(s.na, s.ka, s.mid, s.cin)), L: s.La, Cout: s.mid, Cin: s.cin}
	b := ConvLayer[T]{FFT: pb, W: wb, Cache: make([]T, ConvFFTCache(s.nb, s.kb, s.cout, s.mid)), L: s.Lb, Cout: s.cout, Cin: s.mid}
	scratch := make([]T, ConvChainScratch(s.na, s.cin, s.mid, s.nb, s.cout, bits))
	ConvChain(out, ConvIn[T]{Rows: x, Len: lina}, a, b, bias, s.pad, s.ld, s.n, scratch)
	// b's input went through a's transform: bound its error by a's, carried through b.
	cs := convShape{N: s.nb, L: s.Lb, cout: s.cout, cin: s.mid, k: s.kb, ld: s.ld, n: s.n}
	var amax, xmax float64
	for _, v := range xb {
		amax = max(amax, math.Abs(float64(v)))
	}
	for _, v := range x {
		xmax = max(xmax, math.Abs(float64(v)))
	}
	var wsum float64
	for _, v := range wa {
		wsum = max(wsum, math.Abs(float64(v)))
	}
	errA := 2 * (math.Log2(float64(s.na)) + 2) * eps(bits) * wsum * float64(s.ka*s.cin) * xmax // a's output error, at most
	checkConvFFTWith(t, cs, out, xb, wb, eps(bits), errA)
}

func newPlan[T float](n, k int) *ConvFFT[T] {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return any(NewConvFFT32(n, k)).(*ConvFFT[T])
	}
	return any(NewConvFFT64(n, k)).(*ConvFFT[T])
}

// TestConvChain checks two layers computed in one chain against their direct sums, on both
// paths: the conv AE's first two layers, and small ones with odd channel counts, different
// transform lengths and column counts that are not whole vectors.
func TestConvChain(t *testing.T) {
	shapes := []chainShape{
		{na: 256, La: 240, cin: 3, mid: 32, ka: 10, nb: 256, Lb: 240, cout: 8, kb: 10, pad: 4, ld: 128, n: 128},
		{na: 32, La: 20, cin: 3, mid: 5, ka: 4, nb: 32, Lb: 20, cout: 2, kb: 3, pad: 1, ld: 48, n: 37},
		{na: 16, La: 13, cin: 2, mid: 3, ka: 4, nb: 32, Lb: 17, cout: 3, kb: 5, pad: 2, ld: 16, n: 5},
		{na: 64, La: 50, cin: 1, mid: 2, ka: 3, nb: 64, Lb: 48, cout: 1, kb: 3, pad: 0, ld: 32, n: 32},
	}
	paths(t, func(t testing.TB, path string) {
		for _, s := range shapes {
			testConvChain[float32](t, s)
			testConvChain[float64](t, s)
		}
	})
}

// BenchmarkConvChain is the conv AE's first two layers on 128 windows: as one chain through
// the FFT, and as the first directly and the second through the FFT reading its output.
func BenchmarkConvChain(b *testing.B) {
	const L, k, ld, cin, mid, cout = 240, 10, 128, 3, 32, 8
	x, wa, wb, bias := make([]float32, (L+k-1)*cin*ld), make([]float32, mid*k*cin), make([]float32, cout*k*mid), make([]float32, mid)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	for i := range wa {
		wa[i] = float32(i%5) - 2
	}
	ya, out := make([]float32, L*mid*ld), make([]float32, L*cout*ld)
	p := NewConvFFT32(256, k)
	ca, cb := make([]float32, ConvFFTCache(256, k, mid, cin)), make([]float32, ConvFFTCache(256, k, cout, mid))
	b.Run("chain", func(b *testing.B) {
		scratch := make([]float32, ConvChainScratch(256, cin, mid, 256, cout, 32))
		for range b.N {
			ConvChain(out, ConvIn[float32]{Rows: x, Len: L + k - 1},
				ConvLayer[float32]{FFT: p, W: wa, Cache: ca, L: L, Cout: mid, Cin: cin},
				ConvLayer[float32]{FFT: p, W: wb, Cache: cb, L: L, Cout: cout, Cin: mid}, bias, 4, ld, ld, scratch)
		}
	})
	b.Run("direct+fft", func(b *testing.B) {
		scratch := make([]float32, ConvFFTScratch(256, cout, mid, 32))
		for range b.N {
			for l := 0; l < L; l++ {
				GemmNN32(mid, k*cin, ld, wa, x[l*cin*ld:], ld, ya[l*mid*ld:], ld, false)
			}
			p.Conv(out, ConvIn[float32]{Rows: ya, Pad: 4, Len: L, Bias: bias, Relu: true}, wb, L, cout, mid, ld, ld, cb, scratch)
		}
	})
}
