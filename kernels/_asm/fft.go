package main

// The steps of ConvFFT (../fftconv.go) on buffers of complex elements of one zmm each:
// element e's real parts at byte 128·e, its imaginary parts at 128·e + 64. The columns of
// the batch are the lanes, so no step shuffles within a register.
//
//   - fftRadix4{32,64}: one in-place radix-4 step (decimation in frequency);
//   - fftRadix2{32,64}: the radix-2 last step of a transform of odd log2 length;
//   - fftGather{32,64}, fftScatter{32,64}: batch-major rows ↔ a buffer, masked lanes;
//   - fftMix{r}x{32,64}: the products of the spectra, from the transforms of the input
//     pairs to the spectra of r ≤ 8 outputs;
//   - fftJoin{32,64}: two real series' spectra → one complex spectrum;
//   - fftRelay{32,64}: an inverse transform's two series, with bias and ReLU, into the
//     next layer's buffer (ConvChain).

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// fftOps are the arithmetic instructions of one dtype, in dst-first form.
type fftOps struct {
	add, sub, mul, max   func(dst, a, b Op) // dst = a op b (max: b when either is NaN)
	fmsub, fmadd, fnmadd func(dst, a, b Op) // dst = a·b − dst, a·b + dst, dst − a·b
}

func opsOf(d dtype) fftOps {
	if d.v == 16 {
		return fftOps{
			add:    func(dst, a, b Op) { VADDPS(b, a, dst) },
			sub:    func(dst, a, b Op) { VSUBPS(b, a, dst) },
			mul:    func(dst, a, b Op) { VMULPS(b, a, dst) },
			max:    func(dst, a, b Op) { VMAXPS(b, a, dst) },
			fmsub:  func(dst, a, b Op) { VFMSUB231PS(b, a, dst) },
			fmadd:  func(dst, a, b Op) { VFMADD231PS(b, a, dst) },
			fnmadd: func(dst, a, b Op) { VFNMADD231PS(b, a, dst) },
		}
	}
	return fftOps{
		add:    func(dst, a, b Op) { VADDPD(b, a, dst) },
		sub:    func(dst, a, b Op) { VSUBPD(b, a, dst) },
		mul:    func(dst, a, b Op) { VMULPD(b, a, dst) },
		max:    func(dst, a, b Op) { VMAXPD(b, a, dst) },
		fmsub:  func(dst, a, b Op) { VFMSUB231PD(b, a, dst) },
		fmadd:  func(dst, a, b Op) { VFMADD231PD(b, a, dst) },
		fnmadd: func(dst, a, b Op) { VFNMADD231PD(b, a, dst) },
	}
}

// loadArgs loads the named parameters into the registers.
func loadArgs(names []string, regs []Register) {
	for i, n := range names {
		MOVQ(paramAddr(n), regs[i])
	}
}

