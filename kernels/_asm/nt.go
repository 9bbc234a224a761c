package main

// GemmNT: the weight-gradient contraction, each output a sum along contiguous memory on
// both sides, reduced across lanes by trees of adds.

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func nt(d dtype) {
	TEXT("nt"+d.name, NOSPLIT, fmt.Sprintf(
		"func(jbase, jn1, nj, kbase, kn1, nk, nfull int, mask uint64, grad *%[1]s, ldg int, x *%[1]s, ldx int, dw *%[1]s, ldw int, acc int, npos int, gstep int, xstep int)", d.goType))
	Doc(fmt.Sprintf("nt%s computes dw[j*ldw+k] (+)= Σ_p Σ_b grad[p*gstep+j*ldg+b]·x[p*xstep+k*ldx+b] for j < M,", d.name),
		"k < K and p < npos ≥ 1, over nfull full zmm of b and then one zmm masked by mask (if",
		"mask != 0): the sums of all positions p stay in the accumulators, reduced once.",
		fmt.Sprintf("The rows j are taken in nj blocks, the first jn1 of jbase rows and the rest of jbase+1 (≤ %d);", ntRows),
		fmt.Sprintf("likewise the columns k in nk blocks of kbase or kbase+1 (≤ %d). Strides are in elements;", ntCols),
		"acc != 0 adds to dw.")
	Pragma("noescape")

	jb, kb, rj, rk, dwRow := AllocLocal(8), AllocLocal(8), AllocLocal(8), AllocLocal(8), AllocLocal(8)
	// From the end of one position's b loop to the start of the next: the step less the
	// nfull zmm the loop advanced (the masked tail does not advance).
	gDelta, xDelta, posLeft = AllocLocal(8), AllocLocal(8), AllocLocal(8)
	Load(Param("nfull"), tCnt)
	SHLQ(Imm(6), tCnt)
	Load(Param("gstep"), tTmp)
	SHLQ(Imm(d.shift), tTmp)
	SUBQ(tCnt, tTmp)
	MOVQ(tTmp, gDelta)
	Load(Param("xstep"), tTmp)
	SHLQ(Imm(d.shift), tTmp)
	SUBQ(tCnt, tTmp)
	MOVQ(tTmp, xDelta)

	Load(Param("ldg"), tLDG)
	Load(Param("ldx"), tLDX)
	Load(Param("ldw"), tLDW)
	SHLQ(Imm(d.shift), tLDG)
	SHLQ(Imm(d.shift), tLDX)
	SHLQ(Imm(d.shift), tLDW)
	Load(Param("mask"), tTmp)
	KMOVW(tTmp.As32(), tMask)
	Load(Param("grad"), oG)
	Load(Param("dw"), tTmp)
	MOVQ(tTmp, dwRow)
	MOVQ(U32(0), jb)

	Label("jloop")
	Load(Param("jbase"), tTmp)
	MOVQ(jb, tCnt)
	CMPQ(tCnt, paramAddr("jn1"))
	JLT(LabelRef("jsmall"))
	INCQ(tTmp)
	Label("jsmall")
	MOVQ(tTmp, rj)
	Load(Param("x"), oX)
	MOVQ(dwRow, oDW)
	MOVQ(U32(0), kb)

	Label("kloop")
	Load(Param("kbase"), tTmp)
	MOVQ(kb, tCnt)
	CMPQ(tCnt, paramAddr("kn1"))
	JLT(LabelRef("ksmall"))
	INCQ(tTmp)
	Label("ksmall")
	MOVQ(tTmp, rk)
	// The block's pointers.
	MOVQ(oG, tGP)
	LEAQ(Mem{Base: tGP, Index: tLDG, Scale: 2}, tGP3)
	ADDQ(tLDG, tGP3)
	MOVQ(oX, tXP)
	LEAQ(Mem{Base: tXP, Index: tLDX, Scale: 2}, tXP3)
	ADDQ(tLDX, tXP3)
	MOVQ(oDW, tDW)
	Load(Param("nfull"), tCnt)
	// v = (rj-1)*ntCols + rk-1
	MOVQ(rj, tTmp)
	SHLQ(Imm(2), tTmp) // ntCols == 4
	ADDQ(rk, tTmp)
	SUBQ(Imm(ntCols+1), tTmp)
	dispatch(tTmp, 0, ntRows*ntCols-1, func(v int) string {
		return fmt.Sprintf("j%dk%d", v/ntCols+1, v%ntCols+1)
	}, "done", "v")
	for rj := 1; rj <= ntRows; rj++ {
		for rk := 1; rk <= ntCols; rk++ {
			Label(fmt.Sprintf("j%dk%d", rj, rk))
			ntBlock(d, rj, rk, fmt.Sprintf("j%dk%d_", rj, rk))
			JMP(LabelRef("next"))
		}
	}

	Label("next")
	MOVQ(rk, tTmp)
	IMULQ(tLDX, tTmp)
	ADDQ(tTmp, oX)
	MOVQ(rk, tTmp)
	SHLQ(Imm(d.shift), tTmp)
	ADDQ(tTmp, oDW)
	INCQ(kb)
	MOVQ(kb, tTmp)
	CMPQ(tTmp, paramAddr("nk"))
	JLT(LabelRef("kloop"))

	MOVQ(rj, tTmp)
	IMULQ(tLDG, tTmp)
	ADDQ(tTmp, oG)
	MOVQ(rj, tTmp)
	IMULQ(tLDW, tTmp)
	ADDQ(tTmp, dwRow)
	INCQ(jb)
	MOVQ(jb, tTmp)
	CMPQ(tTmp, paramAddr("nj"))
	JLT(LabelRef("jloop"))

	Label("done")
	VZEROUPPER()
	RET()
}

