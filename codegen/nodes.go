package codegen

// The emitters of materialized ops that are not elementwise: leaves, products,
// convolutions, reductions and layout changes.

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/ir"
	"github.com/mlc-go/mlc/kernels"
)

// conv emits the convolution ops as one matrix product per output position: the window
// of an output position is a contiguous block of K·Cin batch rows of the (padded) input.
func (en *entry) conv(n *ir.Node) {
	a, b := n.Args[0], n.Args[1]
	k, s := n.Off, n.Stride
	ld := en.ld()
	cols := jen.Id("n")
	if en.row {
		ld, cols = jen.Lit(1), jen.Lit(1)
	}
	at := func(buf jen.Code, row jen.Code) jen.Code {
		return jen.Add(buf).Index(jen.Parens(row).Op("*").Add(ld).Op(":"))
	}
	pos := jen.Id("l")
	switch n.Op {
	case ir.OpConv1D: // y[l] (Cout rows) = W · x[l·s : l·s+K] (K·Cin rows)
		cout, cin := n.Shape[1], b.Shape[1]
		if N := en.fftLength(n); N > 0 {
			en.convFFT(n, N)
			return
		}
		if _, ok := en.plan.ConvIn[n.ID]; ok {
			panic("mlc: internal error: a conv layer planned to read its input itself is computed directly")
		}
		en.comment(n, "%s = conv1d(%s, %s): [%d, %d] from [%d, %d], kernel %d, stride %d", en.target(n), en.local(a), en.local(b), n.Shape[0], cout, b.Shape[0], cin, k, s)
		name := en.declare(n, nodeName(n))
		en.add(loop("l", n.Shape[0],
			jen.Qual(KernelsPath, "GemmNN"+en.e.bits).Call(jen.Lit(cout), jen.Lit(k*cin), cols, en.ref(a),
				at(en.ref(b), jen.Add(pos).Op("*").Lit(s*cin)), ld, at(jen.Id(name), jen.Add(pos).Op("*").Lit(cout)), ld, jen.False())))
	case ir.OpConv1DT: // x[l·s : l·s+K] += Wᵀ · g[l]
		w, g := a, b
		cout, cin := g.Shape[1], n.Shape[1]
		en.comment(n, "%s = conv1dᵀ(%s, %s): [%d, %d] from [%d, %d]", en.target(n), en.local(w), en.local(g), n.Shape[0], cin, g.Shape[0], cout)
		name := en.declare(n, nodeName(n))
		if L := g.Shape[0]; s == 1 && !en.row && n.Shape[0] == L+k-1 && L >= k-1 {
			en.convFlipped(w, g, name, k, cout, cin, at)
			return
		}
		en.add(jen.Clear(jen.Id(name)))
		en.add(loop("l", g.Shape[0],
			jen.Qual(KernelsPath, "GemmTN"+en.e.bits).Call(jen.Lit(cout), jen.Lit(k*cin), cols, en.ref(w),
				at(en.ref(g), jen.Add(pos).Op("*").Lit(cout)), ld, at(jen.Id(name), jen.Add(pos).Op("*").Lit(s*cin)), ld, jen.True())))
	case ir.OpConv1DW: // dW += g[l] ⊗ x[l·s : l·s+K] summed over the batch
		g, x := a, b
		cout, cin := g.Shape[1], x.Shape[1]
		en.comment(n, "%s = Σ over the batch and %d positions of %s ⊗ windows of %s: [%d, %d]", en.target(n), g.Shape[0], en.local(g), en.local(x), cout, k*cin)
		name := en.declare(n, nodeName(n))
		// One call for all positions: position l's rows of g are l·cout rows on, its window
		// of x l·s·cin rows on, and the sums stay in the kernel's registers across them.
		en.add(jen.Qual(KernelsPath, "GemmNTSum"+en.e.bits).Call(jen.Lit(cout), jen.Lit(k*cin), cols, jen.Lit(g.Shape[0]),
			en.ref(g), ld, jen.Lit(cout).Op("*").Add(ld), en.ref(x), ld, jen.Lit(s*cin).Op("*").Add(ld), jen.Id(name), jen.Lit(en.assign(n) == "+=")))
	}
}