func fftRadix4(d dtype) {
	name := "fftRadix4" + d.name
	TEXT(name, NOSPLIT, "func(x, tw *"+d.goType+", n, m int)")
	Doc(name+" is one in-place radix-4 step on the n/m blocks of m elements of x: for p < m/4",
		"the elements a_r = x[p + r·m/4] of a block become w^{kp}·Σ_r a_r·(−i)^{kr} at",
		"p + k·m/4, w = e^{−2πi/m}, where tw holds w^p, w^{2p}, w^{3p} of each p as (re, im).")
	Pragma("noescape")
	o := opsOf(d)
	x, tw, blocks, n1 := RSI, R8, R10, R9
	loadArgs([]string{"x", "tw", "n", "m"}, []Register{x, tw, blocks, n1})
	// q1 and q3 are one and three quarters of a block in bytes (two is q1 at scale 2).
	q1, q3, step := R11, R12, R13
	MOVQ(n1, q1)
	SHLQ(Imm(5), q1) // m/4 elements of 128 bytes
	LEAQ(Mem{Base: q1, Index: q1, Scale: 2}, q3)
	LEAQ(Mem{Base: q3, Index: q1, Scale: 1}, step)
	// blocks = n/m, n1 = m/4
	MOVQ(blocks, RAX)
	XORQ(RDX, RDX)
	DIVQ(n1)
	MOVQ(RAX, blocks)
	SHRQ(Imm(2), n1)
	xq, cnt := RAX, RDX
	w := []VecPhysical{Z24, Z25, Z26, Z27, Z28, Z29}
	Label("p")
	for i, r := range w {
		d.bcast(Mem{Base: tw, Disp: i << d.shift}, r)
	}
	MOVQ(x, xq)
	MOVQ(blocks, cnt)
	Label("q")
	ar, ai, br, bi, cr, ci, dr, di := Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7
	quarter := func(k int) Mem {
		switch k {
		case 0:
			return Mem{Base: xq}
		case 1:
			return Mem{Base: xq, Index: q1, Scale: 1}
		case 2:
			return Mem{Base: xq, Index: q1, Scale: 2}
		}
		return Mem{Base: xq, Index: q3, Scale: 1}
	}
	im := func(m Mem) Mem { m.Disp += 64; return m }
	VMOVUPS(quarter(0), ar)
	VMOVUPS(im(quarter(0)), ai)
	VMOVUPS(quarter(1), br)
	VMOVUPS(im(quarter(1)), bi)
	VMOVUPS(quarter(2), cr)
	VMOVUPS(im(quarter(2)), ci)
	VMOVUPS(quarter(3), dr)
	VMOVUPS(im(quarter(3)), di)
	apcR, apcI, amcR, amcI := Z8, Z9, Z10, Z11
	bpdR, bpdI, bmdR, bmdI := Z12, Z13, Z14, Z15
	o.add(apcR, ar, cr)
	o.add(apcI, ai, ci)
	o.sub(amcR, ar, cr)
	o.sub(amcI, ai, ci)
	o.add(bpdR, br, dr)
	o.add(bpdI, bi, di)
	o.sub(bmdR, br, dr)
	o.sub(bmdI, bi, di)
	// y0 = apc + bpd
	o.add(Z16, apcR, bpdR)
	o.add(Z17, apcI, bpdI)
	VMOVUPS(Z16, quarter(0))
	VMOVUPS(Z17, im(quarter(0)))
	// t1 = amc − i(b−d) = (amcR + bmdI, amcI − bmdR); t3 = amc + i(b−d); t2 = apc − bpd
	t1R, t1I, t2R, t2I, t3R, t3I := Z18, Z19, Z20, Z21, Z22, Z23
	o.add(t1R, amcR, bmdI)
	o.sub(t1I, amcI, bmdR)
	o.sub(t2R, apcR, bpdR)
	o.sub(t2I, apcI, bpdI)
	o.sub(t3R, amcR, bmdI)
	o.add(t3I, amcI, bmdR)
	cmul := func(tr, ti, wr, wi VecPhysical, rr, ri VecPhysical, out Mem) {
		o.mul(rr, ti, wi)
		o.fmsub(rr, tr, wr) // tr·wr − ti·wi
		o.mul(ri, ti, wr)
		o.fmadd(ri, tr, wi) // tr·wi + ti·wr
		VMOVUPS(rr, out)
		VMOVUPS(ri, im(out))
	}
	cmul(t1R, t1I, w[0], w[1], Z0, Z1, quarter(1))
	cmul(t2R, t2I, w[2], w[3], Z2, Z3, quarter(2))
	cmul(t3R, t3I, w[4], w[5], Z4, Z5, quarter(3))
	ADDQ(step, xq)
	DECQ(cnt)
	JNZ(LabelRef("q"))
	ADDQ(U32(6<<d.shift), tw)
	ADDQ(Imm(128), x)
	DECQ(n1)
	JNZ(LabelRef("p"))
	VZEROUPPER()
	RET()
}

