//go:build amd64 && !purego

package kernels

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

var hasAsm = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

// Register blocks of the generated kernels; they must match _asm/main.go.
const (
	panelRows = 6 // panel kernel: rows per block
	ntRows    = 6 // nt kernel: g rows per block
	ntCols    = 4 // nt kernel: x rows per block
)

// panelCols[r] is the number of zmm columns of the panel kernel's r-row block.
var panelCols = [panelRows + 1]int{0, 8, 8, 7, 6, 5, 4}

// Column chunking: one panel call covers columns whose x panel (all red
// rows) takes about panelChunkBytes, so that it stays in L1 across the row
// blocks; one nt call covers about ntChunkBytes of every g and x row.
const (
	panelChunkBytes = 16 << 10
	ntChunkBytes    = 2560
)

// panelsAsm is panelsGo on the assembly kernels.
func panelsAsm[T float](rows, red, n int, w []T, rs, ts int, x []T, ldx int, out []T, ldo int, acc bool) {
	v := vecLen[T]()
	nb, base, extra := split(rows, panelRows)
	chunk := n
	if c := panelChunkBytes / (red * int(unsafe.Sizeof(w[0]))); c < n && nb > 1 {
		// Whole register blocks of both row-block heights in every chunk.
		unit := panelCols[base]
		if extra > 0 {
			unit = lcm(unit, panelCols[base+1])
		}
		unit *= v
		chunk = max(unit, c/unit*unit)
	}
	a := 0
	if acc {
		a = 1
	}
	for b0 := 0; b0 < n; b0 += chunk {
		cols := min(chunk, n-b0)
		nblk1, tq1, mask1 := panelCols1(base, cols, v)
		nblk2, tq2, mask2 := panelCols1(min(base+1, panelRows), cols, v)
		panel(base, nb-extra, nb, red, nblk1, tq1, mask1, nblk2, tq2, mask2, &w[0], rs, ts, &x[b0], ldx, &out[b0], ldo, a)
	}
}

// panelCols1 splits cols columns for an r-row block of the panel kernel into
// full register blocks and a tail of tq zmm, the last masked by mask.
func panelCols1(r, cols, v int) (nblk, tq int, mask uint64) {
	bw := panelCols[r] * v
	nblk = cols / bw
	rem := cols - nblk*bw
	tq = (rem + v - 1) / v
	if tq > 0 {
		mask = 1<<(rem-(tq-1)*v) - 1
	}
	return nblk, tq, mask
}

func panel[T float](rbase, rn1, nrb, red, nblk1, tq1 int, mask1 uint64, nblk2, tq2 int, mask2 uint64,
	w *T, rs, ts int, x *T, ldx int, out *T, ldo int, acc int) {
	if unsafe.Sizeof(*w) == 4 {
		panel32(rbase, rn1, nrb, red, nblk1, tq1, mask1, nblk2, tq2, mask2, (*float32)(unsafe.Pointer(w)), rs, ts,
			(*float32)(unsafe.Pointer(x)), ldx, (*float32)(unsafe.Pointer(out)), ldo, acc)
	} else {
		panel64(rbase, rn1, nrb, red, nblk1, tq1, mask1, nblk2, tq2, mask2, (*float64)(unsafe.Pointer(w)), rs, ts,
			(*float64)(unsafe.Pointer(x)), ldx, (*float64)(unsafe.Pointer(out)), ldo, acc)
	}
}

// ntPositions is how many positions ntSumAsm sums in the kernel's registers at a time:
// measured on the Conv1D autoencoder, 4 beats 2, 3, 8 and 16 (a training batch on one
// core 6.52 ms at 4, 6.63 at 8, 7.0 at 16, 6.74 at 2; 7.24 one position at a time).
const ntPositions = 4