// fftLength is the transform length through which the conv1d layer n is computed in this
// pass, or 0 for the direct product: Predict's and Loss's batch passes take the FFT where
// the emitter's fftLength says so; the training pass never does, so that its gradient is
// the exact derivative of the loss it computes.
func (en *entry) fftLength(n *ir.Node) int {
	if en.row || en.tile || en.pass != en.e.m.Infer {
		return 0
	}
	return en.e.fftLength(n)
}

// fftLength is the transform length through which an inference batch pass computes the
// conv1d layer n, or 0: for a stride-1 layer where fftPays (or Options.ConvFFT "always")
// says so.
func (e *emitter) fftLength(n *ir.Node) int {
	if n.Op != ir.OpConv1D || n.Stride != 1 || e.convFFT == "never" {
		return 0
	}
	N := fftLengthFor(n.Args[1].Shape[0])
	if N > maxFFTLength {
		return 0
	}
	// An input pad(relu(z + b)) is read through (ir.ScheduleWith) when the ReLU has no
	// other reader, which saves its pass.
	x := n.Args[1]
	through := x.Op == ir.OpPad && x.Args[0].Op == ir.OpRelu
	if e.convFFT == "always" || N <= fftPaysUpTo && fftPays(n.Shape[0], n.Off, x.Shape[1], n.Shape[1], N, through) {
		return N
	}
	return 0
}

// maxFFTLength bounds the series the FFT convolution takes (its scratch grows with it);
// the cost model takes it only up to fftPaysUpTo: one transform's buffer of N elements of
// 128 bytes fits the first-level cache up to N = 256, and past it a butterfly costs three
// to four times as much (BenchmarkFFT, one core: 2.2 ns at N = 256, 7.7 at 1024). A
// user's model of 500 steps and kernels of 15 and 7 ran Predict at 80 k windows/s with
// its two inner layers through transforms of 1024 and 512, and at 98 k directly.
const (
	maxFFTLength = 1 << 14
	fftPaysUpTo  = 256
)

// fftPays reports whether a stride-1 conv layer of L positions, k taps and cin → cout
// channels runs faster through transforms of length N than as direct products, by a cost
// model in units of the direct product's multiply-adds, fitted to kernels.ConvFFT on the
// conv AE's three layers of kernel 10 (BenchmarkConvFFT, 128 windows, AMD EPYC Zen 5): at
// N = 256 an input channel (rounded up to a pair) costs about 3000 of them, an output
// channel 6300 (both growing as N·log N), and the products 1.46 per complex
// multiply-add's four. A layer that reads its input through a ReLU saves that pass, 12
// per value (the 8 → 4 layer's input: 0.025 ms). The FFT must win by a fifth, the
// model's margin: the 32 → 8 layer passes (0.37 ms against 0.66) and so does 8 → 4 (0.079
// against 0.083, and its input's ReLU pass); 3 → 32 (0.31 against 0.23) does not.
func fftPays(L, k, cin, cout, N int, throughReLU bool) bool {
	cost := fftCost(cin, cout, N)
	if throughReLU {
		cost -= 12 * float64(L*cin)
	}
	return cost < 0.8*float64(L*k*cin*cout)
}

// fftCost is fftPays' cost of a layer through the FFT, in the direct product's
// multiply-adds.
func fftCost(cin, cout, N int) float64 {
	transforms := (3000*float64(cin+cin%2) + 6300*float64(cout)) * fftScale(N)
	products := 1.46 * float64(N/2+1) * 4 * float64(cin*cout)
	return transforms + products
}

// fftScale is how a transform's cost grows with its length: N·log2 N, 1 at N = 256.
func fftScale(N int) float64 { return float64(N*(bits.Len(uint(N))-1)) / 2048 }

// chains reports whether the FFT layer conv, reading its input through, computes the layer
// first before it in the same call (kernels.ConvChain): first's output then goes from its
// inverse transform straight into conv's forward one, and no pass writes or reads it. That
// saves about 4300 direct multiply-adds per output channel of first (BenchmarkConvChain:
// the conv AE's 3 → 32 → 8 takes 0.54 ms chained, 0.60 ms with the first layer direct);
// first must then pay by fftPays' rule with that saving.
func (e *emitter) chains(first, conv *ir.Node) bool {
	N := fftLengthFor(first.Args[1].Shape[0])
	if e.convFFT == "never" || first.Stride != 1 || N > maxFFTLength {
		return false
	}
	if e.convFFT == "always" {
		return true
	}
	L, k, cin, cout := first.Shape[0], first.Off, first.Args[1].Shape[1], first.Shape[1]
	return N <= fftPaysUpTo && fftCost(cin, cout, N)-4300*float64(cout)*fftScale(N) < 0.8*float64(L*k*cin*cout)
}

