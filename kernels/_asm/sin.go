package main

// sin{32,64}: dst[i] = sin(src[i] + bias), the algorithm of Go's math.Sin (Cephes) on
// eight float64 lanes: with a = |x|, y = ⌊a·4/π⌋ made even, z = a − y·π/4 in three parts
// (by FMA), then the sine or the cosine polynomial of z (|z| ≤ π/4) by the octant
// y mod 8, and the sign of x and of the octant. The three-part reduction is exact enough
// below 2²⁹, math.Sin's own threshold for it; lanes at or above it (±Inf included) are
// flagged in the result so that the Go side redoes them with math.Sin. float32 converts
// each half zmm to float64, runs the same, and rounds back. NaN propagates.

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Go's math.Sin: π/4 in three parts, and the polynomials of sin and cos on [0, π/4].
const (
	sinPI4A      = 7.85398125648498535156e-1
	sinPI4B      = 3.77489470793079817668e-8
	sinPI4C      = 2.69515142907905952645e-15
	sinReduceMax = 1 << 29
)

var sinCoef = []float64{1.58962301576546568060e-10, -2.50507477628578072866e-8, 2.75573136213857245213e-6,
	-1.98412698295895385996e-4, 8.33333333332211858878e-3, -1.66666666666666307295e-1}

var cosCoef = []float64{-1.13585365213876817300e-11, 2.08757008419747316778e-9, -2.75573141792967388112e-7,
	2.48015872888517045348e-5, -1.38888888888730564116e-3, 4.16666666666665929218e-2}

// sinConsts are the constant registers of the sine, Z17 … Z30 (Z16 is the bias).
type sinConsts struct {
	tbl                                                         func(i int) Mem
	fourOverPi, pa, pb, pc, half, one, eighth, eight, two, four VecPhysical
	six, abs, sign, limit                                       VecPhysical
}

func newSinConsts(name string) *sinConsts {
	vals := append(append([]float64{}, sinCoef...), cosCoef...)
	vals = append(vals, 4/math.Pi, sinPI4A, sinPI4B, sinPI4C, 0.5, 1, 0.125, 8, 2, 4, 6, sinReduceMax)
	c := &sinConsts{tbl: constTable(name+"c", vals, false)}
	c.fourOverPi, c.pa, c.pb, c.pc, c.half, c.one, c.eighth, c.eight = Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24
	c.two, c.four, c.six, c.limit, c.abs, c.sign = Z25, Z26, Z27, Z28, Z29, Z30
	n := len(sinCoef) + len(cosCoef)
	for i, r := range []VecPhysical{c.fourOverPi, c.pa, c.pb, c.pc, c.half, c.one, c.eighth, c.eight, c.two, c.four, c.six, c.limit} {
		VBROADCASTSD(c.tbl(n+i), r)
	}
	MOVQ(U64(0x7fffffffffffffff), RAX)
	VPBROADCASTQ(RAX, c.abs)
	MOVQ(U64(0x8000000000000000), RAX)
	VPBROADCASTQ(RAX, c.sign)
	KXORW(K5, K5, K5) // the lanes too large to reduce, over the whole call
	return c
}

