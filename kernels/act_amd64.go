//go:build amd64 && !purego

package kernels

import (
	"math"
	"unsafe"
)

// The activation kernels' entry points on len(dst) == len(src) ≥ 1 elements: the
// generated kernel walks the whole zmm, then one zmm under the mask of the tail.

func biasTanh32Asm(dst, src []float32, bias float32) {
	nfull, mask := zmmSplit[float32](len(dst))
	tanh32(&dst[0], &src[0], nfull, mask, bias)
}

func biasTanh64Asm(dst, src []float64, bias float64) {
	nfull, mask := zmmSplit[float64](len(dst))
	tanh64(&dst[0], &src[0], nfull, mask, bias)
}

func sigmoid32Asm(dst, src []float32, bias float32) {
	nfull, mask := zmmSplit[float32](len(dst))
	sigmoid32(&dst[0], &src[0], nfull, mask, bias)
}

func sigmoid64Asm(dst, src []float64, bias float64) {
	nfull, mask := zmmSplit[float64](len(dst))
	sigmoid64(&dst[0], &src[0], nfull, mask, bias)
}

func softplus32Asm(dst, src []float32, bias float32) {
	nfull, mask := zmmSplit[float32](len(dst))
	softplus32(&dst[0], &src[0], nfull, mask, bias)
}

func softplus64Asm(dst, src []float64, bias float64) {
	nfull, mask := zmmSplit[float64](len(dst))
	softplus64(&dst[0], &src[0], nfull, mask, bias)
}

// sinReduceMax is where math.Sin leaves the three-part reduction the kernels use.
const sinReduceMax = 1 << 29

func sin32Asm(dst, src []float32, bias float32) {
	nfull, mask := zmmSplit[float32](len(dst))
	if sin32(&dst[0], &src[0], nfull, mask, bias) != 0 {
		sinLarge(dst, src, bias)
	}
}

func sin64Asm(dst, src []float64, bias float64) {
	nfull, mask := zmmSplit[float64](len(dst))
	if sin64(&dst[0], &src[0], nfull, mask, bias) != 0 {
		sinLarge(dst, src, bias)
	}
}

// sinLarge redoes with math.Sin the elements the sine kernels flag: |src[i]+bias| ≥ 2²⁹.
func sinLarge[T float](dst, src []T, bias T) {
	for i, v := range src {
		if x := float64(v + bias); math.Abs(x) >= sinReduceMax {
			dst[i] = T(math.Sin(x))
		}
	}
}

func relu32Asm(dst, src []float32, bias float32) {
	nfull, mask := zmmSplit[float32](len(dst))
	relu32(&dst[0], &src[0], nfull, mask, bias)
}

func relu64Asm(dst, src []float64, bias float64) {
	nfull, mask := zmmSplit[float64](len(dst))
	relu64(&dst[0], &src[0], nfull, mask, bias)
}

// zmmSplit splits n elements into nfull whole zmm and the lane mask of the rest.
func zmmSplit[T float](n int) (nfull int, mask uint64) {
	v := vecLen[T]()
	nfull = n / v
	return nfull, uint64(1)<<(n-nfull*v) - 1
}

func rowUpdateDot64Asm(row, s, t, x []float64, a, u, v float64) float64 {
	nfull, mask := zmmSplit[float64](len(row))
	return rowUpdateDot64(&row[0], &s[0], &t[0], &x[0], nfull, mask, a, u, v)
}

func dropMaskAsm[T float](mask []T, m *MaskStream, steps int, cut uint32, keep T) {
	if unsafe.Sizeof(keep) == 4 {
		dropMask32(&m.s[0][0], (*float32)(unsafe.Pointer(&mask[0])), steps, cut, *(*float32)(unsafe.Pointer(&keep)))
	} else {
		dropMask64(&m.s[0][0], (*float64)(unsafe.Pointer(&mask[0])), steps, cut, *(*float64)(unsafe.Pointer(&keep)))
	}
}