// fftLengthFor is the transform length for a series of lin steps: a power of two, ≥ 4.
func fftLengthFor(lin int) int {
	N := 4
	for N < lin {
		N *= 2
	}
	return N
}

// fftPlan is a kernels.ConvFFT the file declares: its transform length and kernel size.
type fftPlan struct{ N, K int }

// convFFT emits the conv1d layer n computed through transforms of length N.
func (en *entry) convFFT(n *ir.Node, N int) {
	w, x := n.Args[0], n.Args[1]
	k, cout, cin, L := n.Off, n.Shape[1], x.Shape[1], n.Shape[0]
	e := en.e
	field := func(k string, v jen.Code) jen.Code { return jen.Id(k).Op(":").Add(v) }
	en.comment(n, "%s = conv1d(%s, %s): [%d, %d] from [%d, %d], kernel %d, through transforms of length %d", en.target(n), en.local(w), en.local(x), L, cout, x.Shape[0], cin, k, N)
	ci, through := en.plan.ConvIn[n.ID]
	relu := ""
	var bias jen.Code = jen.Nil()
	if through {
		relu = en.local(ci.Z) + biasTerm(en, ci.Bias)
		if ci.Bias != nil {
			bias = en.ref(ci.Bias)
		}
	}
	if !en.plan.Chained[n.ID] {
		var in []jen.Code
		if !through {
			in = []jen.Code{field("Rows", en.ref(x)), field("Len", jen.Lit(x.Shape[0]))}
		} else {
			// The input is pad(relu(z + bias)), which the transform's gather computes itself.
			en.add(jen.Comment(fmt.Sprintf("its input is relu(%s) after %d zero steps, computed as the transform gathers it", relu, ci.Pad)))
			in = []jen.Code{field("Rows", en.ref(ci.Z)), field("Pad", jen.Lit(ci.Pad)), field("Len", jen.Lit(ci.Z.Shape[0]))}
			if ci.Bias != nil {
				in = append(in, field("Bias", bias))
			}
			in = append(in, field("Relu", jen.True()))
		}
		e.fftSize = max(e.fftSize, kernels.ConvFFTScratch(N, cout, cin, floatBytes(e.bits)*8))
		name := en.declare(n, nodeName(n))
		en.add(e.fftPlan(N, k).Dot("Conv").Call(jen.Id(name),
			jen.Qual(KernelsPath, "ConvIn").Types(jen.Id("T")).Values(in...), en.ref(w),
			jen.Lit(L), jen.Lit(cout), jen.Lit(cin), en.ld(), jen.Id("n"), e.fftCache(n, N), jen.Id("w").Dot("fft").Index(jen.Op(":"))))
		return
	}
	// The layer before, z = conv1d(wz, xz), is computed in the same call: its output goes
	// from its inverse transform straight into this layer's forward one.
	z := ci.Z
	wz, xz := z.Args[0], z.Args[1]
	Nz := fftLengthFor(xz.Shape[0])
	en.add(jen.Comment(fmt.Sprintf("its input is relu(%s) after %d zero steps, where %s = conv1d(%s, %s): [%d, %d], kernel %d,", relu, ci.Pad, en.local(z), en.local(wz), en.local(xz), z.Shape[0], z.Shape[1], z.Off)))
	en.add(jen.Comment(fmt.Sprintf("through transforms of length %d, is computed in the same call and never stored", Nz)))
	e.fftSize = max(e.fftSize, kernels.ConvChainScratch(Nz, xz.Shape[1], z.Shape[1], N, cout, floatBytes(e.bits)*8))
	layer := func(c *ir.Node, N int, wt *ir.Node) jen.Code {
		return jen.Qual(KernelsPath, "ConvLayer").Types(jen.Id("T")).Values(field("FFT", e.fftPlan(N, c.Off)), field("W", en.ref(wt)),
			field("Cache", e.fftCache(c, N)), field("L", jen.Lit(c.Shape[0])), field("Cout", jen.Lit(c.Shape[1])), field("Cin", jen.Lit(c.Args[1].Shape[1])))
	}
	name := en.declare(n, nodeName(n))
	en.add(jen.Qual(KernelsPath, "ConvChain").Call(jen.Id(name),
		jen.Qual(KernelsPath, "ConvIn").Types(jen.Id("T")).Values(field("Rows", en.ref(xz)), field("Len", jen.Lit(xz.Shape[0]))),
		jen.Line().Add(layer(z, Nz, wz)), jen.Line().Add(layer(n, N, w)), jen.Line().Add(bias), jen.Lit(ci.Pad), en.ld(), jen.Id("n"), jen.Id("w").Dot("fft").Index(jen.Op(":"))))
}

