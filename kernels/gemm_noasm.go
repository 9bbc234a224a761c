//go:build !amd64 || purego

package kernels

const hasAsm = false

func panelsAsm[T float](rows, red, n int, w []T, rs, ts int, x []T, ldx int, out []T, ldo int, acc bool) {
	panelsGo(rows, red, n, w, rs, ts, x, ldx, out, ldo, acc)
}

func ntSumAsm[T float](M, K, n, npos int, g []T, ldg, gstep int, x []T, ldx, xstep int, dw []T, acc bool) {
	ntSumGo(M, K, n, npos, g, ldg, gstep, x, ldx, xstep, dw, acc)
}

func biasTanh32Asm(dst, src []float32, bias float32) { biasTanh32Go(dst, src, bias) }

func biasTanh64Asm(dst, src []float64, bias float64) { biasTanh64Go(dst, src, bias) }

func transposeAsm[T float](rows, cols int, src []T, lds int, dst []T, ldd int) {
	transposeGo(rows, cols, src, lds, dst, ldd)
}

func sigmoid32Asm(dst, src []float32, bias float32) { biasSigmoid32Go(dst, src, bias) }

func sigmoid64Asm(dst, src []float64, bias float64) { biasSigmoid64Go(dst, src, bias) }

func softplus32Asm(dst, src []float32, bias float32) { biasSoftplus32Go(dst, src, bias) }

func softplus64Asm(dst, src []float64, bias float64) { biasSoftplus64Go(dst, src, bias) }

func sin32Asm(dst, src []float32, bias float32) { biasSin32Go(dst, src, bias) }

func sin64Asm(dst, src []float64, bias float64) { biasSin64Go(dst, src, bias) }

func relu32Asm(dst, src []float32, bias float32) { biasReluGo(dst, src, bias) }

func relu64Asm(dst, src []float64, bias float64) { biasReluGo(dst, src, bias) }

func fmaRounds(bits, n int) {}

func rowUpdateDot64Asm(row, s, t, x []float64, a, u, v float64) float64 {
	return rowUpdateDot64Go(row, s, t, x, a, u, v)
}

func dropMaskAsm[T float](mask []T, m *MaskStream, steps int, cut uint32, keep T) {
	dropMaskGo(mask, m, steps, cut, keep)
}

// The FFT steps are called only when UsingAsm.

func fftRadix4Asm[T float](x, tw []T, N, m int) { panic("kernels: no assembly") }

func fftRadix2Asm[T float](x []T, N int) { panic("kernels: no assembly") }

func fftGatherAsm[T float](buf []T, g gather[T], N, nvec, last int) {
	panic("kernels: no assembly")
}

func fftMixAsm[T float](spectra []T, perm []int32, ab, y []T, N, pairs, r, ybin, yo, yim int) {
	panic("kernels: no assembly")
}

func fftJoinAsm[T float](buf, src []T, bin, im, next, N, nvec int, two bool) {
	panic("kernels: no assembly")
}

func fftScatterAsm[T float](d0, d1, buf []T, perm []int32, stride, L, N, nvec, last int, two bool) {
	panic("kernels: no assembly")
}

func fftRelayAsm[T float](dst []T, r relay[T], N int) { panic("kernels: no assembly") }
