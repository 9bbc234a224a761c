package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRowUpdateDot64 compares the kernel with the definition for lengths around the zmm
// and loop boundaries, leaving the elements past the row alone.
func TestRowUpdateDot64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 70; n++ {
		vec := func() []float64 {
			v := make([]float64, n+3)
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			return v
		}
		row, s, tt, x := vec(), vec(), vec(), vec()
		a, u, v := 1+rng.Float64(), rng.NormFloat64(), rng.NormFloat64()
		want := append([]float64(nil), row...)
		size := make([]float64, n) // the scale of row[j]'s terms: fused multiply-adds round differently
		var wantDot, scale float64
		for j := range n {
			size[j] = math.Abs(a*want[j]) + math.Abs(u*s[j]) + math.Abs(v*tt[j])
			want[j] = a*want[j] + u*s[j] + v*tt[j]
			wantDot += want[j] * x[j]
			scale += size[j] * math.Abs(x[j])
		}
		got := RowUpdateDot64(row[:n], s, tt, x, a, u, v)
		if math.Abs(got-wantDot) > 1e-14*scale {
			t.Errorf("n %d: sum %v, want %v", n, got, wantDot)
		}
		for j := range row {
			tol := 0.0 // past the row: untouched
			if j < n {
				tol = 1e-15 * size[j]
			}
			if math.Abs(row[j]-want[j]) > tol {
				t.Errorf("n %d: row[%d] = %v, want %v", n, j, row[j], want[j])
				break
			}
		}
	}
}