func fftRadix2(d dtype) {
	name := "fftRadix2" + d.name
	TEXT(name, NOSPLIT, "func(x *"+d.goType+", n int)")
	Doc(name+" is the in-place last step of a transform of odd log2 length n: each pair of",
		"elements (a, b) becomes (a + b, a − b).")
	Pragma("noescape")
	o := opsOf(d)
	x, cnt := RSI, RCX
	loadArgs([]string{"x", "n"}, []Register{x, cnt})
	SHRQ(Imm(1), cnt)
	Label("loop")
	for half := 0; half < 2; half++ {
		a, b := z(4*half), z(4*half+1)
		VMOVUPS(Mem{Base: x, Disp: 64 * half}, a)
		VMOVUPS(Mem{Base: x, Disp: 128 + 64*half}, b)
		o.add(z(4*half+2), a, b)
		o.sub(z(4*half+3), a, b)
		VMOVUPS(z(4*half+2), Mem{Base: x, Disp: 64 * half})
		VMOVUPS(z(4*half+3), Mem{Base: x, Disp: 128 + 64*half})
	}
	ADDQ(U32(256), x)
	DECQ(cnt)
	JNZ(LabelRef("loop"))
	VZEROUPPER()
	RET()
}

// The batch-facing steps take nvec ≤ 4 vectors of columns at a time, one buffer each
// (buffer j at byte j·128·n of buf), so that a row's vectors, adjacent in memory, are read
// or written together: with rows 4 KB apart, one vector per row at a time made every store
// of a 64-byte line miss. The last vector has the lanes of a mask.

// vecLoop emits body(j, last) for the vectors j of a row: nvec−1 whole ones through a loop
// of counter cnt (set from nvec1 = nvec−1), then the masked last one. body must advance its
// own pointers by one vector when not last.
func vecLoop(label string, nvec1, cnt Register, body func(last bool)) {
	MOVQ(nvec1, cnt)
	TESTQ(cnt, cnt)
	JEQ(LabelRef(label + "last"))
	Label(label)
	body(false)
	DECQ(cnt)
	JNZ(LabelRef(label))
	Label(label + "last")
	body(true)
}

