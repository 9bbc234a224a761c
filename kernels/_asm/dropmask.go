package main

// dropMask{32,64}: the dropout masks of package kernels (../dropmask.go). Sixteen lanes of
// xoshiro128++ live in four zmm; one step gives 16 32-bit words, whose low halves decide
// elements 0–15 of a block of 32 and whose high halves decide elements 16–31: keep where
// the 16 bits are ≥ cut, 0 where they are below.

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func dropMask(d dtype) {
	name := "dropMask" + d.name
	TEXT(name, NOSPLIT, "func(state *uint32, mask *"+d.goType+", steps int, cut uint32, keep "+d.goType+")")
	Doc(name+" advances the 16-lane xoshiro128++ state by steps steps and writes 32 mask",
		"elements per step: keep where a 16-bit half of the lane's word is ≥ cut, else 0.")
	Pragma("noescape")
	st, out, cnt := RDI, RSI, RCX
	MOVQ(paramAddr("state"), st)
	MOVQ(paramAddr("mask"), out)
	MOVQ(paramAddr("steps"), cnt)
	s0, s1, s2, s3 := Z0, Z1, Z2, Z3
	for i, r := range []VecPhysical{s0, s1, s2, s3} {
		VMOVDQU32(Mem{Base: st, Disp: 64 * i}, r)
	}
	cut, low, keep := Z16, Z17, Z18
	MOVL(paramAddr("cut"), EAX)
	VPBROADCASTD(EAX, cut)
	MOVL(U32(0xffff), EAX)
	VPBROADCASTD(EAX, low)
	d.bcast(paramAddr("keep"), keep)
	res, t, h := Z4, Z5, Z6
	TESTQ(cnt, cnt)
	JEQ(LabelRef("done"))
	Label("loop")
	// result = rotl(s0 + s3, 7) + s0, then the xoshiro128 state transition.
	VPADDD(s3, s0, res)
	VPROLD(Imm(7), res, res)
	VPADDD(s0, res, res)
	VPSLLD(Imm(9), s1, t)
	VPXORD(s0, s2, s2)
	VPXORD(s1, s3, s3)
	VPXORD(s2, s1, s1)
	VPXORD(s3, s0, s0)
	VPXORD(t, s2, s2)
	VPROLD(Imm(11), s3, s3)
	// Elements 0–15 from the low halves, 16–31 from the high halves.
	VPANDD(low, res, h)
	VPCMPUD(Imm(5), cut, h, K1) // h ≥ cut
	VPSRLD(Imm(16), res, h)
	VPCMPUD(Imm(5), cut, h, K2)
	if d.v == 16 {
		VMOVUPS_Z(keep, K1, Z7)
		VMOVUPS(Z7, Mem{Base: out})
		VMOVUPS_Z(keep, K2, Z8)
		VMOVUPS(Z8, Mem{Base: out, Disp: 64})
	} else {
		for i, k := range []Op{K1, K2} {
			VMOVUPD_Z(keep, k, Z7)
			VMOVUPD(Z7, Mem{Base: out, Disp: 128 * i})
			KSHIFTRW(Imm(8), k, K3)
			VMOVUPD_Z(keep, K3, Z8)
			VMOVUPD(Z8, Mem{Base: out, Disp: 128*i + 64})
		}
	}
	ADDQ(U32(32<<d.shift), out)
	DECQ(cnt)
	JNE(LabelRef("loop"))
	Label("done")
	for i, r := range []VecPhysical{s0, s1, s2, s3} {
		VMOVDQU32(r, Mem{Base: st, Disp: 64 * i})
	}
	VZEROUPPER()
	RET()
}
