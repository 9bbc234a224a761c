//go:build amd64 && !purego

package kernels

import "unsafe"

// The assembly steps of ConvFFT; the slices' bounds are the portable steps' (fftconv.go),
// checked there by the wrapper's length check.

func ptr[T float](s []T) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// laneMask is the mask of the first lanes lanes of a zmm of T.
func laneMask(lanes int) uint64 { return 1<<lanes - 1 }

func fftRadix4Asm[T float](x, tw []T, N, m int) {
	if vecLen[T]() == 16 {
		fftRadix432((*float32)(ptr(x)), (*float32)(ptr(tw)), N, m)
	} else {
		fftRadix464((*float64)(ptr(x)), (*float64)(ptr(tw)), N, m)
	}
}

func fftRadix2Asm[T float](x []T, N int) {
	if vecLen[T]() == 16 {
		fftRadix232((*float32)(ptr(x)), N)
	} else {
		fftRadix264((*float64)(ptr(x)), N)
	}
}

func fftGatherAsm[T float](buf []T, g gather[T], N, nvec, last int) {
	if vecLen[T]() == 16 {
		fftGather32((*float32)(ptr(buf)), (*float32)(ptr(g.re)), (*float32)(ptr(g.im)), g.stride, g.pad, g.len, N, nvec, laneMask(last),
			float32(g.bias), float32(g.bias1), float32(g.lo))
	} else {
		fftGather64((*float64)(ptr(buf)), (*float64)(ptr(g.re)), (*float64)(ptr(g.im)), g.stride, g.pad, g.len, N, nvec, laneMask(last),
			float64(g.bias), float64(g.bias1), float64(g.lo))
	}
}

func fftSplitAsm[T float](buf, dst []T, perm []int32, bin, im, next, N, nvec int, two bool) {
	if vecLen[T]() == 16 {
		fftSplit32((*float32)(ptr(buf)), (*float32)(ptr(dst)), &perm[0], bin, im, next, N, nvec, two)
	} else {
		fftSplit64((*float64)(ptr(buf)), (*float64)(ptr(dst)), &perm[0], bin, im, next, N, nvec, two)
	}
}

func fftJoinAsm[T float](buf, src []T, bin, im, next, N, nvec int, two bool) {
	if vecLen[T]() == 16 {
		fftJoin32((*float32)(ptr(buf)), (*float32)(ptr(src)), bin, im, next, N, nvec, two)
	} else {
		fftJoin64((*float64)(ptr(buf)), (*float64)(ptr(src)), bin, im, next, N, nvec, two)
	}
}

func fftScatterAsm[T float](d0, d1, buf []T, perm []int32, stride, L, N, nvec, last int, two bool) {
	if vecLen[T]() == 16 {
		fftScatter32((*float32)(ptr(d0)), (*float32)(ptr(d1)), (*float32)(ptr(buf)), &perm[0], stride, L, N, nvec, laneMask(last), two)
	} else {
		fftScatter64((*float64)(ptr(d0)), (*float64)(ptr(d1)), (*float64)(ptr(buf)), &perm[0], stride, L, N, nvec, laneMask(last), two)
	}
}
