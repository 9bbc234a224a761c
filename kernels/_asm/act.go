package main

// Elementwise tanh kernels, dst[i] = tanh(src[i] + bias), and the argument prologue,
// biased load, store and loop that every elementwise kernel (tanh, sigmoid, softplus,
// sin, relu) shares.
//
//   - tanh32: the rational approximation of runtime.Tanh32 (Eigen's
//     ptanh_float), x·P(x²)/Q(x²), with x² clamped to 100 (|x| to 10) and
//     the result capped at ±1 (see tanh32AsmClamp). 16 lanes per zmm, Horner
//     with FMA.
//   - tanh64: for |x| < 0.625 Cephes' x + x·s·P(s)/Q(s), s = x² (the
//     formula of Go's math.Tanh); otherwise 1 − 2/(e^{2|x|} + 1) with a
//     vectorised exp (k = round(y/ln2), two-constant reduction, degree-13
//     Taylor polynomial on |r| ≤ ln2/2, 2^k by VSCALEFPD), 2|x| clamped to 44
//     (tanh = 1 in float64 from |x| ≈ 19.1 on). Both branches are computed
//     for all lanes and merged before the single division; the sign of x is
//     put back at the end. NaN propagates (min/max keep the NaN operand).
//
// Both walk nfull full zmm and then one zmm under the k-mask `mask` (if it
// is not zero); dst may equal src (each zmm is read before it is written).

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// tanh32 constants: runtime.Tanh32's polynomials. Tanh32 clamps x to ±7.905 (Eigen), where
// its rational gives 1 without FMA; with FMA it gives 1 − 2⁻²² there, so the kernel clamps
// at ±10 instead, where the rational exceeds 1, and caps the result at ±1: exactly ±1 from
// |x| ≈ 9.5 on, within 1.2e-7 of tanh on [7.9, 9.5]. Tanh32 also returns x itself for
// |x| < 4e-4; the kernel does not (the rational is within 1.3e-7 relative there). Both
// save instructions in a loop bound by their count.
const tanh32AsmClamp = 10.0

var tanh32P = []float32{ // highest degree first
	-2.76076847742355e-16,
	2.00018790482477e-13,
	-8.60467152213735e-11,
	5.12229709037114e-08,
	1.48572235717979e-05,
	6.37261928875436e-04,
	4.89352455891786e-03,
}

var tanh32Q = []float32{
	1.19825839466702e-06,
	1.18534705686654e-04,
	2.26843463243900e-03,
	4.89352518554385e-03,
}

// tanh64 constants: Cephes tanh.c (as math.Tanh), P highest degree first,
// Q monic without its leading 1.
var tanh64P = []float64{
	-9.64399179425052238628e-1,
	-9.92877231001918586564e1,
	-1.61468768441708447952e3,
}

var tanh64Q = []float64{
	1.12811678491632931402e2,
	2.23548839060100448583e3,
	4.84406305325125486048e3,
}

const (
	tanh64Small = 0.625 // below: rational; above: exp
	tanh64YMax  = 44.0  // clamp of y = 2|x|; 1 − 2/(e⁴⁴+1) rounds to 1
	expDeg      = 13    // Taylor degree of exp on |r| ≤ ln2/2: r¹⁴/14! < 5e-18
	ln2Hi       = 6.93147180369123816490e-01
	ln2Lo       = 1.90821492927058770002e-10
)

// expCoeffs is 1/k! for k = deg down to 2: the coefficients of e^r above degree 1,
// highest first, for Horner's rule.
func expCoeffs(deg int) []float64 {
	var c []float64
	for k := deg; k >= 2; k-- {
		f := 1.0
		for i := 2; i <= k; i++ {
			f *= float64(i)
		}
		c = append(c, 1/f)
	}
	return c
}

// constTable emits a read-only table of float32 or float64 constants and
// returns a function giving the Mem of entry i.
func constTable(name string, vals []float64, f32 bool) func(i int) Mem {
	size := 8
	if f32 {
		size = 4
	}
	m := GLOBL(name, RODATA|NOPTR)
	for i, v := range vals {
		// As bit patterns: the assembler would read a float printed without
		// a decimal point (44, 1, -2) as an integer.
		if f32 {
			DATA(i*size, U32(math.Float32bits(float32(v))))
		} else {
			DATA(i*size, U64(math.Float64bits(v)))
		}
	}
	return func(i int) Mem { return m.Offset(i * size) }
}

