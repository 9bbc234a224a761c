package main

// relu{32,64}: dst[i] = max(src[i] + bias, 0), two zmm a step. NaN propagates
// (VMAXPS returns its second Intel source, the sum, when either is NaN).

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func relu(d dtype) {
	name := "relu" + d.name
	TEXT(name, NOSPLIT, "func(dst, src *"+d.goType+", nfull int, mask uint64, bias "+d.goType+")")
	Doc(name+" sets dst[i] = max(src[i]+bias, 0) for the nfull whole zmm and then the lanes",
		"of one more zmm in mask.")
	Pragma("noescape")
	dst, src, cnt := RDI, RSI, RCX
	MOVQ(paramAddr("dst"), dst)
	MOVQ(paramAddr("src"), src)
	MOVQ(paramAddr("nfull"), cnt)
	MOVQ(paramAddr("mask"), RAX)
	KMOVW(EAX, K1)
	bias, zero := Z16, Z17
	add, vmax := VADDPS, VMAXPS
	if d.v == 16 {
		VBROADCASTSS(paramAddr("bias"), bias)
	} else {
		VBROADCASTSD(paramAddr("bias"), bias)
		add, vmax = VADDPD, VMAXPD
	}
	VPXORD(zero, zero, zero)
	step := func(r, off int) {
		x := z(r)
		add(Mem{Base: src, Disp: off}, bias, x)
		vmax(x, zero, x)
		d.mov(x, Mem{Base: dst, Disp: off})
	}
	CMPQ(cnt, Imm(4))
	JLT(LabelRef(name + "_one"))
	Label(name + "_loop4")
	for i := range 4 {
		step(i, 64*i)
	}
	ADDQ(U32(256), src)
	ADDQ(U32(256), dst)
	SUBQ(Imm(4), cnt)
	CMPQ(cnt, Imm(4))
	JGE(LabelRef(name + "_loop4"))
	Label(name + "_one")
	TESTQ(cnt, cnt)
	JEQ(LabelRef(name + "_tail"))
	step(0, 0)
	ADDQ(U32(64), src)
	ADDQ(U32(64), dst)
	DECQ(cnt)
	JMP(LabelRef(name + "_one"))
	Label(name + "_tail")
	KORTESTW(K1, K1)
	JEQ(LabelRef(name + "_done"))
	x := z(0)
	d.movZ(Mem{Base: src}, K1, x)
	add(x, bias, x)
	vmax(x, zero, x)
	d.mov(x, K1, Mem{Base: dst})
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
