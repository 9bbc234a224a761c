package runtime

import (
	"math"
	"slices"
	"testing"
)

func TestRNGDeterministic(t *testing.T) {
	a, b, c := NewRNG(42), NewRNG(42), NewRNG(43)
	same := true
	for range 100 {
		x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
		if x != y {
			t.Fatalf("same seed gave %d and %d", x, y)
		}
		same = same && x == z
	}
	if same {
		t.Fatal("seeds 42 and 43 gave the same stream")
	}
}

func TestRNGRanges(t *testing.T) {
	r := NewRNG(1)
	const n = 200000
	var s32, s64 float64
	for range n {
		f := r.Float32()
		if f < 0 || f >= 1 {
			t.Fatalf("Float32 = %v, want [0,1)", f)
		}
		d := r.Float64()
		if d < 0 || d >= 1 {
			t.Fatalf("Float64 = %v, want [0,1)", d)
		}
		s32 += float64(f)
		s64 += d
	}
	// The mean of n uniforms has standard deviation sqrt(1/12/n) ≈ 6.5e-4; allow 5σ.
	for _, m := range []float64{s32 / n, s64 / n} {
		if math.Abs(m-0.5) > 5*math.Sqrt(1.0/12/n) {
			t.Errorf("mean %v, want 0.5", m)
		}
	}
}

func TestRNGIntN(t *testing.T) {
	r := NewRNG(7)
	var counts [6]int
	const n = 60000
	for range n {
		k := r.IntN(6)
		if k < 0 || k >= 6 {
			t.Fatalf("IntN(6) = %d", k)
		}
		counts[k]++
	}
	for k, c := range counts {
		if math.Abs(float64(c)-n/6) > 5*math.Sqrt(n*(1.0/6)*(5.0/6)) {
			t.Errorf("IntN(6) gave %d %d times of %d", k, c, n)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("IntN(0) did not panic")
		}
	}()
	r.IntN(0)
}

func TestRNGShuffleIsPermutation(t *testing.T) {
	r := NewRNG(3)
	idx := make([]int, 100)
	for i := range idx {
		idx[i] = i
	}
	orig := slices.Clone(idx)
	r.Shuffle(idx)
	if slices.Equal(idx, orig) {
		t.Error("Shuffle left 100 elements in order")
	}
	slices.Sort(idx)
	if !slices.Equal(idx, orig) {
		t.Error("Shuffle lost or duplicated elements")
	}
	r.Shuffle(nil) // must not panic
}

func TestRNGNormal(t *testing.T) {
	r := NewRNG(9)
	const n = 200000
	var s, ss float64
	for range n {
		z := r.Normal()
		s += z
		ss += z * z
	}
	mean, vr := s/n, ss/n-(s/n)*(s/n)
	if math.Abs(mean) > 5/math.Sqrt(n) || math.Abs(vr-1) > 5*math.Sqrt(2.0/n) {
		t.Errorf("Normal: mean %v, variance %v; want 0, 1", mean, vr)
	}
}

func TestRNGNoAllocs(t *testing.T) {
	r := NewRNG(1)
	var sink float64
	for name, f := range map[string]func(){
		"Float32": func() { sink += float64(r.Float32()) },
		"Float64": func() { sink += r.Float64() },
		"IntN":    func() { sink += float64(r.IntN(10)) },
		"Normal":  func() { sink += r.Normal() },
	} {
		if a := testing.AllocsPerRun(1000, f); a != 0 {
			t.Errorf("%s allocates %v times per call", name, a)
		}
	}
	_ = sink
}

func TestDeriveSeedStreamsDiffer(t *testing.T) {
	if deriveSeed(1, 1) == deriveSeed(1, 2) || deriveSeed(1, 1) == deriveSeed(2, 1) {
		t.Error("derived seeds collide")
	}
}