// fftPlan is the file's plan of transforms of length N for kernels of k taps.
func (e *emitter) fftPlan(N, k int) *jen.Statement {
	plan := slices.Index(e.ffts, fftPlan{N, k})
	if plan < 0 {
		plan = len(e.ffts)
		e.ffts = append(e.ffts, fftPlan{N, k})
	}
	return jen.Id(fftPlansName).Index(jen.Lit(plan))
}

// fftCache is the worker's cache of the FFT layer n's coefficients, the same in Predict
// and in Loss.
func (e *emitter) fftCache(n *ir.Node, N int) jen.Code {
	cache, ok := e.fftCaches[n.ID]
	if !ok {
		cache = [2]int{e.fftCacheSize, kernels.ConvFFTCache(N, n.Off, n.Shape[1], n.Args[1].Shape[1])}
		cache[1] = (cache[1] + 15) &^ 15 // whole cache lines
		e.fftCaches[n.ID] = cache
		e.fftCacheSize += cache[1]
	}
	return jen.Id("w").Dot("fftCache").Index(jen.Lit(cache[0]).Op(":").Lit(cache[0] + cache[1]))
}

// biasTerm is " + bias" for a ConvIn's bias, or nothing.
func biasTerm(en *entry, bias *ir.Node) string {
	if bias == nil {
		return ""
	}
	return " + " + en.local(bias)
}

// fftPlansName is the file's array of FFT convolution plans.
const fftPlansName = "convFFTs"

// fftDecls writes the array of the file's FFT convolution plans.
func (e *emitter) fftDecls() {
	if len(e.ffts) == 0 {
		return
	}
	var vals []jen.Code
	for _, p := range e.ffts {
		vals = append(vals, jen.Line().Qual(KernelsPath, "NewConvFFT"+e.bits).Call(jen.Lit(p.N), jen.Lit(p.K)))
	}
	e.f.Comment(fftPlansName + " plan the conv layers Predict and Loss compute through the FFT (kernels.ConvFFT),")
	e.f.Comment("by transform length and kernel size.")
	e.f.Var().Id(fftPlansName).Op("=").Index(jen.Lit(len(vals))).Op("*").Qual(KernelsPath, "ConvFFT").Types(jen.Id("T")).Values(append(vals, jen.Line())...)
	e.f.Line()
}