func fftGather(d dtype) {
	name := "fftGather" + d.name
	TEXT(name, NOSPLIT, "func(buf, re, im *"+d.goType+", stride, pad, rows, n, nvec int, mask uint64, bias, bias1, lo "+d.goType+")")
	Doc(name+" sets element pad+t, t < rows, of buffer j < nvec to max(re[t·stride + j·v …] + bias, lo)",
		"+ i·max(im[t·stride + j·v …] + bias1, lo) (v lanes a vector; the last vector's lanes in",
		"mask, the others zero) and its other elements up to n to zero.")
	Pragma("noescape")
	o := opsOf(d)
	buf, re, im, stride, pad, length, n, nvec1 := RDI, RSI, RDX, RCX, R8, R9, R10, R11
	loadArgs([]string{"buf", "re", "im", "stride", "pad", "rows", "n", "nvec"}, []Register{buf, re, im, stride, pad, length, n, nvec1})
	DECQ(nvec1)
	MOVQ(paramAddr("mask"), RAX)
	KMOVW(EAX, K1)
	KXNORW(K2, K2, K2)
	bias, bias1, lo, zero := Z16, Z17, Z18, Z19
	d.bcast(paramAddr("bias"), bias)
	d.bcast(paramAddr("bias1"), bias1)
	d.bcast(paramAddr("lo"), lo)
	VPXORD(zero, zero, zero)
	SHLQ(Imm(d.shift), stride)
	bufBytes := R12
	MOVQ(n, bufBytes)
	SHLQ(Imm(7), bufBytes)
	SUBQ(pad, n)
	SUBQ(length, n) // the zeros after the rows
	rp, ip, bp, cnt := R13, R14, RBX, RAX
	// zeros stores count elements of zeros from buf on in every buffer, with rp as the
	// buffer counter, and leaves buf past them.
	zeros := func(label string, count Register) {
		TESTQ(count, count)
		JEQ(LabelRef(label + "done"))
		MOVQ(buf, bp)
		MOVQ(nvec1, rp)
		INCQ(rp)
		Label(label + "buf")
		MOVQ(count, cnt)
		Label(label)
		VMOVUPS(zero, Mem{Base: bp})
		VMOVUPS(zero, Mem{Base: bp, Disp: 64})
		ADDQ(Imm(128), bp)
		DECQ(cnt)
		JNZ(LabelRef(label))
		MOVQ(count, cnt)
		SHLQ(Imm(7), cnt)
		SUBQ(cnt, bp)
		ADDQ(bufBytes, bp)
		DECQ(rp)
		JNZ(LabelRef(label + "buf"))
		MOVQ(count, cnt)
		SHLQ(Imm(7), cnt)
		ADDQ(cnt, buf)
		Label(label + "done")
	}
	zeros("lead", pad)
	Label("row")
	MOVQ(re, rp)
	MOVQ(im, ip)
	MOVQ(buf, bp)
	vecLoop("vec", nvec1, cnt, func(last bool) {
		k := K2
		if last {
			k = K1
		}
		d.movZ(Mem{Base: rp}, k, Z0)
		d.movZ(Mem{Base: ip}, k, Z1)
		o.add(Z0, Z0, bias)
		o.add(Z1, Z1, bias1)
		o.max(Z0, lo, Z0)
		o.max(Z1, lo, Z1)
		VMOVUPS(Z0, Mem{Base: bp})
		VMOVUPS(Z1, Mem{Base: bp, Disp: 64})
		if !last {
			ADDQ(Imm(64), rp)
			ADDQ(Imm(64), ip)
			ADDQ(bufBytes, bp)
		}
	})
	ADDQ(stride, re)
	ADDQ(stride, im)
	ADDQ(Imm(128), buf)
	DECQ(length)
	JNZ(LabelRef("row"))
	zeros("tail", n)
	VZEROUPPER()
	RET()
}

func fftScatter(d dtype) {
	name := "fftScatter" + d.name
	TEXT(name, NOSPLIT, "func(d0, d1, buf *"+d.goType+", perm *int32, stride, L, n, nvec int, mask uint64, two bool)")
	Doc(name+" stores the imaginary parts of element perm[t], t < L, of buffer j < nvec to",
		"d0[t·stride + j·v …] and, if two, their real parts to d1[t·stride + j·v …] (v lanes a",
		"vector; the last vector's lanes in mask).")
	Pragma("noescape")
	d0, d1, buf, perm, stride, L, n, nvec1 := RDI, RSI, RDX, R9, RCX, R8, R10, R11
	loadArgs([]string{"d0", "d1", "buf", "perm", "stride", "L", "n", "nvec"}, []Register{d0, d1, buf, perm, stride, L, n, nvec1})
	DECQ(nvec1)
	SHLQ(Imm(7), n) // bytes of a buffer
	MOVQ(paramAddr("mask"), RAX)
	KMOVW(EAX, K1)
	KXNORW(K2, K2, K2)
	KXORW(K3, K3, K3)
	KXORW(K4, K4, K4)
	MOVBQZX(paramAddr("two"), RAX)
	TESTQ(RAX, RAX)
	JEQ(LabelRef("one"))
	KMOVW(K1, K3)
	KMOVW(K2, K4)
	Label("one")
	SHLQ(Imm(d.shift), stride)
	p0, p1, bp, cnt := R12, R13, R14, RBX
	Label("row")
	MOVLQSX(Mem{Base: perm}, bp)
	SHLQ(Imm(7), bp)
	ADDQ(buf, bp)
	MOVQ(d0, p0)
	MOVQ(d1, p1)
	vecLoop("vec", nvec1, cnt, func(last bool) {
		k0, k1 := K2, K4
		if last {
			k0, k1 = K1, K3
		}
		VMOVUPS(Mem{Base: bp, Disp: 64}, Z0)
		VMOVUPS(Mem{Base: bp}, Z1)
		d.mov(Z0, k0, Mem{Base: p0})
		d.mov(Z1, k1, Mem{Base: p1})
		if !last {
			ADDQ(Imm(64), p0)
			ADDQ(Imm(64), p1)
			ADDQ(n, bp)
		}
	})
	ADDQ(stride, d0)
	ADDQ(stride, d1)
	ADDQ(Imm(4), perm)
	DECQ(L)
	JNZ(LabelRef("row"))
	VZEROUPPER()
	RET()
}

