package kernels

import "fmt"

// Transpose32 sets dst[c*ldd+r] = src[r*lds+c] for r < rows, c < cols: row r of
// the row-major matrix src becomes column r of dst. Generated code uses it to
// turn the row-major samples a caller passes into batch-major activations
// (rows = samples, cols = features) and back. Rows and columns beyond those
// given are not touched; src and dst must not overlap. It never allocates.
func Transpose32(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
	transposeMat(rows, cols, src, lds, dst, ldd)
}

// Transpose64 is Transpose32 for float64.
func Transpose64(rows, cols int, src []float64, lds int, dst []float64, ldd int) {
	transposeMat(rows, cols, src, lds, dst, ldd)
}

func transposeMat[T float](rows, cols int, src []T, lds int, dst []T, ldd int) {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("kernels.Transpose: bad sizes rows=%d cols=%d", rows, cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	checkMat("Transpose", "src", len(src), rows, cols, lds)
	checkMat("Transpose", "dst", len(dst), cols, rows, ldd)
	if UsingAsm() {
		transposeAsm(rows, cols, src, lds, dst, ldd)
		return
	}
	transposeGo(rows, cols, src, lds, dst, ldd)
}

// transposeGo is the portable path, in blocks of 8 × 8 so that both sides stay in L1.
func transposeGo[T float](rows, cols int, src []T, lds int, dst []T, ldd int) {
	const blk = 8
	for r0 := 0; r0 < rows; r0 += blk {
		r1 := min(r0+blk, rows)
		for c0 := 0; c0 < cols; c0 += blk {
			c1 := min(c0+blk, cols)
			for r := r0; r < r1; r++ {
				row := src[r*lds+c0 : r*lds+c1]
				for i, v := range row {
					dst[(c0+i)*ldd+r] = v
				}
			}
		}
	}
}