// convFlipped emits the input gradient of a stride-1 conv layer as a convolution of the
// output gradient g (L positions of cout rows) with the kernel flipped: input position p
// gets Wᶠ·g[p−k+1 … p], the output positions whose windows contain it, which are contiguous
// rows of g. Each row of the result is written once by one product over k·cout terms,
// where k products accumulating into it over cout terms each would read and write it k
// times. At the ends of the series fewer output positions reach p: the product takes the
// columns of Wᶠ of the taps that do. rows(buf, r) is buf from row r on (conv's at).
func (en *entry) convFlipped(w, g *ir.Node, name string, k, cout, cin int, rows func(buf, row jen.Code) jen.Code) {
	L, kc, ld := g.Shape[0], k*cout, en.ld()
	bits := en.e.bits
	flip := en.fresh(en.local(w) + "_flip")
	off := en.e.uSize
	en.e.uSize += cin * kc
	en.add(jen.Comment(fmt.Sprintf("%s: %s with its taps reversed, [%d, %d·%d]", flip, en.local(w), cin, k, cout)))
	en.add(jen.Id(flip).Op(":=").Id("w").Dot("scratch").Index(jen.Lit(off).Op(":").Lit(off + cin*kc)))
	en.add(jen.Qual(KernelsPath, "FlipConvKernel"+bits).Call(jen.Id(flip), en.ref(w), jen.Lit(cout), jen.Lit(k), jen.Lit(cin)))
	p := jen.Id("p")
	out := rows(jen.Id(name), jen.Add(p).Op("*").Lit(cin))
	span := func(from, to int, body jen.Code) jen.Code {
		return jen.For(jen.Id("p").Op(":=").Lit(from), jen.Id("p").Op("<").Lit(to), jen.Id("p").Op("++")).Block(body)
	}
	if k > 1 {
		en.add(jen.Comment(fmt.Sprintf("the first %d positions: output positions 0 … p", k-1)))
		en.add(span(0, k-1, jen.Qual(KernelsPath, "GemmNNW"+bits).Call(jen.Lit(cin), jen.Parens(jen.Add(p).Op("+").Lit(1)).Op("*").Lit(cout), jen.Id("n"),
			jen.Id(flip).Index(jen.Parens(jen.Lit(k-1).Op("-").Add(p)).Op("*").Lit(cout).Op(":")), jen.Lit(kc),
			en.ref(g), ld, out, ld, jen.False())))
	}
	en.add(span(k-1, L, jen.Qual(KernelsPath, "GemmNN"+bits).Call(jen.Lit(cin), jen.Lit(kc), jen.Id("n"), jen.Id(flip),
		rows(en.ref(g), jen.Parens(jen.Add(p).Op("-").Lit(k-1)).Op("*").Lit(cout)), ld, out, ld, jen.False())))
	if k > 1 {
		en.add(jen.Comment(fmt.Sprintf("the last %d positions: output positions p−%d … %d", k-1, k-1, L-1)))
		en.add(span(L, L+k-1, jen.Qual(KernelsPath, "GemmNNW"+bits).Call(jen.Lit(cin), jen.Parens(jen.Lit(L+k-1).Op("-").Add(p)).Op("*").Lit(cout), jen.Id("n"),
			jen.Id(flip), jen.Lit(kc),
			rows(en.ref(g), jen.Parens(jen.Add(p).Op("-").Lit(k-1)).Op("*").Lit(cout)), ld, out, ld, jen.False())))
	}
}

// shapeOp emits concatenation and slicing: row copies in batch-major storage.
func (en *entry) shapeOp(n *ir.Node) {
	en.comment(n, "%s = %s", en.target(n), en.describe(n))
	name := en.declare(n, nodeName(n))
	rowOf := func(buf *jen.Statement, f int) *jen.Statement {
		if en.row {
			return buf.Clone().Index(jen.Lit(f))
		}
		return buf.Clone().Index(jen.Lit(f).Op("*").Add(en.ld()).Op(":")).Index(jen.Op(":").Id("n"))
	}
	set := func(f int, src jen.Code, batched bool) {
		dst := rowOf(jen.Id(name), f)
		switch {
		case en.row || !n.Batched:
			if batched && !en.row {
				panic("mlc: internal error: batched value into an unbatched concat")
			}
			en.add(jen.Id(name).Index(jen.Lit(f)).Op("=").Add(src))
		case batched:
			en.add(jen.Copy(dst, src))
		default:
			en.add(jen.For(jen.Id("b").Op(":=").Range().Add(dst)).Block(jen.Id(name).Index(jen.Lit(f).Op("*").Add(en.ld()).Op("+").Id("b")).Op("=").Add(src)))
		}
	}
	switch n.Op {
	case ir.OpConcat:
		off := 0
		for _, a := range n.Args {
			for f := 0; f < max(a.Size(), 1); f++ {
				switch {
				case a.Op == ir.OpConst:
					set(off+f, en.e.constant(a), false)
				case a.Op == ir.OpConstVec:
					set(off+f, lit(a.Vec[f]), false)
				case a.Batched && !en.row:
					set(off+f, rowOf(en.ref(a), f), true)
				default:
					set(off+f, en.ref(a).Index(jen.Lit(f)), a.Batched)
				}
			}
			off += max(a.Size(), 1)
		}
	case ir.OpPad, ir.OpCrop:
		// Rows of a series [steps, channels], each channel row a batch row: one copy.
		a := n.Args[0]
		c := n.Shape[1]
		ld := en.ld()
		if en.row {
			ld = jen.Lit(1)
		}
		rows := func(buf string, from, to int) jen.Code {
			return jen.Id(buf).Index(jen.Lit(from * c).Op("*").Add(ld).Op(":").Lit(to * c).Op("*").Add(ld))
		}
		if n.Op == ir.OpPad {
			if n.PadL > 0 {
				en.add(jen.Clear(rows(name, 0, n.PadL)))
			}
			if en.plan.Inside[a.ID] != n {
				en.add(jen.Copy(rows(name, n.PadL, n.PadL+a.Shape[0]), en.ref(a)))
			}
			if n.PadR > 0 {
				en.add(jen.Clear(rows(name, n.PadL+a.Shape[0], n.Shape[0])))
			}
		} else if en.plan.Alias[n.ID] != a { // an aliased crop is its argument's rows already
			en.add(jen.Copy(jen.Id(name), rows(en.names[a.ID], n.PadL, n.PadL+n.Shape[0])))
		}
	case ir.OpSlice:
		a := n.Args[0]
		for f := 0; f < n.Size(); f++ {
			if a.Batched && !en.row {
				set(f, rowOf(en.ref(a), n.Off+f), true)
			} else {
				set(f, en.ref(a).Index(jen.Lit(n.Off+f)), a.Batched)
			}
		}
	}
}

