package main

// sigmoid{32,64}: dst[i] = 1/(1 + e^{−x}), x = src[i] + bias.
//
// With t = e^{−|x|} (never above 1, so nothing overflows) the sigmoid is
// 1/(1 + t) for x ≥ 0 and t/(1 + t) for x < 0, and both keep the relative
// accuracy of t, tiny outputs included. t: |x| clamped to the exp clamp, k =
// round(−|x|/ln2), r = −|x| − k·ln2 in two constants (|r| ≤ ln2/2), e^r by its
// Taylor polynomial (degree 7 for float32: r⁸/8! < 6e-9; degree 13 for
// float64), then e^r·2^k by VSCALEF, which underflows gracefully to 0 — past
// the clamp the sigmoid is 0 or 1 in that precision. NaN propagates.
//
// softplus{32,64}: dst[i] = log(1 + eˣ) = max(x, 0) + log1p(t), the same t. With
// s = t/(2 + t) ∈ [0, 1/3], log1p(t) = 2·atanh(s) = s·Σ 2·s²ⁱ/(2i+1), summed to
// i = 6 (float32: s¹⁴/15 < 2e-8 relative) or 15 (float64: s³²/33 < 2e-17); the
// sum keeps the relative accuracy of t, so softplus of a very negative x is as
// accurate as e^x. NaN propagates.

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// expNegAbs holds the constant registers of t = e^{−|x|} for one kernel, loaded by
// newExpNegAbs into Z16 … Z30 (and the zero register Z31).
type expNegAbs struct {
	d                                              dtype
	tbl                                            func(i int) Mem
	nEC, inRegs                                    int
	hi, invln2, lnhi, lnlo, one, abs, zero         VecPhysical
	add, sub, mul, vmin, vmax, div, fma, fnma, rnd func(ops ...Op)
	scalef                                         func(ops ...Op)
}

// newExpNegAbs emits the table name+"c" (the exp polynomial, its constants, then extra) and
// loads the constants; extra(i) addresses extra's entries.
func newExpNegAbs(d dtype, name string, extra []float64) (c *expNegAbs, extraAt func(i int) Mem) {
	f32 := d.v == 16
	deg, clamp, lnHi, lnLo := 13, 750.0, ln2Hi, ln2Lo
	if f32 {
		// ln2 split so that k·lnHi is exact in float32 for |k| < 2¹⁶.
		deg, clamp, lnHi, lnLo = 7, 104.0, 0.693359375, -2.12194440e-4
	}
	vals := expCoeffs(deg)
	c = &expNegAbs{d: d, nEC: len(vals)}
	vals = append(vals, clamp, 1/math.Ln2, lnHi, lnLo, 1)
	base := len(vals)
	vals = append(vals, extra...)
	c.tbl = constTable(name+"c", vals, f32)
	extraAt = func(i int) Mem { return c.tbl(base + i) }

	bcast := VBROADCASTSS
	c.add, c.sub, c.mul, c.vmin, c.vmax, c.div = VADDPS, VSUBPS, VMULPS, VMINPS, VMAXPS, VDIVPS
	c.fma, c.fnma, c.rnd, c.scalef = VFMADD213PS, VFNMADD231PS, VRNDSCALEPS, VSCALEFPS
	if !f32 {
		bcast = VBROADCASTSD
		c.add, c.sub, c.mul, c.vmin, c.vmax, c.div = VADDPD, VSUBPD, VMULPD, VMINPD, VMAXPD, VDIVPD
		c.fma, c.fnma, c.rnd, c.scalef = VFMADD213PD, VFNMADD231PD, VRNDSCALEPD, VSCALEFPD
	}
	// Constant registers: clamp, 1/ln2, the ln2 parts, 1 and the abs mask in Z17 … Z22,
	// the polynomial's first 8 coefficients in Z23 … Z30 (the rest broadcast from memory),
	// zero in Z31. Z16 is left for the kernel's bias.
	c.hi, c.invln2, c.lnhi, c.lnlo, c.one, c.abs, c.zero = Z17, Z18, Z19, Z20, Z21, Z22, Z31
	for i, r := range []VecPhysical{c.hi, c.invln2, c.lnhi, c.lnlo, c.one} {
		bcast(c.tbl(c.nEC+i), r)
	}
	if f32 {
		MOVL(U32(0x7fffffff), EAX)
		VPBROADCASTD(EAX, c.abs)
	} else {
		MOVQ(U64(0x7fffffffffffffff), RAX)
		VPBROADCASTQ(RAX, c.abs)
	}
	c.inRegs = min(c.nEC, 8)
	for i := range c.inRegs {
		bcast(c.tbl(i), c.poly(i))
	}
	VPXORD(c.zero, c.zero, c.zero)
	return c, extraAt
}

func (c *expNegAbs) poly(i int) VecPhysical { return z(23 + i) } // 1/k! for k = deg … 2