func fftMix(d dtype, r int) {
	name := fmt.Sprintf("fftMix%dx%s", r, d.name)
	TEXT(name, NOSPLIT, "func(spectra *"+d.goType+", perm *int32, ab, y *"+d.goType+", n, pairs, ybin, yo, yim int)")
	Doc(name+fmt.Sprintf(" computes the spectra of %d outputs from the transforms of the input pairs", r),
		"(pair q's at element q·n of spectra, Z[f] at perm[f]): for f ≤ n/2,",
		"Y_o[f] = Σ_q A·Z_q[f] + B·conj Z_q[n−f] with (Re A, Im A, Re B, Im B) at ab[((f·pairs+q)·r+o)·4 …],",
		"stored to y[o·yo + f·ybin …] (real parts) and y[o·yo + yim + f·ybin …].")
	Pragma("noescape")
	o := opsOf(d)
	spectra, perm, pr, ab, y, pairs := RSI, R8, R9, RDI, RDX, R10
	pairStride, yo, yim, zf, zr, sp, cnt := R11, R12, R13, RAX, RBX, R14, RCX
	loadArgs([]string{"spectra", "perm", "ab", "y", "n", "pairs", "yo", "yim"}, []Register{spectra, perm, ab, y, pairStride, pairs, yo, yim})
	LEAQ(Mem{Base: perm, Index: pairStride, Scale: 4}, pr) // perm[n]
	SHLQ(Imm(7), pairStride)                               // n elements of 128 bytes
	SHLQ(Imm(d.shift), yo)
	SHLQ(Imm(d.shift), yim)
	MOVQ(paramAddr("ybin"), cnt)
	SHLQ(Imm(d.shift), cnt)
	MOVQ(cnt, paramAddr("ybin")) // in bytes now
	fr, fi, rr, ri := Z16, Z17, Z18, Z19
	e, e2 := []VecPhysical{Z20, Z21, Z22, Z23}, []VecPhysical{Z24, Z25, Z26, Z27}
	bin := func(first bool, label string) {
		MOVLQSX(Mem{Base: perm}, zf)
		SHLQ(Imm(7), zf)
		if first {
			MOVQ(zf, zr)
		} else {
			MOVLQSX(Mem{Base: pr}, zr)
			SHLQ(Imm(7), zr)
		}
		for i := 0; i < 2*r; i++ {
			VPXORD(z(i), z(i), z(i))
		}
		MOVQ(spectra, sp)
		MOVQ(pairs, cnt)
		Label(label)
		VMOVUPS(Mem{Base: sp, Index: zf, Scale: 1}, fr)
		VMOVUPS(Mem{Base: sp, Index: zf, Scale: 1, Disp: 64}, fi)
		VMOVUPS(Mem{Base: sp, Index: zr, Scale: 1}, rr)
		VMOVUPS(Mem{Base: sp, Index: zr, Scale: 1, Disp: 64}, ri)
		for k := 0; k < r; k++ {
			e := e
			if k%2 == 1 {
				e = e2
			}
			for i, ek := range e {
				d.bcast(Mem{Base: ab, Disp: (4*k + i) << d.shift}, ek)
			}
			// The real and the imaginary sums alternate, so that no two FMAs in a row
			// depend on each other.
			yr, yi := z(2*k), z(2*k+1)
			o.fmadd(yr, e[0], fr)
			o.fmadd(yi, e[0], fi)
			o.fnmadd(yr, e[1], fi)
			o.fmadd(yi, e[1], fr)
			o.fmadd(yr, e[2], rr)
			o.fmadd(yi, e[3], rr)
			o.fmadd(yr, e[3], ri)
			o.fnmadd(yi, e[2], ri)
		}
		ADDQ(U32(4*r<<d.shift), ab)
		ADDQ(pairStride, sp)
		DECQ(cnt)
		JNZ(LabelRef(label))
		MOVQ(y, zf)
		for k := 0; k < r; k++ {
			VMOVUPS(z(2*k), Mem{Base: zf})
			VMOVUPS(z(2*k+1), Mem{Base: zf, Index: yim, Scale: 1})
			if k < r-1 {
				ADDQ(yo, zf)
			}
		}
		ADDQ(paramAddr("ybin"), y)
		ADDQ(Imm(4), perm)
	}
	bin(true, "first")
	Label("bin")
	SUBQ(Imm(4), pr)
	CMPQ(perm, pr)
	JHI(LabelRef("done"))
	bin(false, "pair")
	JMP(LabelRef("bin"))
	Label("done")
	VZEROUPPER()
	RET()
}

