package kernels

import (
	"fmt"
	"testing"
)

// TestMaskStreamKnownAnswer checks the generator against xoshiro128++'s reference outputs
// for the state {1, 2, 3, 4}, on every lane.
func TestMaskStreamKnownAnswer(t *testing.T) {
	var m MaskStream
	for j := range 16 {
		m.s[0][j], m.s[1][j], m.s[2][j], m.s[3][j] = 1, 2, 3, 4
	}
	for k, want := range []uint32{641, 1573767, 3222811527} {
		r := m.next()
		for j := range 16 {
			if r[j] != want {
				t.Fatalf("step %d lane %d: %d, want %d", k, j, r[j], want)
			}
		}
	}
}

// TestDropoutMaskPaths draws masks of every length around the block of 32 on both paths:
// the same elements, the same state afterwards, only 0 and keep, nothing written past the
// mask, and the rate of zeros cut/65536.
func TestDropoutMaskPaths(t *testing.T) {
	if !HasAsm() {
		t.Log("no AVX-512 here: the portable path is compared with itself")
	}
	const cut = 13107 // 0.2·65536
	for _, dt := range []string{"32", "64"} {
		t.Run(dt, func(t *testing.T) {
			var ms [2]MaskStream
			ms[0].Seed(7)
			ms[1].Seed(7)
			for _, n := range append([]int{0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128}, 5000) {
				var got [2][]float64
				for p, noasm := range []bool{true, false} {
					saved := NoAsm
					NoAsm = noasm
					if dt == "32" {
						buf := make([]float32, n+5)
						for i := range buf {
							buf[i] = -1
						}
						DropoutMask32(buf[:n], &ms[p], cut, 1.25)
						for _, v := range buf {
							got[p] = append(got[p], float64(v))
						}
					} else {
						buf := make([]float64, n+5)
						for i := range buf {
							buf[i] = -1
						}
						DropoutMask64(buf[:n], &ms[p], cut, 1.25)
						got[p] = buf
					}
					NoAsm = saved
				}
				if ms[0] != ms[1] {
					t.Fatalf("n %d: the paths leave different states", n)
				}
				zeros := 0
				for i := range got[0] {
					g, a := got[0][i], got[1][i]
					if g != a {
						t.Fatalf("n %d element %d: portable %v, assembly %v", n, i, g, a)
					}
					switch {
					case i >= n && g != -1:
						t.Fatalf("n %d: element %d past the mask written", n, i)
					case i < n && g != 0 && g != 1.25:
						t.Fatalf("n %d element %d = %v", n, i, g)
					case i < n && g == 0:
						zeros++
					}
				}
				if n == 5000 {
					if r := float64(zeros) / float64(n); r < 0.18 || r > 0.22 {
						t.Errorf("rate of zeros %.4f, want about 0.2", r)
					}
				}
			}
		})
	}
}

func TestDropoutMaskNoAllocs(t *testing.T) {
	var m MaskStream
	m.Seed(1)
	mask := make([]float32, 999)
	if a := testing.AllocsPerRun(10, func() { DropoutMask32(mask, &m, 1000, 2) }); a != 0 {
		t.Errorf("DropoutMask32 allocates %v times", a)
	}
}

// BenchmarkDropoutMask32 draws the masks of one conv layer's rows of 64 samples.
func BenchmarkDropoutMask32(b *testing.B) {
	for _, path := range []string{"asm", "go"} {
		b.Run(path, func(b *testing.B) {
			saved := NoAsm
			NoAsm = path == "go"
			defer func() { NoAsm = saved }()
			var m MaskStream
			m.Seed(1)
			mask := make([]float32, 64)
			for b.Loop() {
				DropoutMask32(mask, &m, 13107, 1.25)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), fmt.Sprintf("ns/%d", len(mask)))
		})
	}
}