func tanh32() {
	// Table: clamp of x², P..., Q....
	vals := []float64{tanh32AsmClamp * tanh32AsmClamp}
	for _, p := range tanh32P {
		vals = append(vals, float64(p))
	}
	for _, q := range tanh32Q {
		vals = append(vals, float64(q))
	}
	tbl := constTable("tanh32c", vals, true)

	TEXT("tanh32", NOSPLIT, "func(dst, src *float32, nfull int, mask uint64, bias float32)")
	Doc("tanh32 sets dst[i] = tanh(src[i] + bias) (runtime.Tanh32's rational approximation)",
		"for the nfull·16 elements of nfull full zmm and then the lanes of one more zmm in mask.")
	Pragma("noescape")

	dst, src, cnt := elementwiseArgs()

	// Constant registers Z16..Z31. The leading coefficients are broadcast from the table
	// into the Horner registers instead of copied from a register: a broadcast from memory
	// is a load, which leaves the two vector ALU ports that bound this loop to the arithmetic.
	bias, clamp, one, none := Z16, Z17, Z18, Z19
	np, nq := len(tanh32P), len(tanh32Q)
	pc := func(i int) VecPhysical { return z(19 + i) } // i ≥ 1
	qc := func(i int) VecPhysical { return z(18 + np + i) }
	VBROADCASTSS(paramAddr("bias"), bias)
	VBROADCASTSS(tbl(0), clamp)
	MOVL(U32(math.Float32bits(1)), EAX)
	VPBROADCASTD(EAX, one)
	MOVL(U32(math.Float32bits(-1)), EAX)
	VPBROADCASTD(EAX, none)
	for i := 1; i < np; i++ {
		VBROADCASTSS(tbl(1+i), pc(i))
	}
	for i := 1; i < nq; i++ {
		VBROADCASTSS(tbl(1+np+i), qc(i))
	}

	step := func(regs int, off int, masked bool) {
		x, x2, p, q := z(regs), z(regs+1), z(regs+2), z(regs+3)
		loadBiased(f32, Mem{Base: src, Disp: off}, bias, x, masked)
		// x² clamped to 100 instead of x to ±10: one instruction fewer, and the same result,
		// as x·P(100)/Q(100) exceeds 1 in magnitude for |x| > 10 and is capped below.
		VMULPS(x, x, x2)
		VMINPS(x2, clamp, x2) // NaN stays NaN: min/max return their (Intel) second source
		VBROADCASTSS(tbl(1), p)
		for i := 1; i < np; i++ {
			VFMADD213PS(pc(i), x2, p) // p = x2·p + P[i]
		}
		VBROADCASTSS(tbl(1+np), q)
		for i := 1; i < nq; i++ {
			VFMADD213PS(qc(i), x2, q)
		}
		VMULPS(x, p, p)
		VDIVPS(q, p, p)    // p = x·P / Q
		VMINPS(p, one, p)  // past about ±9.5 the rational exceeds 1: exactly ±1 there
		VMAXPS(p, none, p) // (NaN stays NaN)
		store(f32, p, Mem{Base: dst, Disp: off}, masked)
	}

	elementwiseLoop("tanh32", 4, step, dst, src, cnt)
}