// gDelta, xDelta and posLeft are nt's locals for its position loop (ntBlock uses them).
var gDelta, xDelta, posLeft Mem

func ntBlock(d dtype, rj, rk int, tag string) {
	// sets: independent accumulator sets (small blocks need more chains to
	// hide the FMA latency); the loop body does ntUnroll steps.
	sets := 1
	if rj*rk <= 8 {
		sets = 2
	}
	nacc := rj * rk
	acc := func(s, j, k int) VecPhysical { return z((s%sets)*nacc + j*rk + k) }
	next := sets * nacc
	gsets := 1
	if 32-next >= 2*rj+2 {
		gsets = 2
	}
	gr := func(s, j int) VecPhysical { return z(next + (s%gsets)*rj + j) }
	nx := 32 - next - gsets*rj
	xt := func(s, k int) VecPhysical { return z(next + gsets*rj + (s*rk+k)%nx) }

	step := func(s, off int, masked bool) {
		ld := func(m Mem, dst VecPhysical) {
			if masked {
				d.movZ(m, tMask, dst)
			} else {
				d.mov(m, dst)
			}
		}
		for j := 0; j < rj; j++ {
			ld(rowMem(tGP, tGP3, tLDG, j).Offset(off), gr(s, j))
		}
		for k := 0; k < rk; k++ {
			ld(rowMem(tXP, tXP3, tLDX, k).Offset(off), xt(s, k))
			for j := 0; j < rj; j++ {
				d.fma(gr(s, j), xt(s, k), acc(s, j, k))
			}
		}
	}
	advance := func(bytes int) {
		ADDQ(U32(bytes), tGP)
		if rj > 3 {
			ADDQ(U32(bytes), tGP3)
		}
		ADDQ(U32(bytes), tXP)
		if rk > 3 {
			ADDQ(U32(bytes), tXP3)
		}
	}

	for i := 0; i < sets*nacc; i++ {
		VPXORD(z(i), z(i), z(i))
	}
	Load(Param("npos"), tTmp)
	MOVQ(tTmp, posLeft)
	Label(tag + "pos")
	Load(Param("nfull"), tCnt)
	if ntUnroll > 1 {
		CMPQ(tCnt, Imm(ntUnroll))
		JLT(LabelRef(tag + "one"))
		Label(tag + "loopU")
		for u := 0; u < ntUnroll; u++ {
			step(u, 64*u, false)
		}
		advance(64 * ntUnroll)
		SUBQ(Imm(ntUnroll), tCnt)
		CMPQ(tCnt, Imm(ntUnroll))
		JGE(LabelRef(tag + "loopU"))
		Label(tag + "one")
	}
	TESTQ(tCnt, tCnt)
	JEQ(LabelRef(tag + "tail"))
	Label(tag + "loop")
	step(0, 0, false)
	advance(64)
	DECQ(tCnt)
	JNE(LabelRef(tag + "loop"))
	Label(tag + "tail")
	KORTESTW(tMask, tMask)
	JEQ(LabelRef(tag + "posnext"))
	step(0, 0, true)
	Label(tag + "posnext")
	ADDQ(gDelta, tGP)
	if rj > 3 {
		ADDQ(gDelta, tGP3)
	}
	ADDQ(xDelta, tXP)
	if rk > 3 {
		ADDQ(xDelta, tXP3)
	}
	DECQ(posLeft)
	JNE(LabelRef(tag + "pos"))
	if sets == 2 {
		for i := 0; i < nacc; i++ {
			d.add(z(nacc+i), z(i), z(i))
		}
	}

	// Horizontal reduction. Every tree output zmm holds per rows × 4 sums:
	// row j, column k in slot (j%per)*4 + k of tree j/per.
	per := d.v / 4
	ntrees := (rj + per - 1) / per
	temps := []VecPhysical{}
	for i := nacc; i < 32; i++ {
		temps = append(temps, z(i))
	}
	ins := make([][]Register, ntrees)
	for t := range ins {
		ins[t] = make([]Register, d.v)
		for slot := 0; slot < d.v; slot++ {
			j, k := t*per+slot/4, slot%4
			if j < rj && k < rk {
				ins[t][treeInput(d, slot)] = acc(0, j, k)
			}
		}
	}
	red := trees(d, ins, temps[2:])

	// Store (or add) the rows.
	if rk < 4 {
		MOVL(U32(1<<rk-1), tTmp.As32())
		KMOVW(tTmp.As32(), tKMsk)
	}
	rowVal := func(j int) Register {
		tr := red[j/per]
		lane := j % per
		if d.v == 16 {
			if lane == 0 {
				return tr.AsX()
			}
			VEXTRACTF32X4(Imm(uint64(lane)), tr, temps[0].AsX())
			return temps[0].AsX()
		}
		if lane == 0 {
			return tr.AsY()
		}
		VEXTRACTF64X4(Imm(1), tr, temps[0].AsY())
		return temps[0].AsY()
	}
	for _, add := range []bool{false, true} {
		if !add {
			CMPQ(paramAddr("acc"), Imm(0))
			JNE(LabelRef(tag + "add"))
		} else {
			Label(tag + "add")
		}
		for j := 0; j < rj; j++ {
			if j > 0 {
				ADDQ(tLDW, tDW)
			}
			val := rowVal(j)
			m := Mem{Base: tDW}
			if add {
				old := temps[1].AsX()
				if d.v == 8 {
					old = temps[1].AsY()
				}
				if rk < 4 {
					d.movZ(m, tKMsk, old)
				} else {
					d.mov(m, old)
				}
				d.add(val, old, old) // not into val: a VEX write would clear the tree's upper lanes
				val = old
			}
			if rk < 4 {
				d.mov(val, tKMsk, m)
			} else {
				d.mov(val, m)
			}
		}
		if !add {
			JMP(LabelRef("next"))
		}
	}
}