func fftJoin(d dtype) {
	name := "fftJoin" + d.name
	TEXT(name, NOSPLIT, "func(buf, src *"+d.goType+", bin, im, next, n, nvec int, two bool)")
	Doc(name+" puts Z = Y₀ + i·Y₁ into the nvec buffers with its real and imaginary parts",
		"swapped, where Y₀[f] of buffer j is at src[f·bin + j·v …] (real parts) and",
		"src[f·bin+im + j·v …] for f ≤ n/2 and Y₁ next to it at +next if two (zero otherwise);",
		"the bins above n/2 follow from the symmetry of real series' spectra.")
	Pragma("noescape")
	o := opsOf(d)
	buf, src, bin, im, next, n, nvec1 := RDI, RSI, RDX, RCX, R8, R9, R10
	loadArgs([]string{"buf", "src", "bin", "im", "next", "n", "nvec"}, []Register{buf, src, bin, im, next, n, nvec1})
	DECQ(nvec1)
	KXORW(K2, K2, K2)
	MOVBQZX(paramAddr("two"), RAX)
	TESTQ(RAX, RAX)
	JEQ(LabelRef("one"))
	KXNORW(K2, K2, K2)
	Label("one")
	for _, r := range []Register{bin, im, next} {
		SHLQ(Imm(d.shift), r)
	}
	nextIm := R11
	LEAQ(Mem{Base: next, Index: im, Scale: 1}, nextIm)
	MOVQ(bin, paramAddr("bin")) // in bytes now; its register is cnt's
	zr := R12                   // Z[n−f] of buffer 0
	MOVQ(n, zr)
	SHLQ(Imm(7), zr)
	bufBytes := R13
	MOVQ(zr, bufBytes)
	ADDQ(buf, zr)
	SHRQ(Imm(1), n)
	DECQ(n) // bins 1 … n/2−1 have a mirror
	sp, zp, mp, cnt := RAX, RBX, R14, RDX
	body := func(mirror bool, label string) {
		MOVQ(src, sp)
		MOVQ(buf, zp)
		MOVQ(zr, mp)
		vecLoop(label, nvec1, cnt, func(last bool) {
			VMOVUPS(Mem{Base: sp}, Z0)                             // ar
			VMOVUPS(Mem{Base: sp, Index: im, Scale: 1}, Z1)        // ai
			d.movZ(Mem{Base: sp, Index: next, Scale: 1}, K2, Z2)   // br
			d.movZ(Mem{Base: sp, Index: nextIm, Scale: 1}, K2, Z3) // bi
			o.add(Z4, Z1, Z2)
			o.sub(Z5, Z0, Z3)
			VMOVUPS(Z4, Mem{Base: zp})
			VMOVUPS(Z5, Mem{Base: zp, Disp: 64})
			if mirror {
				o.sub(Z6, Z2, Z1)
				o.add(Z7, Z0, Z3)
				VMOVUPS(Z6, Mem{Base: mp})
				VMOVUPS(Z7, Mem{Base: mp, Disp: 64})
			}
			if !last {
				ADDQ(Imm(64), sp)
				ADDQ(bufBytes, zp)
				ADDQ(bufBytes, mp)
			}
		})
		ADDQ(paramAddr("bin"), src)
		ADDQ(Imm(128), buf)
	}
	body(false, "first")
	TESTQ(n, n)
	JEQ(LabelRef("lastbin"))
	Label("bin")
	SUBQ(Imm(128), zr)
	body(true, "vec")
	DECQ(n)
	JNZ(LabelRef("bin"))
	Label("lastbin")
	body(false, "final")
	VZEROUPPER()
	RET()
}

