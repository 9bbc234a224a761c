package kernels

import (
	"math"
	"testing"
	"unsafe"
)

func TestVecPortableSemantics(t *testing.T) {
	defer func(old bool) { NoAsm = old }(NoAsm)
	for _, noAsm := range []bool{true, false} {
		if !noAsm && !HasAsm() {
			continue
		}
		NoAsm = noAsm
		p := MustVec("s0 = r1[f]; s1 = v0[f]; s2 = 2; s3 = s0 * s1 + s2; s4 = relu(s0); s5 = step(s0); s6 = s5 - s4 * s2; r0[f] = s3; s7 = abs(s0); s7 = -s7; s7 = s7 / s2; s6 = s6 + s7; r2[f] = s6")
		x := []float64{-1, 0, 3, math.NaN(), 2, -4}
		y := make([]float64, 6)
		z := make([]float64, 6)
		Vec64(p, new(VecTables), 3, 2, 3, [][]float64{y, x, z}, [][]float64{{10, 100}})
		wantY := []float64{-8, 2, 32, math.NaN(), 202, -398}
		// step − 2·relu − |x|/2
		wantZ := []float64{-0.5, 0, 1 - 6 - 1.5, math.NaN(), 1 - 4 - 1, -2}
		for i := range y {
			if !(y[i] == wantY[i] || math.IsNaN(y[i]) && math.IsNaN(wantY[i])) || !(z[i] == wantZ[i] || math.IsNaN(z[i]) && math.IsNaN(wantZ[i])) {
				t.Fatalf("NoAsm=%v: got %v %v, want %v %v", noAsm, y, z, wantY, wantZ)
			}
		}
	}
}

func TestVecSum(t *testing.T) {
	p := MustVec("s0 = r0[f]; s1 = r1; s2 = s0 * s1; v0[f] = sum(s2); v1[f] += sum(s0)")
	x := []float64{1, 2, 3, 9, 4, 5, 6, 9}
	w := []float64{1, 10, 100}
	dot, acc := []float64{0, 0}, []float64{0.5, 0.25}
	Vec64(p, new(VecTables), 3, 2, 4, [][]float64{x, w}, [][]float64{dot, acc})
	if dot[0] != 321 || dot[1] != 654 || acc[0] != 6.5 || acc[1] != 15.25 {
		t.Fatalf("sums %v and %v, want [321 654] and [6.5 15.25]", dot, acc)
	}
}

func TestMustVecRefuses(t *testing.T) {
	for _, bad := range []string{"s0 = r1", "r0[f] = s0 + s1", "s0 = r0[f]; s1 = r0", "s0 = foo(s1)", "s0 = x", "s0 = r0[f]; r2[f] = s0"} {
		if _, err := parseVec(bad); err == nil {
			t.Errorf("parseVec(%q) accepted it", bad)
		}
	}
}

// TestVecTablesLayout: the generated assembly reads VecTables at the offsets the code
// generator takes from these constants.
func TestVecTablesLayout(t *testing.T) {
	var tb VecTables
	if o := unsafe.Offsetof(tb.scal); o != VecScalOffset {
		t.Errorf("scalars at byte %d, VecScalOffset %d", o, VecScalOffset)
	}
	if o := unsafe.Offsetof(tb.ld); o != VecLDOffset {
		t.Errorf("ld at byte %d, VecLDOffset %d", o, VecLDOffset)
	}
	if s := unsafe.Sizeof(vecRef{}); s != 16 {
		t.Errorf("a table entry is %d bytes, not 16", s)
	}
}
