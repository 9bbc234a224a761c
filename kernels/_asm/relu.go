package main

// relu{32,64}: dst[i] = max(src[i] + bias, 0). NaN propagates
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
	dst, src, cnt := elementwiseArgs()
	bias, zero := Z16, Z17
	add, vmax := VADDPS, VMAXPS
	if d.v == 16 {
		VBROADCASTSS(paramAddr("bias"), bias)
	} else {
		VBROADCASTSD(paramAddr("bias"), bias)
		add, vmax = VADDPD, VMAXPD
	}
	VPXORD(zero, zero, zero)
	step := func(r, off int, masked bool) {
		x := z(r)
		if masked {
			d.movZ(Mem{Base: src, Disp: off}, K1, x)
			add(x, bias, x)
		} else {
			add(Mem{Base: src, Disp: off}, bias, x)
		}
		vmax(x, zero, x)
		if masked {
			d.mov(x, K1, Mem{Base: dst, Disp: off})
		} else {
			d.mov(x, Mem{Base: dst, Disp: off})
		}
	}
	elementwiseLoop(name, 1, step, dst, src, cnt)
}