func fftRelay(d dtype) {
	name := "fftRelay" + d.name
	TEXT(name, NOSPLIT, "func(dst, src *"+d.goType+", perm *int32, pad, rows, n int, bias0, bias1 "+d.goType+", mask1 uint64)")
	Doc(name+" sets element pad+t, t < rows, of dst to max(Im src[perm[t]] + bias0, 0)",
		"+ i·max(Re src[perm[t]] + bias1, 0) (the imaginary part in the lanes of mask1, all or",
		"none; zero otherwise) and its other elements up to n to zero.")
	Pragma("noescape")
	o := opsOf(d)
	dst, src, perm, pad, rows, n := RDI, RSI, R8, R9, R10, R11
	loadArgs([]string{"dst", "src", "perm", "pad", "rows", "n"}, []Register{dst, src, perm, pad, rows, n})
	MOVQ(paramAddr("mask1"), RAX)
	KMOVW(EAX, K2)
	bias0, bias1, zero := Z16, Z17, Z19
	d.bcast(paramAddr("bias0"), bias0)
	d.bcast(paramAddr("bias1"), bias1)
	VPXORD(zero, zero, zero)
	SUBQ(pad, n)
	SUBQ(rows, n)
	zeros := func(label string, count Register) {
		TESTQ(count, count)
		JEQ(LabelRef(label + "done"))
		Label(label)
		VMOVUPS(zero, Mem{Base: dst})
		VMOVUPS(zero, Mem{Base: dst, Disp: 64})
		ADDQ(Imm(128), dst)
		DECQ(count)
		JNZ(LabelRef(label))
		Label(label + "done")
	}
	zeros("lead", pad)
	idx := RAX
	Label("row")
	MOVLQSX(Mem{Base: perm}, idx)
	SHLQ(Imm(7), idx)
	VMOVUPS(Mem{Base: src, Index: idx, Scale: 1, Disp: 64}, Z0)
	VMOVUPS(Mem{Base: src, Index: idx, Scale: 1}, Z1)
	o.add(Z0, Z0, bias0)
	o.add(Z1, Z1, bias1)
	o.max(Z0, zero, Z0)
	o.max(Z1, zero, Z1)
	d.movZ(Z1, K2, Z1)
	VMOVUPS(Z0, Mem{Base: dst})
	VMOVUPS(Z1, Mem{Base: dst, Disp: 64})
	ADDQ(Imm(128), dst)
	ADDQ(Imm(4), perm)
	DECQ(rows)
	JNZ(LabelRef("row"))
	zeros("tail", n)
	VZEROUPPER()
	RET()
}
