// Command asm generates the AVX-512 dense-layer kernels of package kernels
// (../gemm_amd64.s and ../gemm_stubs_amd64.go) with github.com/mmcloughlin/avo.
//
// It is its own module so that avo stays out of the main module's
// dependencies; the generated files are checked in and need nothing but
// `go build`. Regenerate with `go generate ./kernels` from the repository root.
//
// Layout (see ../README.md): activations are batch-major [features][ld], so
// every kernel streams the batch dimension through zmm registers.
//
//   - panel{32,64}: out[i][b] (+)= Σ_t w(i,t)·x[t][b] for r ≤ 6 output rows.
//     w(i,t) = w[i*rs + t*ts], so one kernel serves W·X (rs=K, ts=1) and
//     Wᵀ·G (rs=1, ts=K). Register block: r rows × C(r) zmm of columns,
//     weights broadcast, x rows streamed; a masked block for the column tail.
//   - nt{32,64}: dw[j][k] (+)= Σ_b g[j][b]·x[k][b] for a rj ≤ 6 × rk ≤ 4
//     block: one zmm accumulator per (j,k) reducing over b, then a
//     shuffle-tree horizontal reduction that leaves the results in dw order.
//   - tanh{32,64}: dst[i] = tanh(src[i] + bias), elementwise (act.go).
//   - sigmoid{32,64}: dst[i] = 1/(1 + e^−(src[i] + bias)) (sigmoid.go).
//   - relu{32,64}: dst[i] = max(src[i] + bias, 0) (relu.go).
//   - transpose{32,64}: one 16×16 / 8×8 block row-major ↔ batch-major
//     (transpose.go).
//   - dropMask{32,64}: dropout masks from 16 lanes of xoshiro128++ (dropmask.go).
//   - fft*{32,64}: the steps of the FFT convolution, lanes = columns (fft.go).
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// dtype bundles the instructions that differ between float32 and float64.
type dtype struct {
	name   string // "32" / "64"
	shift  uint64 // log2 of the element size
	v      int    // elements per zmm
	mov    func(ops ...Op)
	movZ   func(m, k, r Op)
	bcast  func(ops ...Op)
	fma    func(ops ...Op)
	add    func(ops ...Op)
	shuf4  func(ops ...Op) // 128-bit lane shuffle of two zmm
	goType string
}

var f32 = dtype{"32", 2, 16, VMOVUPS, VMOVUPS_Z, VBROADCASTSS, VFMADD231PS, VADDPS, VSHUFF32X4, "float32"}

var f64 = dtype{"64", 3, 8, VMOVUPD, VMOVUPD_Z, VBROADCASTSD, VFMADD231PD, VADDPD, VSHUFF64X2, "float64"}

// panelRows is the largest row block of the panel kernel; panelCols[r] is the
// number of zmm columns of its register block for r rows (r·C + C + 1 ≤ 32).
const panelRows = 6

var panelCols = [panelRows + 1]int{0, 8, 8, 7, 6, 5, 4}

// ntRows × ntCols is the largest block of the nt kernel.
const (
	ntRows   = 6
	ntCols   = 4
	ntUnroll = 2 // steps (zmm of b) per loop iteration
)

func z(i int) VecPhysical { return zregs[i] }

var zregs = []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
	Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}

func main() {
	ConstraintExpr("amd64,!purego")
	for _, d := range []dtype{f32, f64} {
		panel(d)
	}
	for _, d := range []dtype{f32, f64} {
		nt(d)
	}
	tanh32()
	tanh64()
	sin32()
	sin64()
	for _, d := range []dtype{f32, f64} {
		sigmoid(d)
		softplus(d)
		relu(d)
		transpose(d)
		fftRadix4(d)
		fftRadix2(d)
		fftGather(d)
		fftScatter(d)
		for r := 1; r <= 8; r++ {
			fftMix(d, r)
		}
		fftJoin(d)
		fftRelay(d)
		fmaPeak(d)
	}
	rowUpdateDot()
	dropMask(f32)
	dropMask(f64)
	Generate()
}

// ---------------------------------------------------------------------------
// panel

// Panel registers.
var (
	pRS   = RBX // weight row stride, bytes
	pTS   = RCX // weight reduction stride, bytes
	pXCol = RDX // x column pointer of the current block
	pLDX  = RSI // x row stride, bytes
	pOCol = RDI // out column pointer of the current block
	pLDO  = R8  // out row stride, bytes
	pNBlk = R9  // full column blocks left
	pWP   = R10 // weight pointer, rows 0..2 (out pointer outside the k loop)
	pWP3  = R11 // weight pointer, rows 3..5
	pXP   = R12 // x row pointer
	pKC   = R13 // reduction counter
)