func TestGlorotUniform(t *testing.T) {
	w := make([]float32, 30*20)
	GlorotUniform(w, 30, 20, NewRNG(1))
	limit := math.Sqrt(6.0 / 50)
	var s float64
	lo, hi := 0.0, 0.0
	for _, v := range w {
		if math.Abs(float64(v)) > limit {
			t.Fatalf("weight %v outside ±%v", v, limit)
		}
		s += float64(v)
		lo, hi = min(lo, float64(v)), max(hi, float64(v))
	}
	if hi-lo < 1.8*limit {
		t.Errorf("weights span [%v, %v], want most of ±%v", lo, hi, limit)
	}
	if math.Abs(s/float64(len(w))) > 0.05 {
		t.Errorf("mean weight %v, want about 0", s/float64(len(w)))
	}
	w2 := make([]float32, len(w))
	GlorotUniform(w2, 30, 20, NewRNG(1))
	if !slices.Equal(w, w2) {
		t.Error("same seed gave different weights")
	}
	// Degenerate fans: Keras takes the average fan as at least 1, so limit sqrt(3).
	z := make([]float64, 100)
	GlorotUniform(z, 0, 0, NewRNG(1))
	for _, v := range z {
		if math.IsNaN(v) || math.Abs(v) > math.Sqrt(3) {
			t.Fatalf("fan 0 gave %v", v)
		}
	}
	b := []float64{1, 2}
	Zeros(b)
	if b[0] != 0 || b[1] != 0 {
		t.Errorf("Zeros left %v", b)
	}
}

func BenchmarkRNGFloat32(b *testing.B) {
	r := NewRNG(1)
	var s float32
	for b.Loop() {
		s += r.Float32()
	}
	_ = s
}

func BenchmarkRNGFloat64(b *testing.B) {
	r := NewRNG(1)
	var s float64
	for b.Loop() {
		s += r.Float64()
	}
	_ = s
}

func TestDropoutMask(t *testing.T) {
	rng := NewRNG(9)
	mask := make([]float32, 100003)
	DropoutMask(mask, rng, 0.2)
	zeros := 0
	for _, v := range mask {
		switch v {
		case 0:
			zeros++
		case 1.25:
		default:
			t.Fatalf("mask value %v, want 0 or 1.25", v)
		}
	}
	if frac := float64(zeros) / float64(len(mask)); frac < 0.195 || frac > 0.205 {
		t.Errorf("dropped %.4f of the values, want 0.2", frac)
	}
	DropoutMask(mask, nil, 0.2)
	for _, v := range mask {
		if v != 1 {
			t.Fatal("nil rng must turn dropout off")
		}
	}
	if a := testing.AllocsPerRun(10, func() { DropoutMask(mask[:999], rng, 0.3) }); a != 0 {
		t.Errorf("DropoutMask allocates %v times", a)
	}
}

// BenchmarkDropoutMask draws the masks of one conv layer's rows of 64 samples, as a
// training pass does.
func BenchmarkDropoutMask(b *testing.B) {
	rng := NewRNG(1)
	mask := make([]float32, 64)
	b.SetBytes(4 * 64)
	for b.Loop() {
		DropoutMask(mask, rng, 0.2)
	}
}

// TestRWFInit: a factorized kernel starts as the Glorot-uniform kernel the same draws give,
// diag(e^s)·V = W, with log-scales s around their mean.
func TestRWFInit(t *testing.T) {
	const rows, cols = 20, 7
	s := make([]float64, rows)
	v := make([]float64, rows*cols)
	w := make([]float64, rows*cols)
	rng := NewRNG(4)
	RWFScales(s, 1, rng)
	state := *rng
	RWFKernel(v, s, cols, rows, rng)
	GlorotUniform(w, cols, rows, &state)
	mean := 0.0
	for i := range rows {
		mean += s[i] / rows
		for j := range cols {
			if got := math.Exp(s[i]) * v[i*cols+j]; math.Abs(got-w[i*cols+j]) > 1e-15 {
				t.Fatalf("row %d col %d: e^s·V = %v, W = %v", i, j, got, w[i*cols+j])
			}
		}
	}
	if math.Abs(mean-1) > 0.1 {
		t.Errorf("mean log-scale %v, want about 1", mean)
	}
}
