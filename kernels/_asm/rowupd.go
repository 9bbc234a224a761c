package main

// rowUpdateDot64: row[j] = a·row[j] + u·s[j] + v·t[j] for every j, returning Σ row[j]·x[j]
// over the updated row: the one pass over the inverse Hessian that an iteration of the
// runtime's BFGS stage makes (the update of H and the product with the new gradient).

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func rowUpdateDot() {
	name := "rowUpdateDot64"
	TEXT(name, NOSPLIT, "func(row, s, t, x *float64, nfull int, mask uint64, a, u, v float64) float64")
	Doc(name+" sets row[j] = a·row[j] + u·s[j] + v·t[j] for the nfull whole zmm and then the",
		"lanes of one more zmm in mask, and returns the sum of row[j]·x[j] over the new row.")
	Pragma("noescape")
	row, s, t, x, cnt := RDI, RSI, RDX, R8, RCX
	for _, p := range []struct {
		r    Register
		name string
	}{{row, "row"}, {s, "s"}, {t, "t"}, {x, "x"}, {cnt, "nfull"}} {
		MOVQ(paramAddr(p.name), p.r)
	}
	MOVQ(paramAddr("mask"), RAX)
	KMOVW(EAX, K1)
	a, u, v := Z16, Z17, Z18
	VBROADCASTSD(paramAddr("a"), a)
	VBROADCASTSD(paramAddr("u"), u)
	VBROADCASTSD(paramAddr("v"), v)
	acc := []VecPhysical{Z20, Z21}
	for _, r := range acc {
		VPXORD(r, r, r)
	}
	// step updates one zmm at byte offset off into registers from r, adding to acc[k].
	step := func(r, off, k int, masked bool) {
		y, ts, tt, tx := z(r), z(r+1), z(r+2), z(r+3)
		m := func(base Register) Mem { return Mem{Base: base, Disp: off} }
		if masked {
			VMOVUPD_Z(m(row), K1, y)
			VMOVUPD_Z(m(s), K1, ts)
			VMOVUPD_Z(m(t), K1, tt)
			VMOVUPD_Z(m(x), K1, tx)
			VMULPD(a, y, y)
			VFMADD231PD(ts, u, y)
			VFMADD231PD(tt, v, y)
			VMOVUPD(y, K1, m(row))
			VFMADD231PD(tx, y, acc[k])
			return
		}
		VMULPD(m(row), a, y)
		VFMADD231PD(m(s), u, y)
		VFMADD231PD(m(t), v, y)
		VMOVUPD(y, m(row))
		VFMADD231PD(m(x), y, acc[k])
	}
	advance := func(bytes int) {
		for _, p := range []Register{row, s, t, x} {
			ADDQ(U32(bytes), p)
		}
	}
	CMPQ(cnt, Imm(2))
	JLT(LabelRef("one"))
	Label("loop2")
	step(0, 0, 0, false)
	step(4, 64, 1, false)
	advance(128)
	SUBQ(Imm(2), cnt)
	CMPQ(cnt, Imm(2))
	JGE(LabelRef("loop2"))
	Label("one")
	TESTQ(cnt, cnt)
	JEQ(LabelRef("tail"))
	step(0, 0, 0, false)
	advance(64)
	Label("tail")
	KORTESTW(K1, K1)
	JEQ(LabelRef("sum"))
	step(0, 0, 1, true)
	Label("sum")
	VADDPD(acc[1], acc[0], acc[0])
	VEXTRACTF64X4(Imm(1), acc[0], Y1)
	VADDPD(Y1, acc[0].AsY(), Y0)
	VEXTRACTF128(Imm(1), Y0, X1)
	VADDPD(X1, X0, X0)
	VHADDPD(X0, X0, X0)
	VZEROUPPER()
	Store(X0, ReturnIndex(0))
	RET()
}
