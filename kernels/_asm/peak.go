package main

// fmaPeak{32,64}: the FMA peak of one core, measured as PERF-NOTES does: 12 independent
// chains of fused multiply-adds on whole zmm registers, so that the FMA units, not a
// chain's latency, bound the loop.

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func fmaPeak(d dtype) {
	name := "fmaPeak" + d.name
	TEXT(name, NOSPLIT, "func(n int, out *"+d.goType+")")
	Doc(name+" runs n rounds of 12 independent zmm fused multiply-adds and stores a lane of",
		"their sum into out (so that the work is not dead): 12·2·"+map[string]string{"32": "16", "64": "8"}[d.name]+" FLOPs a round.")
	Pragma("noescape")
	cnt, out := RCX, RDX
	Load(Param("n"), cnt)
	Load(Param("out"), out)
	const chains = 12
	a, b := z(chains), z(chains+1)
	d.bcast(Mem{Base: out}, a) // a = b = *out: inputs the compiler cannot see
	d.bcast(Mem{Base: out}, b)
	for i := 0; i < chains; i++ {
		d.bcast(Mem{Base: out}, z(i))
	}
	Label(name + "_loop")
	TESTQ(cnt, cnt)
	JZ(LabelRef(name + "_done"))
	for i := 0; i < chains; i++ {
		d.fma(a, b, z(i))
	}
	DECQ(cnt)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	for i := 1; i < chains; i++ {
		d.add(z(i), z(0), z(0))
	}
	if d.v == 16 {
		VMOVSS(z(0).AsX(), Mem{Base: out})
	} else {
		VMOVSD(z(0).AsX(), Mem{Base: out})
	}
	VZEROUPPER()
	RET()
}
