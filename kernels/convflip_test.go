package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmNNW: GemmNNW on columns of a wider matrix gives, bit for bit, GemmNN on a copy of
// those columns, and leaves the columns past n alone.
func TestGemmNNW(t *testing.T) {
	paths(t, func(t testing.TB, path string) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, s := range []struct{ M, K, ldw, n int }{{1, 1, 1, 1}, {32, 8, 80, 128}, {8, 40, 40, 70}, {4, 12, 12, 33}, {7, 5, 9, 17}} {
			w := make([]float32, s.M*s.ldw)
			for i := range w {
				w[i] = rng.Float32() - 0.5
			}
			off := s.ldw - s.K
			dense := make([]float32, s.M*s.K)
			for j := range s.M {
				copy(dense[j*s.K:(j+1)*s.K], w[j*s.ldw+off:])
			}
			ld := s.n + 3
			x := make([]float32, s.K*ld)
			for i := range x {
				x[i] = rng.Float32() - 0.5
			}
			got, want := make([]float32, s.M*ld), make([]float32, s.M*ld)
			for i := range got {
				got[i], want[i] = 7, 7
			}
			GemmNNW32(s.M, s.K, s.n, w[off:], s.ldw, x, ld, got, ld, false)
			GemmNN32(s.M, s.K, s.n, dense, x, ld, want, ld, false)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s %+v: element %d = %v, GemmNN gives %v", path, s, i, got[i], want[i])
				}
			}
		}
	})
}

// TestFlipConvKernel computes a stride-1 conv layer's input gradient both ways — k
// accumulating GemmTN per output position, and one GemmNN(W) per input position with the
// flipped kernel — against the float64 definition, for a series shorter than the kernel
// too.
func TestFlipConvKernel(t *testing.T) {
	paths(t, func(t testing.TB, path string) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range []struct{ L, cout, k, cin, n int }{{240, 8, 10, 32, 64}, {20, 3, 4, 4, 17}, {3, 2, 5, 3, 9}, {1, 1, 1, 1, 1}} {
			func() {
				name := fmt.Sprintf("%s %+v", path, s)
				lin := s.L + s.k - 1
				w := make([]float64, s.cout*s.k*s.cin)
				for i := range w {
					w[i] = rng.Float64() - 0.5
				}
				g := make([]float64, s.L*s.cout*s.n)
				for i := range g {
					g[i] = rng.Float64() - 0.5
				}
				// The definition: dx[p][c] = Σ_{l+t=p} Σ_j w[j][t][c]·g[l][j].
				want := make([]float64, lin*s.cin*s.n)
				for l := range s.L {
					for t := range s.k {
						for c := range s.cin {
							for j := range s.cout {
								for b := range s.n {
									want[((l+t)*s.cin+c)*s.n+b] += w[j*s.k*s.cin+t*s.cin+c] * g[(l*s.cout+j)*s.n+b]
								}
							}
						}
					}
				}
				flip := make([]float64, len(w))
				FlipConvKernel64(flip, w, s.cout, s.k, s.cin)
				got := make([]float64, len(want))
				kc := s.k * s.cout
				for p := range lin {
					lo, hi := max(0, p-s.k+1), min(p, s.L-1) // the output positions that reach p
					GemmNNW64(s.cin, (hi-lo+1)*s.cout, s.n, flip[(lo-(p-s.k+1))*s.cout:], kc,
						g[lo*s.cout*s.n:], s.n, got[p*s.cin*s.n:], s.n, false)
				}
				for i := range want {
					if math.Abs(got[i]-want[i]) > 1e-13 {
						t.Fatalf("%s: element %d: %v, want %v", name, i, got[i], want[i])
					}
				}
			}()
		}
	})
}