// node emits the computation of one materialized node: its op's emitter, or the loop of an
// elementwise op with its fused arguments inlined.
func (en *entry) node(n *ir.Node) {
	if f := emitters[n.Op].node; f != nil {
		if n.Op != ir.OpSumBatch { // a sum over the batch may join a vector program
			en.flushVec(len(en.body))
		}
		f(en, n)
		return
	}
	en.elementwise(n)
}

// leafRows copies an input or a target from the caller's rows (or columns) into its buffer.
func (en *entry) leafRows(n *ir.Node) {
	size := n.Size()
	src := "xRows"
	what := "NumInputs"
	if n.Op == ir.OpTarget {
		src, what = "yRows", "NumTargets"
	}
	if en.tile {
		en.comment(n, "%s %s: rows r0 … r0+n-1", n.Op, n.Name)
		name := en.declare(n, n.Name)
		en.add(jen.Copy(jen.Id(name).Index(jen.Op(":").Id("n")), en.column(n).Index(jen.Id("r0").Op(":").Id("r0").Op("+").Id("n"))))
		return
	}
	// A row holds the inputs (targets) one after another: this one starts at off.
	off := en.e.rowOffset(n)
	rows := jen.Id(src)
	if off > 0 {
		rows = jen.Id(src).Index(jen.Lit(off).Op(":"))
	}
	if en.row {
		en.comment(n, "%s %s", n.Op, n.Name)
		name := en.declare(n, n.Name)
		lo := jen.Null()
		if off > 0 {
			lo = jen.Lit(off)
		}
		en.add(jen.Copy(jen.Id(name), jen.Id(src).Index(lo.Op(":").Lit(off+size))))
		return
	}
	en.comment(n, "%s %s: row-major rows to batch-major", n.Op, n.Name)
	name := en.declare(n, n.Name)
	en.add(jen.Qual(KernelsPath, "Transpose"+en.e.bits).Call(jen.Id("n"), jen.Lit(size), rows, jen.Id(what), jen.Id(name), en.ld()))
}

// dropMask draws a dropout mask.
func (en *entry) dropMask(n *ir.Node) {
	size := n.Size()
	en.comment(n, "%s: dropout %v, kept values scaled by 1/(1-%v) as Keras does", n.Name, n.Rate, n.Rate)
	name := en.declare(n, n.Name)
	en.add(loop("f", size,
		rt("DropoutMask").Call(jen.Id(name).Index(jen.Id("f").Op("*").Add(en.ld()).Op(":")).Index(jen.Op(":").Id("n")), jen.Id("rng"), lit(n.Rate))))
}