// Registers and locals of panel's loop over row blocks.
var (
	pWRow = R14 // weights of the current row block
	pTQ   Mem   // tail zmm count of the current row block
)

func panel(d dtype) {
	TEXT("panel"+d.name, NOSPLIT, fmt.Sprintf(
		"func(rbase, rn1, nrb, red int, nblk1, tq1 int, mask1 uint64, nblk2, tq2 int, mask2 uint64, w *%[1]s, rs, ts int, x *%[1]s, ldx int, out *%[1]s, ldo int, acc int)", d.goType))
	Doc(fmt.Sprintf("panel%s computes out[i*ldo+b] (+)= Σ_t w[i*rs+t*ts]·x[t*ldx+b] for t < red", d.name),
		fmt.Sprintf("over nrb row blocks of i, the first rn1 of rbase rows and the rest of rbase+1 (≤ %d).", panelRows),
		"A block of r rows covers nblk full column blocks of panelCols[r] zmm and then tq",
		"(0..panelCols[r]) zmm whose last is masked by mask: nblk1, tq1, mask1 for r = rbase,",
		"nblk2, tq2, mask2 for rbase+1. Strides are in elements; acc != 0 adds to out.")
	Pragma("noescape")

	rb, r, oRow := AllocLocal(8), AllocLocal(8), AllocLocal(8)
	pTQ = AllocLocal(8)

	Load(Param("rs"), pRS)
	Load(Param("ts"), pTS)
	Load(Param("ldx"), pLDX)
	Load(Param("ldo"), pLDO)
	for _, r := range []Register{pRS, pTS, pLDX, pLDO} {
		SHLQ(Imm(d.shift), r)
	}
	Load(Param("w"), pWRow)
	Load(Param("out"), RAX)
	MOVQ(RAX, oRow)
	MOVQ(U32(0), rb)

	Label("rloop")
	Load(Param("rbase"), RAX)
	MOVQ(rb, pNBlk)
	CMPQ(pNBlk, paramAddr("rn1"))
	JGE(LabelRef("rbig"))
	MOVQ(RAX, r)
	Load(Param("nblk1"), pNBlk)
	Load(Param("tq1"), RAX)
	MOVQ(RAX, pTQ)
	Load(Param("mask1"), RAX)
	JMP(LabelRef("rgo"))
	Label("rbig")
	INCQ(RAX)
	MOVQ(RAX, r)
	Load(Param("nblk2"), pNBlk)
	Load(Param("tq2"), RAX)
	MOVQ(RAX, pTQ)
	Load(Param("mask2"), RAX)
	Label("rgo")
	KMOVW(EAX, K1)
	Load(Param("x"), pXCol)
	MOVQ(oRow, pOCol)
	MOVQ(r, RAX)
	dispatch(RAX, 1, panelRows, func(r int) string { return fmt.Sprintf("rows%d", r) }, "done", "pr")

	for r := 1; r <= panelRows; r++ {
		c := panelCols[r]
		Label(fmt.Sprintf("rows%d", r))
		TESTQ(pNBlk, pNBlk)
		JEQ(LabelRef(fmt.Sprintf("tail%d", r)))
		Label(fmt.Sprintf("bulk%d", r))
		panelBlock(d, r, c, false, fmt.Sprintf("r%dbulk", r))
		ADDQ(U32(c*64), pXCol)
		ADDQ(U32(c*64), pOCol)
		DECQ(pNBlk)
		JNE(LabelRef(fmt.Sprintf("bulk%d", r)))

		Label(fmt.Sprintf("tail%d", r))
		MOVQ(pTQ, RAX)
		dispatch(RAX, 0, c, func(q int) string {
			if q == 0 {
				return "rnext"
			}
			return fmt.Sprintf("r%dq%d", r, q)
		}, "rnext", fmt.Sprintf("r%dtq", r))
		for q := 1; q <= c; q++ {
			Label(fmt.Sprintf("r%dq%d", r, q))
			panelBlock(d, r, q, true, fmt.Sprintf("r%dq%d_", r, q))
			JMP(LabelRef("rnext"))
		}
	}

	Label("rnext")
	MOVQ(r, RAX)
	IMULQ(pRS, RAX)
	ADDQ(RAX, pWRow)
	MOVQ(r, RAX)
	IMULQ(pLDO, RAX)
	ADDQ(RAX, oRow)
	INCQ(rb)
	MOVQ(rb, RAX)
	CMPQ(RAX, paramAddr("nrb"))
	JLT(LabelRef("rloop"))

	Label("done")
	VZEROUPPER()
	RET()
}

