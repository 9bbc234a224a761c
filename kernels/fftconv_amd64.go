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

func fftMixAsm[T float](spectra []T, perm []int32, ab, y []T, N, pairs, r, ybin, yo, yim int) {
	if vecLen[T]() == 16 {
		fftMix32[r]((*float32)(ptr(spectra)), &perm[0], (*float32)(ptr(ab)), (*float32)(ptr(y)), N, pairs, ybin, yo, yim)
	} else {
		fftMix64[r]((*float64)(ptr(spectra)), &perm[0], (*float64)(ptr(ab)), (*float64)(ptr(y)), N, pairs, ybin, yo, yim)
	}
}

// fftMix32[r] and fftMix64[r] are the kernels of r outputs.
var (
	fftMix32 = [...]func(spectra *float32, perm *int32, ab, y *float32, n, pairs, ybin, yo, yim int){
		nil, fftMix1x32, fftMix2x32, fftMix3x32, fftMix4x32, fftMix5x32, fftMix6x32, fftMix7x32, fftMix8x32}
	fftMix64 = [...]func(spectra *float64, perm *int32, ab, y *float64, n, pairs, ybin, yo, yim int){
		nil, fftMix1x64, fftMix2x64, fftMix3x64, fftMix4x64, fftMix5x64, fftMix6x64, fftMix7x64, fftMix8x64}
)

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

func fftRelayAsm[T float](dst []T, r relay[T], N int) {
	m1 := uint64(0)
	if r.two {
		m1 = laneMask(vecLen[T]())
	}
	if vecLen[T]() == 16 {
		fftRelay32((*float32)(ptr(dst)), (*float32)(ptr(r.src)), &r.perm[0], r.pad, r.len, N, float32(r.bias0), float32(r.bias1), m1)
	} else {
		fftRelay64((*float64)(ptr(dst)), (*float64)(ptr(r.src)), &r.perm[0], r.pad, r.len, N, float64(r.bias0), float64(r.bias1), m1)
	}
}
