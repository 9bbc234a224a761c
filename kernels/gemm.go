// Package kernels holds what generated code calls on batched activations: the
// dense-layer contractions (this file), the activations with their layer's bias
// (act.go) and the row-major ↔ batch-major transposes (transpose.go).
//
// Activations are stored batch-major: a layer's values form a matrix
// [features][ld] whose row f holds feature f for every sample of the batch
// contiguously (ld ≥ n, the leading dimension). Dense weights W are [M out][K in]
// row-major. The three contractions of a dense layer are
//
//	GemmNN: out[j*ldo+b] (+)= Σ_k w[j*K+k] · x[k*ldx+b]    j<M, b<n  (forward, W·X)
//	GemmTN: out[k*ldo+b] (+)= Σ_j w[j*K+k] · g[j*ldg+b]    k<K, b<n  (input gradient, Wᵀ·G)
//	GemmNT: dw[j*K+k]    (+)= Σ_b g[j*ldg+b] · x[k*ldx+b]  j<M, k<K  (weight gradient, G·Xᵀ)
//
// with acc false overwriting the output and acc true adding to it. They accept
// any M, K ≥ 1 and n ≥ 0, never allocate, and never touch the columns
// n ≤ b < ld of the outputs. Outputs must not overlap the inputs.
//
// On amd64 with AVX-512 (F and VL) the work is done by register-blocked
// assembly generated with avo (see _asm/ and README.md); elsewhere, with the
// build tag purego, when NoAsm is set, or when MLC_NOASM=1 is in the
// environment at start-up, a portable Go path is used. The two paths sum in
// different orders, so their results differ by rounding only: each result r
// of either path satisfies |r − exact| ≤ (t+2)·ε·Σ|terms| (t terms, including
// the previous output when acc is true; ε = 2⁻²⁴ for float32 and 2⁻⁵³ for
// float64), the usual bound for a floating-point sum in any order.
package kernels

//go:generate go run -C _asm . -out ../gemm_amd64.s -stubs ../gemm_stubs_amd64.go -pkg kernels

import (
	"fmt"
	"os"
	"unsafe"
)

// NoAsm forces the portable Go path even where the assembly kernels are
// available. It starts true when the environment has MLC_NOASM=1. Set it
// only while no kernel is running (tests and benchmarks flip it).
var NoAsm = os.Getenv("MLC_NOASM") == "1"

// HasAsm reports whether this build and CPU have the assembly kernels
// (amd64 without the purego tag, and a CPU with AVX-512 F and VL).
func HasAsm() bool { return hasAsm }

// UsingAsm reports whether the kernels currently run the assembly path.
func UsingAsm() bool { return hasAsm && !NoAsm }

type float interface{ float32 | float64 }

// vecLen is the number of elements of T in one 512-bit vector.
func vecLen[T float]() int {
	var z T
	return 64 / int(unsafe.Sizeof(z))
}

// GemmNN32 computes out[j*ldo+b] (+)= Σ_k w[j*K+k]·x[k*ldx+b] for j < M, b < n.
func GemmNN32(M, K, n int, w, x []float32, ldx int, out []float32, ldo int, acc bool) {
	gemmNN(M, K, n, w, x, ldx, out, ldo, acc)
}

// GemmNN64 computes out[j*ldo+b] (+)= Σ_k w[j*K+k]·x[k*ldx+b] for j < M, b < n.
func GemmNN64(M, K, n int, w, x []float64, ldx int, out []float64, ldo int, acc bool) {
	gemmNN(M, K, n, w, x, ldx, out, ldo, acc)
}

// GemmTN32 computes out[k*ldo+b] (+)= Σ_j w[j*K+k]·g[j*ldg+b] for k < K, b < n.
func GemmTN32(M, K, n int, w, g []float32, ldg int, out []float32, ldo int, acc bool) {
	gemmTN(M, K, n, w, g, ldg, out, ldo, acc)
}

// GemmTN64 computes out[k*ldo+b] (+)= Σ_j w[j*K+k]·g[j*ldg+b] for k < K, b < n.
func GemmTN64(M, K, n int, w, g []float64, ldg int, out []float64, ldo int, acc bool) {
	gemmTN(M, K, n, w, g, ldg, out, ldo, acc)
}