// emit sets t = e^{−|x|}, using y and k as scratch (x is kept).
func (c *expNegAbs) emit(x, y, k, t VecPhysical) {
	if c.d.v == 16 {
		VPANDD(x, c.abs, y)
	} else {
		VPANDQ(x, c.abs, y)
	}
	c.vmin(y, c.hi, y)  // NaN stays NaN (the second Intel source is returned)
	c.sub(y, c.zero, y) // y = −|x|
	c.mul(c.invln2, y, k)
	c.rnd(Imm(0), k, k)  // round to nearest
	c.fnma(c.lnhi, k, y) // y −= k·lnHi
	c.fnma(c.lnlo, k, y) // y −= k·lnLo
	c.d.mov(c.poly(0), t)
	for i := 1; i < c.nEC; i++ {
		if i < c.inRegs {
			c.fma(c.poly(i), y, t) // t = y·t + 1/k!
		} else {
			VFMADD213PD_BCST(c.tbl(i), y, t) // float64 only: float32 has 6 terms
		}
	}
	c.fma(c.one, y, t) // + r
	c.fma(c.one, y, t) // + 1
	c.scalef(k, t, t)  // e^r·2^k
}

func sigmoid(d dtype) {
	name := "sigmoid" + d.name
	TEXT(name, NOSPLIT, "func(dst, src *"+d.goType+", nfull int, mask uint64, bias "+d.goType+")")
	Doc(name+" sets dst[i] = 1/(1+exp(-(src[i]+bias))) for the nfull whole zmm and then",
		"the lanes of one more zmm in mask.")
	Pragma("noescape")
	dst, src, cnt := elementwiseArgs()
	c, _ := newExpNegAbs(d, name, nil)
	bias := Z16
	d.bcast(paramAddr("bias"), bias)
	cmpGE := func(a, b, k Op) { VCMPPS(Imm(13), a, b, k) } // k = b ≥ a (false for NaN)
	if d.v == 8 {
		cmpGE = func(a, b, k Op) { VCMPPD(Imm(13), a, b, k) }
	}

	step := func(regs int, off int, masked bool) {
		x, y, k, t, num := z(regs), z(regs+1), z(regs+2), z(regs+3), z(regs+4)
		loadBiased(d, Mem{Base: src, Disp: off}, bias, x, masked)
		c.emit(x, y, k, t)
		cmpGE(c.zero, x, K2)
		d.mov(t, num)
		d.mov(c.one, K2, num) // 1 for x ≥ 0, t below
		c.add(c.one, t, t)
		c.div(t, num, t) // num/(1 + t)
		store(d, t, Mem{Base: dst, Disp: off}, masked)
	}
	elementwiseLoop(name, 5, step, dst, src, cnt)
}

// softplusTerms is how many terms of log1p's atanh series softplus sums.
func softplusTerms(d dtype) int {
	if d.v == 16 {
		return 7
	}
	return 16
}

func softplus(d dtype) {
	name := "softplus" + d.name
	TEXT(name, NOSPLIT, "func(dst, src *"+d.goType+", nfull int, mask uint64, bias "+d.goType+")")
	Doc(name+" sets dst[i] = log(1+exp(src[i]+bias)) for the nfull whole zmm and then the",
		"lanes of one more zmm in mask.")
	Pragma("noescape")
	dst, src, cnt := elementwiseArgs()
	// The series' coefficients 2/(2i+1), highest first, then 2.
	n := softplusTerms(d)
	var coef []float64
	for i := n - 1; i >= 0; i-- {
		coef = append(coef, 2/float64(2*i+1))
	}
	coef = append(coef, 2)
	c, at := newExpNegAbs(d, name, coef)
	bias := Z16
	d.bcast(paramAddr("bias"), bias)
	fmaBcast := VFMADD213PS_BCST
	if d.v == 8 {
		fmaBcast = VFMADD213PD_BCST
	}

	step := func(regs int, off int, masked bool) {
		x, y, k, t, w := z(regs), z(regs+1), z(regs+2), z(regs+3), z(regs+4)
		loadBiased(d, Mem{Base: src, Disp: off}, bias, x, masked)
		c.emit(x, y, k, t)
		d.bcast(at(n), y) // 2
		c.add(t, y, y)    // 2 + t
		c.div(y, t, t)    // s = t/(2 + t)
		c.mul(t, t, w)    // w = s²
		d.bcast(at(0), y) // Horner in w over the series
		for i := 1; i < n; i++ {
			fmaBcast(at(i), w, y) // y = w·y + 2/(2i+1)
		}
		c.mul(t, y, y)       // log1p(t) = s·Σ
		c.vmax(x, c.zero, x) // max(x, 0); a NaN x stays (the second Intel source)
		c.add(y, x, x)
		store(d, x, Mem{Base: dst, Disp: off}, masked)
	}
	elementwiseLoop(name, 5, step, dst, src, cnt)
}
