//go:build amd64 && !purego

package kernels

// biasTanh32Asm runs the generated tanh32 kernel on len(dst) == len(src) ≥ 1
// elements: whole zmm, then one masked zmm for the tail.
func biasTanh32Asm(dst, src []float32, bias float32) {
	n := len(dst)
	nfull := n / 16
	tanh32(&dst[0], &src[0], nfull, uint64(1)<<(n-nfull*16)-1, bias)
}

// biasTanh64Asm is biasTanh32Asm for the tanh64 kernel.
func biasTanh64Asm(dst, src []float64, bias float64) {
	n := len(dst)
	nfull := n / 8
	tanh64(&dst[0], &src[0], nfull, uint64(1)<<(n-nfull*8)-1, bias)
}

func sigmoid32Asm(dst, src []float32, nfull int, mask uint64, bias float32) {
	sigmoid32(&dst[0], &src[0], nfull, mask, bias)
}

func sigmoid64Asm(dst, src []float64, nfull int, mask uint64, bias float64) {
	sigmoid64(&dst[0], &src[0], nfull, mask, bias)
}

func relu32Asm(dst, src []float32, nfull int, mask uint64, bias float32) {
	relu32(&dst[0], &src[0], nfull, mask, bias)
}

func relu64Asm(dst, src []float64, nfull int, mask uint64, bias float64) {
	relu64(&dst[0], &src[0], nfull, mask, bias)
}