// sumBatch sums a value over the batch (and over leading dimensions down to its shape).
func (en *entry) sumBatch(n *ir.Node) {
	mark := len(en.body)
	if len(n.Shape) == 0 {
		en.flushVec(mark)
		en.sumAll(n)
		return
	}
	size := n.Size()
	en.comment(n, "%s = Σ over the batch of %s", en.target(n), en.local(n.Args[0]))
	name := en.declare(n, nodeName(n))
	k := en.kernel(n.Args[0].Size())
	v := k.val(n.Args[0])
	en.add(k.pre...)
	argSize := n.Args[0].Size()
	idx, op := jen.Id("f"), en.assign(n)
	if argSize > size {
		// Also summed over the leading dimensions: a bias repeated at every position. The
		// sum accumulates position by position (the vector program block by block).
		if op == "=" {
			en.add(jen.Clear(jen.Id(name)))
		}
		idx, op = jen.Id("f").Op("%").Lit(size), "+="
	}
	bloop := jen.For(jen.Id("b").Op(":=").Lit(0), jen.Id("b").Op("<").Id("n"), jen.Id("b").Op("++")).Block(jen.Id("s").Op("+=").Add(v))
	if en.row {
		bloop = jen.Id("s").Op("=").Add(v)
	}
	scalar := loop("f", argSize,
		append(append(k.perF, jen.Var().Id("s").Id("T")),
			bloop,
			jen.Id(name).Index(idx).Op(op).Id("s"))...,
	)
	acc := op == "+="
	if p := en.vecSum(n, name, acc); p != nil {
		comment := name + " " + op + " Σ over the batch of " + en.local(n.Args[0])
		en.vecJoinWith(comment, argSize, p, scalar, mark, func(q *vecProg) bool { return q.addSum(en, n, name, acc) })
		return
	}
	en.flushVec(mark)
	en.add(scalar)
}

// sumAll is a sum over the batch and every element to a scalar: the gradient of a coefficient
// that multiplies values per point.
func (en *entry) sumAll(n *ir.Node) {
	arg := n.Args[0]
	en.comment(n, "%s = Σ over the batch and the %d elements of %s", en.target(n), arg.Size(), en.local(arg))
	name := en.target(n)
	en.names[n.ID] = name
	k := en.kernel(arg.Size())
	v := k.val(arg)
	en.add(k.pre...)
	acc := en.fresh("sum_" + name)
	en.add(jen.Var().Id(acc).Float64())
	bloop := jen.For(jen.Id("b").Op(":=").Lit(0), jen.Id("b").Op("<").Id("n"), jen.Id("b").Op("++")).Block(jen.Id(acc).Op("+=").Float64().Call(v))
	if en.row {
		bloop = jen.Id(acc).Op("+=").Float64().Call(v)
	}
	en.add(loop("f", arg.Size(), append(k.perF, bloop)...))
	en.add(jen.Id(name).Op(":=").Id("T").Call(jen.Id(acc)))
}

// spread is the adjoint of a mean: the mean's adjoint divided over the rows it averaged.
func (en *entry) spread(n *ir.Node) {
	size := n.Size()
	if n.Sets == 0 {
		en.elementwise(n)
		return
	}
	en.comment(n, "%s = %s/(rows·%d) on the rows of %s, 0 elsewhere: the adjoint of the mean", en.target(n), en.local(n.Args[0]), size, en.setList(n.Sets))
	name := en.declare(n, nodeName(n))
	k := en.kernel(size)
	s, _ := k.expr(n.Args[0])
	en.add(k.pre...)
	each := en.fresh(nodeName(n) + "_each")
	en.add(jen.Id(each).Op(":=").Add(s).Op("/").Id("T").Call(times(en.count(n.Sets), size)))
	en.add(jen.Clear(jen.Id(name)))
	for _, r := range en.ranges(n.Sets) {
		en.add(r.decl...)
		en.add(loop("f", size,
			jen.Id("row").Op(":=").Id(name).Index(jen.Id("f").Op("*").Add(en.ld()).Op(":")).Index(jen.Op(":").Id("n")),
			jen.For(jen.Id("b").Op(":=").Add(r.lo), jen.Id("b").Op("<").Add(r.hi), jen.Id("b").Op("++")).Block(
				jen.Id("row").Index(jen.Id("b")).Op("=").Id(each)),
		))
	}
}

// constVec writes a constant vector.
func (en *entry) constVec(n *ir.Node) {
	en.comment(n, "%s = %v", en.target(n), n.Vec)
	name := en.declare(n, nodeName(n))
	for i, v := range n.Vec {
		en.add(jen.Id(name).Index(jen.Lit(i)).Op("=").Add(lit(v)))
	}
}