func tanh64() {
	// Table: exp's Taylor coefficients above degree 1.
	vals := expCoeffs(expDeg)
	ec := constTable("tanh64e", vals, false)
	nEC := len(vals)
	cvals := []float64{tanh64Small, tanh64YMax, 1 / math.Ln2, ln2Hi, ln2Lo, 1, -2}
	cvals = append(cvals, tanh64P...)
	cvals = append(cvals, tanh64Q...)
	ct := constTable("tanh64c", cvals, false)

	TEXT("tanh64", NOSPLIT, "func(dst, src *float64, nfull int, mask uint64, bias float64)")
	Doc("tanh64 sets dst[i] = tanh(src[i] + bias) for the nfull·8 elements of nfull full zmm",
		"and then the lanes of one more zmm in mask.")
	Pragma("noescape")

	dst, src, cnt := elementwiseArgs()

	// Constant registers Z16..Z31 (the exp coefficients are broadcast from memory).
	bias, abs, small, ymax, invln2, lnhi, lnlo, one, neg2 := Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24
	pc := func(i int) VecPhysical { return z(25 + i) }
	qc := func(i int) VecPhysical { return z(25 + len(tanh64P) + i) }
	VBROADCASTSD(paramAddr("bias"), bias)
	MOVQ(U64(0x7fffffffffffffff), RAX)
	VPBROADCASTQ(RAX, abs)
	for i, r := range []VecPhysical{small, ymax, invln2, lnhi, lnlo, one, neg2} {
		VBROADCASTSD(ct(i), r)
	}
	for i := range tanh64P {
		VBROADCASTSD(ct(7+i), pc(i))
	}
	for i := range tanh64Q {
		VBROADCASTSD(ct(7+len(tanh64P)+i), qc(i))
	}

	step := func(regs int, off int, masked bool) {
		x, a, s, p, q, y, k, e := z(regs), z(regs+1), z(regs+2), z(regs+3), z(regs+4), z(regs+5), z(regs+6), z(regs+7)
		loadBiased(f64, Mem{Base: src, Disp: off}, bias, x, masked)
		VPANDQ(x, abs, a)
		VCMPPD(Imm(1), small, a, K2) // K2 = |x| < 0.625 (false for NaN)

		// Small branch: numerator a·s·P(s), denominator Q(s).
		VMULPD(a, a, s)
		VMOVAPD(pc(0), p)
		for i := 1; i < len(tanh64P); i++ {
			VFMADD213PD(pc(i), s, p)
		}
		VADDPD(qc(0), s, q)
		for i := 1; i < len(tanh64Q); i++ {
			VFMADD213PD(qc(i), s, q)
		}
		VMULPD(s, p, p)
		VMULPD(a, p, p)

		// Large branch: e = exp(y), y = min(2a, 44).
		VADDPD(a, a, y)
		VMINPD(y, ymax, y) // NaN stays NaN
		VMULPD(invln2, y, k)
		VRNDSCALEPD(Imm(0), k, k) // round to nearest
		VFNMADD231PD(lnhi, k, y)  // y -= k·ln2Hi
		VFNMADD231PD(lnlo, k, y)  // y -= k·ln2Lo
		VBROADCASTSD(ec(0), e)
		for i := 1; i < nEC; i++ {
			VFMADD213PD_BCST(ec(i), y, e) // e = y·e + 1/k!
		}
		VFMADD213PD(one, y, e) // + r
		VFMADD213PD(one, y, e) // + 1
		VSCALEFPD(k, e, e)     // e·2^k
		VADDPD(one, e, e)

		// Merge: base + num/den with (a, a·s·P, Q) small, (1, -2, e+1) large.
		VBLENDMPD(p, neg2, K2, p)
		VBLENDMPD(q, e, K2, q)
		VBLENDMPD(a, one, K2, a)
		VDIVPD(q, p, p)
		VADDPD(a, p, p)
		VPANDNQ(x, abs, x) // sign bit of x
		VPORQ(x, p, p)
		store(f64, p, Mem{Base: dst, Disp: off}, masked)
	}

	elementwiseLoop("tanh64", 8, step, dst, src, cnt)
}

// elementwiseArgs loads the arguments every elementwise kernel takes — dst, src, nfull
// (whole zmm) and mask (the lanes of the last, partial zmm, into K1) — and returns the
// registers of the first three.
func elementwiseArgs() (dst, src, cnt Register) {
	dst, src, cnt = RDI, RSI, RCX
	MOVQ(paramAddr("dst"), dst)
	MOVQ(paramAddr("src"), src)
	MOVQ(paramAddr("nfull"), cnt)
	MOVQ(paramAddr("mask"), RAX)
	KMOVW(EAX, K1)
	return dst, src, cnt
}

// loadBiased sets x = src + bias for one zmm (masked: the lanes of K1, others zero).
func loadBiased(d dtype, in Mem, bias, x VecPhysical, masked bool) {
	if masked {
		d.movZ(in, K1, x)
		d.add(x, bias, x)
	} else {
		d.add(in, bias, x)
	}
}

// store writes v to out (masked: the lanes of K1).
func store(d dtype, v VecPhysical, out Mem, masked bool) {
	if masked {
		d.mov(v, K1, out)
	} else {
		d.mov(v, out)
	}
}

// elementwiseLoop walks the nfull whole zmm of an elementwise kernel two at a time (step on
// registers from 0 and from second), then one, then the lanes of K1, runs epilogue (if any)
// and returns.
func elementwiseLoop(name string, second int, step func(regs, off int, masked bool), dst, src, cnt Register, epilogue ...func()) {
	CMPQ(cnt, Imm(2))
	JLT(LabelRef(name + "_one"))
	Label(name + "_loop2")
	step(0, 0, false)
	step(second, 64, false)
	ADDQ(U32(128), src)
	ADDQ(U32(128), dst)
	SUBQ(Imm(2), cnt)
	CMPQ(cnt, Imm(2))
	JGE(LabelRef(name + "_loop2"))
	Label(name + "_one")
	TESTQ(cnt, cnt)
	JEQ(LabelRef(name + "_tail"))
	step(0, 0, false)
	ADDQ(U32(64), src)
	ADDQ(U32(64), dst)
	Label(name + "_tail")
	KORTESTW(K1, K1)
	JEQ(LabelRef(name + "_done"))
	step(0, 0, true)
	Label(name + "_done")
	for _, f := range epilogue {
		f()
	}
	VZEROUPPER()
	RET()
}