// GemmNT32 computes dw[j*K+k] (+)= Σ_b g[j*ldg+b]·x[k*ldx+b] for j < M, k < K.
func GemmNT32(M, K, n int, g []float32, ldg int, x []float32, ldx int, dw []float32, acc bool) {
	gemmNT(M, K, n, g, ldg, x, ldx, dw, acc)
}

// GemmNTSum32 is GemmNT32 summed over npos positions: dw[j*K+k] (+)= Σ_p Σ_b
// g[p*gstep+j*ldg+b]·x[p*xstep+k*ldx+b]. A conv layer's kernel gradient is one call (a
// position's output rows and its input window, gstep and xstep rows further on), where a
// GemmNT per position would reduce and store every sum once per position.
func GemmNTSum32(M, K, n, npos int, g []float32, ldg, gstep int, x []float32, ldx, xstep int, dw []float32, acc bool) {
	gemmNTSum("GemmNTSum", M, K, n, npos, g, ldg, gstep, x, ldx, xstep, dw, acc)
}

// GemmNTSum64 is GemmNTSum32 in float64.
func GemmNTSum64(M, K, n, npos int, g []float64, ldg, gstep int, x []float64, ldx, xstep int, dw []float64, acc bool) {
	gemmNTSum("GemmNTSum", M, K, n, npos, g, ldg, gstep, x, ldx, xstep, dw, acc)
}

func gemmNTSum[T float](fn string, M, K, n, npos int, g []T, ldg, gstep int, x []T, ldx, xstep int, dw []T, acc bool) {
	checkDims(fn, M, K, n)
	checkLen(fn, "dw", len(dw), M*K)
	if npos < 1 || gstep < 0 || xstep < 0 {
		panic(fmt.Sprintf("kernels.%s: bad positions npos=%d gstep=%d xstep=%d", fn, npos, gstep, xstep))
	}
	if n == 0 {
		if !acc {
			clear(dw[:M*K])
		}
		return
	}
	checkMat(fn, "g", len(g), M, n, ldg)
	checkMat(fn, "x", len(x), K, n, ldx)
	checkLen(fn, "g", len(g), (npos-1)*gstep+(M-1)*ldg+n)
	checkLen(fn, "x", len(x), (npos-1)*xstep+(K-1)*ldx+n)
	if UsingAsm() {
		ntSumAsm(M, K, n, npos, g, ldg, gstep, x, ldx, xstep, dw, acc)
		return
	}
	ntSumGo(M, K, n, npos, g, ldg, gstep, x, ldx, xstep, dw, acc)
}

// GemmNT64 computes dw[j*K+k] (+)= Σ_b g[j*ldg+b]·x[k*ldx+b] for j < M, k < K.
func GemmNT64(M, K, n int, g []float64, ldg int, x []float64, ldx int, dw []float64, acc bool) {
	gemmNT(M, K, n, g, ldg, x, ldx, dw, acc)
}

func gemmNN[T float](M, K, n int, w, x []T, ldx int, out []T, ldo int, acc bool) {
	gemmNNW("GemmNN", M, K, n, w, K, x, ldx, out, ldo, acc)
}

// GemmNNW32 is GemmNN32 on the first K columns of a weight matrix whose rows are ldw ≥ K
// elements apart: out[j*ldo+b] (+)= Σ_k w[j*ldw+k]·x[k*ldx+b]. A conv layer's input
// gradient at the ends of the series uses part of its flipped kernel this way.
func GemmNNW32(M, K, n int, w []float32, ldw int, x []float32, ldx int, out []float32, ldo int, acc bool) {
	gemmNNW("GemmNNW", M, K, n, w, ldw, x, ldx, out, ldo, acc)
}

// GemmNNW64 is GemmNN64 on the first K columns of a weight matrix whose rows are ldw ≥ K
// elements apart: out[j*ldo+b] (+)= Σ_k w[j*ldw+k]·x[k*ldx+b].
func GemmNNW64(M, K, n int, w []float64, ldw int, x []float64, ldx int, out []float64, ldo int, acc bool) {
	gemmNNW("GemmNNW", M, K, n, w, ldw, x, ldx, out, ldo, acc)
}