// panelBlock emits one r × q register block at pXCol / pOCol. With masked,
// zmm column q-1 is loaded and stored under K1.
func panelBlock(d dtype, r, q int, masked bool, tag string) {
	acc := func(i, c int) VecPhysical { return z(i*q + c) }
	xr := func(c int) VecPhysical { return z(r*q + c) }
	nb := 32 - r*q - q // broadcast registers available
	br := func(i int) VecPhysical { return z(r*q + q + i%nb) }
	outPtrs := func() {
		MOVQ(pOCol, pWP)
		if r > 3 {
			LEAQ(Mem{Base: pWP, Index: pLDO, Scale: 2}, pWP3)
			ADDQ(pLDO, pWP3)
		}
	}
	load := func(m Mem, c int, dst VecPhysical) {
		if masked && c == q-1 {
			d.movZ(m, K1, dst)
		} else {
			d.mov(m, dst)
		}
	}

	// Initialise the accumulators: zero, or the current out block.
	outPtrs()
	CMPQ(paramAddr("acc"), Imm(0))
	JNE(LabelRef(tag + "load"))
	for i := 0; i < r; i++ {
		for c := 0; c < q; c++ {
			VPXORD(acc(i, c), acc(i, c), acc(i, c))
		}
	}
	JMP(LabelRef(tag + "k"))
	Label(tag + "load")
	for i := 0; i < r; i++ {
		for c := 0; c < q; c++ {
			load(rowMem(pWP, pWP3, pLDO, i).Offset(64*c), c, acc(i, c))
		}
	}

	Label(tag + "k")
	MOVQ(pWRow, pWP)
	if r > 3 {
		LEAQ(Mem{Base: pWP, Index: pRS, Scale: 2}, pWP3)
		ADDQ(pRS, pWP3)
	}
	MOVQ(pXCol, pXP)
	Load(Param("red"), pKC)
	Label(tag + "kloop")
	for c := 0; c < q; c++ {
		load(Mem{Base: pXP, Disp: 64 * c}, c, xr(c))
	}
	for i := 0; i < r; i++ {
		d.bcast(rowMem(pWP, pWP3, pRS, i), br(i))
		for c := 0; c < q; c++ {
			d.fma(xr(c), br(i), acc(i, c))
		}
	}
	ADDQ(pTS, pWP)
	if r > 3 {
		ADDQ(pTS, pWP3)
	}
	ADDQ(pLDX, pXP)
	DECQ(pKC)
	JNE(LabelRef(tag + "kloop"))

	outPtrs()
	for i := 0; i < r; i++ {
		for c := 0; c < q; c++ {
			m := rowMem(pWP, pWP3, pLDO, i).Offset(64 * c)
			if masked && c == q-1 {
				d.mov(acc(i, c), K1, m)
			} else {
				d.mov(acc(i, c), m)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// nt

var (
	tGP   = RBX // g rows 0..2
	tGP3  = RCX // g rows 3..5
	tLDG  = RDX
	tXP   = RSI // x rows 0..2
	tXP3  = RDI // x row 3
	tLDX  = R8
	tCnt  = R9
	tDW   = R10
	tLDW  = R11
	tTmp  = RAX
	tMask = K1 // column tail
	tKMsk = K2 // rk < 4 output mask
)

// Registers of nt's outer loops (the block code leaves them alone).
var (
	oG  = R12 // g rows of the current j block
	oX  = R13 // x rows of the current k block
	oDW = R14 // dw at (current j block, current k block)
)

// rowMem is the address of row i < 6 of a block whose rows are stride bytes apart: rows
// 0…2 from base, 3…5 from base3 = base + 3·stride (x86 scales reach 2·stride, not 3).
func rowMem(base, base3, stride Register, i int) Mem {
	b := base
	if i >= 3 {
		b, i = base3, i-3
	}
	switch i {
	case 0:
		return Mem{Base: b}
	case 1:
		return Mem{Base: b, Index: stride, Scale: 1}
	default:
		return Mem{Base: b, Index: stride, Scale: 2}
	}
}

// paramAddr is the frame address of an argument of the current function.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// dispatch jumps to label(v) for the value v in [lo, hi] held in r, by a
// balanced tree of comparisons; other values jump to def.
func dispatch(r Register, lo, hi int, label func(int) string, def, tag string) {
	var rec func(lo, hi int)
	rec = func(lo, hi int) {
		if lo == hi {
			CMPQ(r, Imm(uint64(lo)))
			JEQ(LabelRef(label(lo)))
			JMP(LabelRef(def))
			return
		}
		mid := (lo + hi + 1) / 2
		upper := fmt.Sprintf("%s_ge%d_%d", tag, mid, hi)
		CMPQ(r, Imm(uint64(mid)))
		JGE(LabelRef(upper))
		rec(lo, mid-1)
		Label(upper)
		rec(mid, hi)
	}
	rec(lo, hi)
}