// ntSumAsm is ntSumGo on the assembly kernels, npos positions gstep and xstep elements apart: each
// block's accumulators run over ntPositions positions before they are reduced and stored.
func ntSumAsm[T float](M, K, n, npos int, g []T, ldg, gstep int, x []T, ldx, xstep int, dw []T, acc bool) {
	v := vecLen[T]()
	// Chunks of about ntChunkBytes per row, as even as whole zmm allow: the
	// kernel walks the (j, k) blocks of a chunk with the g rows of a j block
	// in L1 while the x rows stream past them.
	nchunks := max(1, n*int(unsafe.Sizeof(g[0]))/ntChunkBytes)
	chunk := ((n+nchunks-1)/nchunks + v - 1) / v * v
	nj, jbase, jextra := split(M, ntRows)
	nk, kbase, kextra := split(K, ntCols)
	for b0 := 0; b0 < n; b0 += chunk {
		cols := min(chunk, n-b0)
		nfull := cols / v
		mask := uint64(1)<<(cols-nfull*v) - 1
		a := 0
		if acc || b0 > 0 {
			a = 1
		}
		// Positions in groups of ntPositions: a group's g rows of a j block stay in L1 while
		// its k blocks pass, and each sum is reduced and stored once a group.
		for p0 := 0; p0 < npos; p0 += ntPositions {
			if p0 > 0 {
				a = 1
			}
			ntCall(jbase, nj-jextra, nj, kbase, nk-kextra, nk, nfull, mask, &g[p0*gstep+b0], ldg, &x[p0*xstep+b0], ldx, &dw[0], K, a, min(ntPositions, npos-p0), gstep, xstep)
		}
	}
}

func ntCall[T float](jbase, jn1, nj, kbase, kn1, nk, nfull int, mask uint64, g *T, ldg int, x *T, ldx int, dw *T, ldw int, acc int, npos, gstep, xstep int) {
	if unsafe.Sizeof(*g) == 4 {
		nt32(jbase, jn1, nj, kbase, kn1, nk, nfull, mask, (*float32)(unsafe.Pointer(g)), ldg,
			(*float32)(unsafe.Pointer(x)), ldx, (*float32)(unsafe.Pointer(dw)), ldw, acc, npos, gstep, xstep)
	} else {
		nt64(jbase, jn1, nj, kbase, kn1, nk, nfull, mask, (*float64)(unsafe.Pointer(g)), ldg,
			(*float64)(unsafe.Pointer(x)), ldx, (*float64)(unsafe.Pointer(dw)), ldw, acc, npos, gstep, xstep)
	}
}

// split divides total into nblocks blocks of at most max, as even as
// possible: nblocks-extra blocks of base followed by extra of base+1.
func split(total, max int) (nblocks, base, extra int) {
	nblocks = (total + max - 1) / max
	return nblocks, total / nblocks, total % nblocks
}

func lcm(a, b int) int {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

// transposeAsm is transposeGo on the assembly block kernel: blocks of one zmm
// of rows by one zmm of columns, the last ones partial under masks.
func transposeAsm[T float](rows, cols int, src []T, lds int, dst []T, ldd int) {
	v := vecLen[T]()
	for r0 := 0; r0 < rows; r0 += v {
		nr := min(v, rows-r0)
		rmask := uint64(1)<<nr - 1
		for c0 := 0; c0 < cols; c0 += v {
			nc := min(v, cols-c0)
			s, d := &src[r0*lds+c0], &dst[c0*ldd+r0]
			if unsafe.Sizeof(src[0]) == 4 {
				transpose32((*float32)(unsafe.Pointer(d)), ldd, (*float32)(unsafe.Pointer(s)), lds, nr, nc, rmask, uint64(1)<<nc-1)
			} else {
				transpose64((*float64)(unsafe.Pointer(d)), ldd, (*float64)(unsafe.Pointer(s)), lds, nr, nc, rmask, uint64(1)<<nc-1)
			}
		}
	}
}

// fmaRounds runs n rounds of the FMA peak loop of bits-bit floats (fmaPeak32/64).
func fmaRounds(bits, n int) {
	if bits == 32 {
		v := float32(1e-3)
		fmaPeak32(n, &v)
		return
	}
	v := 1e-3
	fmaPeak64(n, &v)
}