// gemmNNW checks the operands of fn, a product W·X with W's rows ldw apart, and runs it.
func gemmNNW[T float](fn string, M, K, n int, w []T, ldw int, x []T, ldx int, out []T, ldo int, acc bool) {
	checkDims(fn, M, K, n)
	if ldw < K {
		panic(fmt.Sprintf("kernels.%s: leading dimension of w is %d < K = %d", fn, ldw, K))
	}
	checkLen(fn, "w", len(w), (M-1)*ldw+K)
	if n == 0 {
		return
	}
	checkMat(fn, "x", len(x), K, n, ldx)
	checkMat(fn, "out", len(out), M, n, ldo)
	if UsingAsm() {
		panelsAsm(M, K, n, w, ldw, 1, x, ldx, out, ldo, acc)
		return
	}
	panelsGo(M, K, n, w, ldw, 1, x, ldx, out, ldo, acc)
}

// FlipConvKernel32 writes into dst (cin × k·cout) the kernel w of a conv layer (cout × k·cin,
// row j holding tap t's cin weights at t·cin) transposed and reversed in its taps:
// dst[c*k*cout + (k−1−t)*cout + j] = w[j*k*cin + t*cin + c]. The input gradient of a
// stride-1 layer is then a convolution of the output gradient with dst, one GemmNN per
// position that writes each row once, instead of k accumulating GemmTN.
func FlipConvKernel32(dst, w []float32, cout, k, cin int) { flipConvKernel(dst, w, cout, k, cin) }

// FlipConvKernel64 is FlipConvKernel32 in float64.
func FlipConvKernel64(dst, w []float64, cout, k, cin int) { flipConvKernel(dst, w, cout, k, cin) }

func flipConvKernel[T float](dst, w []T, cout, k, cin int) {
	n := cout * k * cin
	if len(dst) < n || len(w) < n {
		panic(fmt.Sprintf("kernels.FlipConvKernel: len(dst) = %d, len(w) = %d, need %d", len(dst), len(w), n))
	}
	for j := range cout {
		for t := range k {
			row := w[j*k*cin+t*cin : j*k*cin+t*cin+cin]
			for c, v := range row {
				dst[c*k*cout+(k-1-t)*cout+j] = v
			}
		}
	}
}

func gemmTN[T float](M, K, n int, w, g []T, ldg int, out []T, ldo int, acc bool) {
	checkDims("GemmTN", M, K, n)
	checkLen("GemmTN", "w", len(w), M*K)
	if n == 0 {
		return
	}
	checkMat("GemmTN", "g", len(g), M, n, ldg)
	checkMat("GemmTN", "out", len(out), K, n, ldo)
	if UsingAsm() {
		panelsAsm(K, M, n, w, 1, K, g, ldg, out, ldo, acc)
		return
	}
	panelsGo(K, M, n, w, 1, K, g, ldg, out, ldo, acc)
}

// gemmNT is gemmNTSum at one position.
func gemmNT[T float](M, K, n int, g []T, ldg int, x []T, ldx int, dw []T, acc bool) {
	gemmNTSum("GemmNT", M, K, n, 1, g, ldg, 0, x, ldx, 0, dw, acc)
}

func checkDims(fn string, M, K, n int) {
	if M < 1 || K < 1 || n < 0 {
		panic(fmt.Sprintf("kernels.%s: bad sizes M=%d K=%d n=%d", fn, M, K, n))
	}
}

func checkLen(fn, name string, have, need int) {
	if have < need {
		panic(fmt.Sprintf("kernels.%s: len(%s) = %d, need %d", fn, name, have, need))
	}
}

// checkMat checks a rows × n matrix with leading dimension ld (n ≥ 1).
func checkMat(fn, name string, have, rows, n, ld int) {
	if ld < n {
		panic(fmt.Sprintf("kernels.%s: leading dimension of %s is %d < n = %d", fn, name, ld, n))
	}
	checkLen(fn, name, have, (rows-1)*ld+n)
}
