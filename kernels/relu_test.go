package kernels

import (
	"math"
	"testing"
)

// TestBiasRelu compares both paths with max(x + bias, 0) on every length up to a few zmm
// (so each loop and the masked tail run), in place and not, with NaN and infinities.
func TestBiasRelu(t *testing.T) {
	paths(t, func(t testing.TB, path string) {
		for n := 0; n <= 70; n++ {
			src64 := make([]float64, n+3)
			src32 := make([]float32, n+3)
			for i := range src64 {
				v := math.Sin(float64(i)*1.7) * 3
				switch i % 13 {
				case 5:
					v = math.NaN()
				case 7:
					v = math.Inf(-1)
				case 11:
					v = math.Inf(1)
				}
				src64[i], src32[i] = v, float32(v)
			}
			for _, inPlace := range []bool{false, true} {
				d64, d32 := make([]float64, n+3), make([]float32, n+3)
				if inPlace {
					copy(d64, src64)
					copy(d32, src32)
					BiasRelu64(d64[:n], d64, 0.25)
					BiasRelu32(d32[:n], d32, 0.25)
				} else {
					BiasRelu64(d64[:n], src64, 0.25)
					BiasRelu32(d32[:n], src32, 0.25)
				}
				for i := 0; i < n; i++ {
					w := max(src64[i]+0.25, 0)
					if !(d64[i] == w || math.IsNaN(w) && math.IsNaN(d64[i])) {
						t.Fatalf("%s n=%d: relu64(%v+0.25) = %v, want %v", path, n, src64[i], d64[i], w)
					}
					w32 := max(src32[i]+0.25, 0)
					if !(d32[i] == w32 || w32 != w32 && d32[i] != d32[i]) {
						t.Fatalf("%s n=%d: relu32(%v+0.25) = %v, want %v", path, n, src32[i], d32[i], w32)
					}
				}
				if !inPlace && (d64[n] != 0 || d32[n] != 0) {
					t.Fatalf("%s n=%d: wrote past dst", path, n)
				}
			}
		}
	})
}
