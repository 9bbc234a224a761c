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
	vmax := VMAXPS
	if d.v == 8 {
		vmax = VMAXPD
	}
	d.bcast(paramAddr("bias"), bias)
	VPXORD(zero, zero, zero)
	step := func(r, off int, masked bool) {
		x := z(r)
		loadBiased(d, Mem{Base: src, Disp: off}, bias, x, masked)
		vmax(x, zero, x)
		store(d, x, Mem{Base: dst, Disp: off}, masked)
	}
	elementwiseLoop(name, 1, step, dst, src, cnt)
}