// mean averages a value over the rows of its point sets (all rows if none) and its elements.
func (en *entry) mean(n *ir.Node) {
	arg := n.Args[0]
	en.comment(n, "%s = mean of %s over %s and its %d elements", en.target(n), en.local(arg), en.setList(n.Sets), arg.Size())
	name := en.target(n)
	en.names[n.ID] = name
	k := en.kernel(arg.Size())
	v := k.val(arg)
	en.add(k.pre...)
	acc := en.fresh("sum_" + name)
	en.add(jen.Var().Id(acc).Float64())
	for _, r := range en.ranges(n.Sets) {
		en.add(r.decl...)
		en.add(loop("f", arg.Size(),
			append(k.perF, jen.For(jen.Id("b").Op(":=").Add(r.lo), jen.Id("b").Op("<").Add(r.hi), jen.Id("b").Op("++")).Block(
				jen.Id(acc).Op("+=").Float64().Call(v)))...,
		))
	}
	en.add(jen.Id(name).Op(":=").Id("T").Call(jen.Id(acc).Op("/").Float64().Call(times(en.count(n.Sets), arg.Size()))))
}

func (en *entry) matVec(n *ir.Node, transposed bool) {
	w, x := n.Args[0], n.Args[1]
	rows, cols := w.Shape[0], w.Shape[1]
	if transposed {
		en.comment(n, "%s = %sᵀ·%s: [%d] from [%d]", en.target(n), en.local(w), en.local(x), cols, rows)
	} else {
		en.comment(n, "%s = %s·%s: [%d] from [%d]", en.target(n), en.local(w), en.local(x), rows, cols)
	}
	name := en.declare(n, nodeName(n))
	W, X := en.ref(w), en.ref(x)
	outer, inner := rows, cols
	if transposed {
		outer, inner = cols, rows
	}
	if !x.Batched {
		// Once per batch: a product of unbatched values, e.g. a weight column W·e_k.
		widx := W.Clone().Index(jen.Id("j").Op("*").Lit(cols).Op("+").Id("k"))
		if transposed {
			widx = W.Clone().Index(jen.Id("k").Op("*").Lit(cols).Op("+").Id("j"))
		}
		en.add(loop("j", outer,
			jen.Var().Id("s").Id("T"),
			loop("k", inner,
				jen.Id("s").Op("+=").Add(widx).Op("*").Add(X).Index(jen.Id("k"))),
			jen.Id(name).Index(jen.Id("j")).Op("=").Id("s"),
		))
		return
	}
	if en.row {
		if transposed {
			panic("mlc: internal error: transposed matvec in a single-row pass")
		}
		// One row: the rows of W dotted with x, the weight-gradient kernel's contraction
		// (along contiguous memory on both sides) with x as its only row.
		en.add(jen.Qual(KernelsPath, "GemmNT"+en.e.bits).Call(jen.Lit(rows), jen.Lit(1), jen.Lit(cols), W, jen.Lit(cols), X, jen.Lit(cols), jen.Id(name), jen.False()))
		return
	}
	fn := "GemmNN" + en.e.bits
	if transposed {
		fn = "GemmTN" + en.e.bits
	}
	en.add(jen.Qual(KernelsPath, fn).Call(jen.Lit(rows), jen.Lit(cols), jen.Id("n"), W, X, en.ld(), jen.Id(name), en.ld(), jen.False()))
}

func (en *entry) outer(n *ir.Node) {
	g, x := n.Args[0], n.Args[1]
	rows, cols := n.Shape[0], n.Shape[1]
	en.comment(n, "%s = Σ over the batch of %s ⊗ %s: [%d, %d]", en.target(n), en.local(g), en.local(x), rows, cols)
	name := en.declare(n, nodeName(n))
	G, X := en.ref(g), en.ref(x)
	if !g.Batched {
		en.add(loop("j", rows,
			loop("k", cols,
				jen.Id(name).Index(jen.Id("j").Op("*").Lit(cols).Op("+").Id("k")).Op(en.assign(n)).Add(G).Index(jen.Id("j")).Op("*").Add(X).Index(jen.Id("k")))))
		return
	}
	en.add(jen.Qual(KernelsPath, "GemmNT"+en.e.bits).Call(jen.Lit(rows), jen.Lit(cols), jen.Id("n"), G, en.ld(), X, en.ld(), jen.Id(name), jen.Lit(en.assign(n) == "+=")))
}
