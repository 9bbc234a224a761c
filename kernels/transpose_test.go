package kernels

import (
	"fmt"
	"math"
	"testing"
)

// TestTranspose checks both paths on every small shape around the block sizes, with
// leading dimensions larger than needed: each element lands in its place exactly, and
// nothing outside the rows × cols result is written (the padding holds NaN sentinels).
func TestTranspose(t *testing.T) {
	paths(t, func(t testing.TB, path string) {
		for _, rows := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40} {
			for _, cols := range []int{1, 3, 8, 14, 16, 17, 30, 33} {
				testTranspose[float32](t, path, rows, cols)
				testTranspose[float64](t, path, rows, cols)
			}
		}
	})
}

func testTranspose[T float](t testing.TB, path string, rows, cols int) {
	lds, ldd := cols+3, rows+5
	src := make([]T, rows*lds)
	for i := range src {
		src[i] = T(i + 1)
	}
	dst := make([]T, cols*ldd+7)
	for i := range dst {
		dst[i] = T(math.NaN())
	}
	var z T
	name := fmt.Sprintf("%s/%T/%dx%d", path, z, rows, cols)
	if _, ok := any(z).(float32); ok {
		Transpose32(rows, cols, any(src).([]float32), lds, any(dst).([]float32), ldd)
	} else {
		Transpose64(rows, cols, any(src).([]float64), lds, any(dst).([]float64), ldd)
	}
	for c := 0; c < cols; c++ {
		for r := 0; r < ldd; r++ {
			got := dst[c*ldd+r]
			if r < rows {
				if want := src[r*lds+c]; got != want {
					t.Fatalf("%s: dst[%d][%d] = %v, want %v", name, c, r, got, want)
				}
			} else if got == got {
				t.Fatalf("%s: padding dst[%d][%d] written (%v)", name, c, r, got)
			}
		}
	}
	for i := cols * ldd; i < len(dst); i++ {
		if dst[i] == dst[i] {
			t.Fatalf("%s: dst[%d] past the result written", name, i)
		}
	}
}

func TestTransposeAllocs(t *testing.T) {
	src, dst := make([]float32, 40*30), make([]float32, 30*40)
	if a := testing.AllocsPerRun(10, func() { Transpose32(40, 30, src, 30, dst, 40) }); a != 0 {
		t.Fatalf("Transpose32 allocates %v times", a)
	}
}

// BenchmarkTranspose is the input layout change of the cancer model: 512 rows of 30
// features to batch-major.
func BenchmarkTranspose(b *testing.B) {
	const rows, cols = 512, 30
	src, dst := make([]float32, rows*cols), make([]float32, cols*rows)
	for _, p := range []string{"go", "asm"} {
		if p == "asm" && !HasAsm() {
			continue
		}
		b.Run(p, func(b *testing.B) {
			saved := NoAsm
			NoAsm = p == "go"
			defer func() { NoAsm = saved }()
			for b.Loop() {
				Transpose32(rows, cols, src, cols, dst, rows)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(rows*cols), "ns/elem")
		})
	}
}