// core sets r = sin(x) for the eight float64 lanes of x (kept), with six scratch
// registers, and adds to K5 the lanes with |x| ≥ 2²⁹.
func (c *sinConsts) core(x, r VecPhysical, t []VecPhysical) {
	a, y, j, z, zz, s := t[0], t[1], t[2], t[3], t[4], t[5]
	VPANDQ(x, c.abs, a)
	VCMPPD(Imm(13), c.limit, a, K2) // K2 = a ≥ 2²⁹ (false for NaN)
	KORW(K2, K5, K5)
	VMULPD(c.fourOverPi, a, y)
	VRNDSCALEPD(Imm(1), y, y) // y = ⌊a·4/π⌋
	VMULPD(c.half, y, j)      // an odd y goes up by one: y += y − 2⌊y/2⌋
	VRNDSCALEPD(Imm(1), j, j)
	VADDPD(j, j, j)
	VSUBPD(j, y, j)
	VADDPD(j, y, y)
	VMULPD(c.eighth, y, j) // octant j = y − 8⌊y/8⌋ ∈ {0, 2, 4, 6}
	VRNDSCALEPD(Imm(1), j, j)
	VFNMADD213PD(y, c.eight, j)
	VMOVAPD(a, z) // z = a − y·π/4, in three parts
	VFNMADD231PD(c.pa, y, z)
	VFNMADD231PD(c.pb, y, z)
	VFNMADD231PD(c.pc, y, z)
	VMULPD(z, z, zz)
	nS := len(sinCoef)
	VBROADCASTSD(c.tbl(0), s) // sin z = z + z·zz·S(zz)
	for i := 1; i < nS; i++ {
		VFMADD213PD_BCST(c.tbl(i), zz, s)
	}
	VMULPD(zz, s, s)
	VFMADD213PD(z, z, s)
	VBROADCASTSD(c.tbl(nS), r) // cos z = 1 − zz/2 + zz²·C(zz)
	for i := 1; i < len(cosCoef); i++ {
		VFMADD213PD_BCST(c.tbl(nS+i), zz, r)
	}
	VMULPD(zz, r, r)
	VMULPD(zz, r, r)
	VFNMADD231PD(c.half, zz, r)
	VADDPD(c.one, r, r)
	VCMPPD(Imm(0), c.two, j, K3) // octants 2 and 6 take the cosine
	VCMPPD(Imm(0), c.six, j, K4)
	KORW(K3, K4, K3)
	VBLENDMPD(r, s, K3, r)
	VCMPPD(Imm(13), c.four, j, K4) // octants 4 and 6 negate
	VPXORQ(c.sign, r, K4, r)
	VPANDQ(x, c.sign, a) // and so does a negative x
	VPXORQ(a, r, r)
}

// flagged returns K5 as the kernel's result: nonzero if some lane was too large.
func flagged() {
	KMOVW(K5, EAX)
	Store(RAX, ReturnIndex(0))
}

func sin64() {
	TEXT("sin64", NOSPLIT, "func(dst, src *float64, nfull int, mask uint64, bias float64) (big uint64)")
	Doc("sin64 sets dst[i] = sin(src[i]+bias) for the nfull whole zmm and then the lanes of one",
		"more zmm in mask; big is nonzero if some |src[i]+bias| ≥ 2²⁹, whose lanes must be redone.")
	Pragma("noescape")
	dst, src, cnt := elementwiseArgs()
	c := newSinConsts("sin64")
	bias := Z16
	VBROADCASTSD(paramAddr("bias"), bias)
	step := func(regs int, off int, masked bool) {
		x, r := z(regs), z(regs+1)
		t := []VecPhysical{z(regs + 2), z(regs + 3), z(regs + 4), z(regs + 5), z(regs + 6), z(regs + 7)}
		loadBiased(f64, Mem{Base: src, Disp: off}, bias, x, masked)
		c.core(x, r, t)
		store(f64, r, Mem{Base: dst, Disp: off}, masked)
	}
	elementwiseLoop("sin64", 8, step, dst, src, cnt, flagged)
}

func sin32() {
	TEXT("sin32", NOSPLIT, "func(dst, src *float32, nfull int, mask uint64, bias float32) (big uint64)")
	Doc("sin32 sets dst[i] = sin(src[i]+bias), computed in float64 and rounded, for the nfull whole",
		"zmm and then the lanes of one more zmm in mask; big is nonzero if some |src[i]+bias| ≥ 2²⁹.")
	Pragma("noescape")
	dst, src, cnt := elementwiseArgs()
	c := newSinConsts("sin32")
	bias := Z16
	VBROADCASTSS(paramAddr("bias"), bias)
	step := func(regs int, off int, masked bool) {
		xf, x, r, hold := z(0), z(1), z(2), z(9)
		t := []VecPhysical{z(3), z(4), z(5), z(6), z(7), z(8)}
		loadBiased(f32, Mem{Base: src, Disp: off}, bias, xf, masked) // x + bias in float32
		VCVTPS2PD(xf.AsY(), x)                                       // the low eight
		c.core(x, r, t)
		VCVTPD2PS(r, hold.AsY())
		VEXTRACTF64X4(Imm(1), xf, x.AsY()) // the high eight
		VCVTPS2PD(x.AsY(), x)
		c.core(x, r, t)
		VCVTPD2PS(r, r.AsY())
		VINSERTF64X4(Imm(1), r.AsY(), hold, hold)
		store(f32, hold, Mem{Base: dst, Disp: off}, masked)
	}
	// One zmm at a time (second = 0): the two halves are already two independent chains.
	elementwiseLoop("sin32", 0, step, dst, src, cnt, flagged)
}
