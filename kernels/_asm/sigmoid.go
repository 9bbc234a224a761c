package main

// sigmoid{32,64}: dst[i] = 1/(1 + e^{−x}), x = src[i] + bias.
//
// With t = e^{−|x|} (never above 1, so nothing overflows) the sigmoid is
// 1/(1 + t) for x ≥ 0 and t/(1 + t) for x < 0, and both keep the relative
// accuracy of t, tiny outputs included. t: |x| clamped to sigmoidClamp, k =
// round(−|x|/ln2), r = −|x| − k·ln2 in two constants (|r| ≤ ln2/2), e^r by its
// Taylor polynomial (degree 7 for float32: r⁸/8! < 6e-9; degree 13 for
// float64), then e^r·2^k by VSCALEF, which underflows gracefully to 0 — past
// the clamp the sigmoid is 0 or 1 in that precision. NaN propagates.

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func sigmoid(d dtype) {
	f32 := d.v == 16
	deg, clamp, lnHi, lnLo := 13, 750.0, ln2Hi, ln2Lo
	if f32 {
		// ln2 split so that k·lnHi is exact in float32 for |k| < 2¹⁶.
		deg, clamp, lnHi, lnLo = 7, 104.0, 0.693359375, -2.12194440e-4
	}
	vals := expCoeffs(deg)
	nEC := len(vals)
	vals = append(vals, clamp, 1/math.Ln2, lnHi, lnLo, 1)
	name := "sigmoid" + d.name
	tbl := constTable(name+"c", vals, f32)

	TEXT(name, NOSPLIT, "func(dst, src *"+d.goType+", nfull int, mask uint64, bias "+d.goType+")")
	Doc(name+" sets dst[i] = 1/(1+exp(-(src[i]+bias))) for the nfull whole zmm and then",
		"the lanes of one more zmm in mask.")
	Pragma("noescape")

	dst, src, cnt := elementwiseArgs()

	bcast, add, sub, mul, vmin, div, fma, fnma, rnd, scalef, movZ := VBROADCASTSS, VADDPS, VSUBPS, VMULPS, VMINPS, VDIVPS, VFMADD213PS, VFNMADD231PS, VRNDSCALEPS, VSCALEFPS, VMOVUPS_Z
	cmpGE := func(a, b, k Op) { VCMPPS(Imm(13), a, b, k) } // k = b ≥ a (false for NaN)
	if !f32 {
		bcast, add, sub, mul, vmin, div, fma, fnma, rnd, scalef, movZ = VBROADCASTSD, VADDPD, VSUBPD, VMULPD, VMINPD, VDIVPD, VFMADD213PD, VFNMADD231PD, VRNDSCALEPD, VSCALEFPD, VMOVUPD_Z
		cmpGE = func(a, b, k Op) { VCMPPD(Imm(13), a, b, k) }
	}
	// Constant registers: bias, clamp, 1/ln2, the ln2 parts, 1 and the abs mask in Z16 … Z22,
	// the polynomial's first 8 coefficients in Z23 … Z30 (the rest broadcast from memory),
	// zero in Z31.
	bias, hi, invln2, lnhi, lnlo, one, abs, zero := Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z31
	poly := func(i int) VecPhysical { return z(23 + i) } // 1/k! for k = deg … 2: the first 8 in Z23 … Z30
	bcast(paramAddr("bias"), bias)
	for i, r := range []VecPhysical{hi, invln2, lnhi, lnlo, one} {
		bcast(tbl(nEC+i), r)
	}
	if f32 {
		MOVL(U32(0x7fffffff), EAX)
		VPBROADCASTD(EAX, abs)
	} else {
		MOVQ(U64(0x7fffffffffffffff), RAX)
		VPBROADCASTQ(RAX, abs)
	}
	inRegs := min(nEC, 8)
	for i := range inRegs {
		bcast(tbl(i), poly(i))
	}

	step := func(regs int, off int, masked bool) {
		x, y, k, e, num := z(regs), z(regs+1), z(regs+2), z(regs+3), z(regs+4)
		in := Mem{Base: src, Disp: off}
		out := Mem{Base: dst, Disp: off}
		if masked {
			movZ(in, K1, x)
			add(x, bias, x)
		} else {
			add(in, bias, x)
		}
		if f32 {
			VPANDD(x, abs, y)
		} else {
			VPANDQ(x, abs, y)
		}
		vmin(y, hi, y)  // NaN stays NaN (the second Intel source is returned)
		sub(y, zero, y) // y = −|x|
		mul(invln2, y, k)
		rnd(Imm(0), k, k) // round to nearest
		fnma(lnhi, k, y)  // y −= k·lnHi
		fnma(lnlo, k, y)  // y −= k·lnLo
		d.mov(poly(0), e)
		for i := 1; i < nEC; i++ {
			if i < inRegs {
				fma(poly(i), y, e) // e = y·e + 1/k!
			} else {
				VFMADD213PD_BCST(tbl(i), y, e) // float64 only: float32 has 6 terms
			}
		}
		fma(one, y, e)  // + r
		fma(one, y, e)  // + 1
		scalef(k, e, e) // t = e^−|x|
		cmpGE(zero, x, K2)
		d.mov(e, num)
		d.mov(one, K2, num) // 1 for x ≥ 0, t below
		add(one, e, e)
		div(e, num, e) // num/(1 + t)
		if masked {
			d.mov(e, K1, out)
		} else {
			d.mov(e, out)
		}
	}

	VPXORD(zero, zero, zero)
	elementwiseLoop(name, 5, step, dst, src, cnt)
}