// treeInput maps an output slot of tree to the input position that ends up there.
func treeInput(d dtype, slot int) int {
	if d.v == 16 { // slot 4L+P ← input 4P+L
		return 4*(slot%4) + slot/4
	}
	return 4*(slot%2) + slot/2 // slot 2L+P ← input 4P+L
}

// trees reduces each ins[t] (d.v zmm inputs, nil = don't care) to one zmm
// whose slot s holds the horizontal sum of input treeInput(d, s). It works
// level by level across the trees, so that independent shuffles interleave,
// and overwrites its inputs; temps are scratch registers.
func trees(d dtype, ins [][]Register, temps []VecPhysical) []VecPhysical {
	ti := 0
	temp := func() VecPhysical {
		t := temps[ti%len(temps)]
		ti++
		return t
	}
	combine := func(a, b Register, op func(a, b, t1, t2 Register)) Register {
		if a == nil && b == nil {
			return nil
		}
		if a == nil {
			a = b
		}
		if b == nil {
			b = a
		}
		op(a, b, temp(), temp())
		return a
	}
	level := func(op func(a, b, t1, t2 Register)) {
		for t, in := range ins {
			out := make([]Register, len(in)/2)
			for p := range out {
				out[p] = combine(in[2*p], in[2*p+1], op)
			}
			ins[t] = out
		}
	}
	lanes := func(i1, i2 uint64) func(a, b, t1, t2 Register) {
		return func(a, b, t1, t2 Register) {
			d.shuf4(Imm(i1), b, a, t1)
			d.shuf4(Imm(i2), b, a, t2)
			d.add(t2, t1, a)
		}
	}
	level(lanes(0x44, 0xEE))            // 256-bit halves
	level(lanes(0x88, 0xDD))            // 128-bit lanes
	level(func(a, b, t1, t2 Register) { // 64-bit halves of each lane
		VUNPCKLPD(b, a, t1)
		VUNPCKHPD(b, a, t2)
		d.add(t2, t1, a)
	})
	if d.v == 16 {
		level(func(a, b, t1, t2 Register) { // 32-bit elements
			VSHUFPS(Imm(0x88), b, a, t1)
			VSHUFPS(Imm(0xDD), b, a, t2)
			d.add(t2, t1, a)
		})
	}
	out := make([]VecPhysical, len(ins))
	for t, in := range ins {
		out[t] = in[0].(VecPhysical)
	}
	return out
}
