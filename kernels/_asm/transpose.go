package main

// Transpose kernels: one square block of V×V elements (V = 16 float32, 8
// float64) from row-major to column-major, the layout change between the
// row-major rows a caller hands in and the batch-major activations the other
// kernels stream.
//
//	dst[c*ldd + r] = src[r*lds + c]   for r < nr, c < nc (nr, nc ≤ V)
//
// The nr source rows are loaded under the column mask (masked-off lanes do
// not fault, so a short last row is safe), rows nr … V-1 stay zero, the block
// is transposed in registers by unpack and 128-bit-lane shuffles (64 for
// float32, 24 for float64), and the first nc rows of the result are stored
// under the row mask.

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func transpose(d dtype) {
	name := "transpose" + d.name
	TEXT(name, NOSPLIT, "func(dst *"+d.goType+", ldd int, src *"+d.goType+", lds int, nr int, nc int, rmask uint64, cmask uint64)")
	Doc(name+" sets dst[c*ldd+r] = src[r*lds+c] for r < nr, c < nc, one block of at most",
		"one zmm of rows and columns; rmask has the low nr bits set, cmask the low nc.")
	Pragma("noescape")
	dst, ldd, src, lds, nr, nc := RDI, R8, RSI, R9, RCX, RDX
	MOVQ(paramAddr("dst"), dst)
	MOVQ(paramAddr("ldd"), ldd)
	MOVQ(paramAddr("src"), src)
	MOVQ(paramAddr("lds"), lds)
	MOVQ(paramAddr("nr"), nr)
	MOVQ(paramAddr("nc"), nc)
	SHLQ(Imm(d.shift), ldd)
	SHLQ(Imm(d.shift), lds)
	MOVQ(paramAddr("rmask"), RAX)
	KMOVW(EAX, K2)
	MOVQ(paramAddr("cmask"), RAX)
	KMOVW(EAX, K1)

	v := d.v
	a := make([]VecPhysical, v) // the rows, then the result
	t := make([]VecPhysical, v) // intermediate stages
	for i := range v {
		a[i], t[i] = z(i), z(16+i)
		VPXORD(a[i], a[i], a[i])
	}
	// The rows of the next block down, fetched while this one is shuffled: the caller
	// walks row blocks in order, and rows fresh from memory would otherwise stall the loads.
	next := R10
	MOVQ(lds, next)
	SHLQ(Imm(uint64(log2(v))), next)
	ADDQ(src, next)
	for i := range v {
		CMPQ(nr, Imm(uint64(i)))
		JLE(LabelRef(name + "_loaded"))
		d.movZ(Mem{Base: src}, K1, a[i])
		PREFETCHT0(Mem{Base: next})
		ADDQ(lds, src)
		ADDQ(lds, next)
	}
	Label(name + "_loaded")

	var cols []VecPhysical // cols[c]: the register holding column c
	if d.v == 16 {
		// Rows 2p, 2p+1 interleaved: in 128-bit lane L, t[2p] holds columns
		// 4L, 4L+1 and t[2p+1] columns 4L+2, 4L+3 of the two rows.
		for p := range 8 {
			VUNPCKLPS(a[2*p+1], a[2*p], t[2*p])
			VUNPCKHPS(a[2*p+1], a[2*p], t[2*p+1])
		}
		// Rows 4q … 4q+3: r[q][s] lane L holds column 4L+s of the four rows.
		var r [4][4]VecPhysical
		for q := range 4 {
			lo0, hi0, lo1, hi1 := t[4*q], t[4*q+1], t[4*q+2], t[4*q+3]
			r[q] = [4]VecPhysical{a[4*q], a[4*q+1], a[4*q+2], a[4*q+3]}
			VUNPCKLPD(lo1, lo0, r[q][0])
			VUNPCKHPD(lo1, lo0, r[q][1])
			VUNPCKLPD(hi1, hi0, r[q][2])
			VUNPCKHPD(hi1, hi0, r[q][3])
		}
		cols = gatherLanes(d, r[:], t, a)
	} else {
		// Rows 2p, 2p+1: r[p][s] lane L holds column 2L+s of the two rows.
		r := make([][4]VecPhysical, 4)
		for p := range 4 {
			VUNPCKLPD(a[2*p+1], a[2*p], t[2*p])
			VUNPCKHPD(a[2*p+1], a[2*p], t[2*p+1])
			r[p] = [4]VecPhysical{t[2*p], t[2*p+1]}
		}
		cols = gatherLanes(d, r, a[:8], t[:8])
	}

	for c, reg := range cols {
		CMPQ(nc, Imm(uint64(c)))
		JLE(LabelRef(name + "_done"))
		d.mov(reg, K2, Mem{Base: dst})
		ADDQ(ldd, dst)
	}
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// gatherLanes finishes a transpose whose four row groups g hold, in r[g][s]
// lane L, column lanes·L+s of their rows (s < len of the used part of r[g]):
// the result column lanes·L+s is lane L of r[0][s], r[1][s], r[2][s], r[3][s]
// side by side, made by two rounds of 128-bit-lane shuffles: into mid, then
// into res (which may be the registers of r: those are read first).
func gatherLanes(d dtype, r [][4]VecPhysical, mid, res []VecPhysical) []VecPhysical {
	per := d.v / 4 // columns per 128-bit lane
	cols := make([]VecPhysical, d.v)
	tmp := make([]VecPhysical, 0, 4*per)
	for s := range per {
		// g0 = [r0.l0 r0.l1 r1.l0 r1.l1], g1 = [r0.l2 r0.l3 r1.l2 r1.l3], h0, h1 the same of r2, r3.
		g0, g1, h0, h1 := mid[4*s], mid[4*s+1], mid[4*s+2], mid[4*s+3]
		d.shuf4(Imm(0x44), r[1][s], r[0][s], g0)
		d.shuf4(Imm(0xEE), r[1][s], r[0][s], g1)
		d.shuf4(Imm(0x44), r[3][s], r[2][s], h0)
		d.shuf4(Imm(0xEE), r[3][s], r[2][s], h1)
		tmp = append(tmp, g0, g1, h0, h1)
	}
	// Column per·L+s: lanes L of r0…r3 = [g.lL', …] picked by 0x88 (even lanes) or 0xDD (odd).
	k := 0
	for s := range per {
		g0, g1, h0, h1 := tmp[4*s], tmp[4*s+1], tmp[4*s+2], tmp[4*s+3]
		for L := range 4 {
			g, h, imm := g0, h0, uint64(0x88)
			if L >= 2 {
				g, h = g1, h1
			}
			if L%2 == 1 {
				imm = 0xDD
			}
			reg := res[k]
			k++
			d.shuf4(Imm(imm), h, g, reg)
			cols[per*L+s] = reg
		}
	}
	return cols
}

func log2(v int) int {
	n := 0
	for 1<<n < v {
		n++
	}
	return n
}
