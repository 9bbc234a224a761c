package codegen

// The emitters of the per-sample ops: sums and maxima over a sample's values, softmax and
// log-sum-exp, class labels as indicators, reshapes and pooling. The single-row pass uses
// the same loops with a batch of one row at stride 1.

import (
	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/ir"
)

// dims are the batch stride and the number of rows of the pass: 1 and 1 for one row.
func (en *entry) dims() (ld, rows jen.Code) {
	if en.row {
		return jen.Lit(1), jen.Lit(1)
	}
	return en.ld(), jen.Id("n")
}

// perSample is `for b := 0; b < n; b++ { body }`: a loop over the samples of the batch.
func (en *entry) perSample(body ...jen.Code) jen.Code {
	_, rows := en.dims()
	return jen.For(jen.Id("b").Op(":=").Lit(0), jen.Id("b").Op("<").Add(rows), jen.Id("b").Op("++")).Block(body...)
}

// at is element f (a Go expression) of sample b of a buffer.
func (en *entry) at(buf *jen.Statement, f jen.Code) *jen.Statement {
	ld, _ := en.dims()
	if en.row {
		return buf.Clone().Index(f)
	}
	return buf.Clone().Index(jen.Add(f).Op("*").Add(ld).Op("+").Id("b"))
}

// first is element 0 of sample b of a buffer.
func (en *entry) first(buf *jen.Statement) *jen.Statement {
	if en.row {
		return buf.Clone().Index(jen.Lit(0))
	}
	return buf.Clone().Index(jen.Id("b"))
}

// rowReduce emits rowsum and rowmax: a loop over the values of each sample, with the
// argument's elementwise work fused in, accumulating over contiguous rows of samples.
func (en *entry) rowReduce(n *ir.Node) {
	arg := n.Args[0]
	what, init, step := "Σ", jen.Lit(0), func(acc, v jen.Code) jen.Code { return jen.Add(acc).Op("+=").Add(v) }
	if n.Op == ir.OpRowMax {
		what, init = "max", jen.Id("T").Call(jen.Qual("math", "Inf").Call(jen.Lit(-1)))
		step = func(acc, v jen.Code) jen.Code { return jen.Add(acc).Op("=").Max(acc, v) }
	}
	of := en.local(arg)
	if en.plan.Fused[arg.ID] {
		of = en.describe(arg)
	}
	en.comment(n, "%s = %s over the %d values of each sample of %s", en.target(n), what, arg.Size(), of)
	name := en.declare(n, nodeName(n))
	k := en.kernel(arg.Size())
	k.overOut = !en.row
	v := k.val(arg)
	en.add(k.pre...)
	if en.row {
		en.add(jen.Id(name).Index(jen.Lit(0)).Op("=").Add(init))
		en.add(loop("f", arg.Size(), append(k.perF, step(jen.Id(name).Index(jen.Lit(0)), v))...))
		return
	}
	start := jen.Clear(jen.Id("out"))
	if n.Op == ir.OpRowMax {
		start = jen.For(jen.Id("b").Op(":=").Range().Id("out")).Block(jen.Id("out").Index(jen.Id("b")).Op("=").Add(init))
	}
	en.add(jen.Block(
		jen.Id("out").Op(":=").Id(name).Index(jen.Op(":").Id("n")),
		start,
		loop("f", arg.Size(), append(k.perF,
			jen.For(jen.Id("b").Op(":=").Range().Id("out")).Block(step(jen.Id("out").Index(jen.Id("b")), v)))...)))
}

// argmaxMask marks the first largest value of each sample.
func (en *entry) argmaxMask(n *ir.Node) {
	x := n.Args[0]
	en.comment(n, "%s = 1 at the first largest of the %d values of each sample of %s, 0 elsewhere", en.target(n), x.Size(), en.local(x))
	name := en.declare(n, nodeName(n))
	X := en.ref(x)
	en.add(jen.Clear(jen.Id(name)))
	en.add(en.perSample(
		jen.Id("best").Op(":=").Lit(0),
		jen.For(jen.Id("f").Op(":=").Lit(1), jen.Id("f").Op("<").Lit(x.Size()), jen.Id("f").Op("++")).Block(
			jen.If(en.at(X, jen.Id("f")).Op(">").Add(en.at(X, jen.Id("best")))).Block(jen.Id("best").Op("=").Id("f"))),
		en.at(jen.Id(name), jen.Id("best")).Op("=").Lit(1)))
}

// softmax emits softmax and logsumexp over the values of each sample, from x − max x so
// that no exponential overflows.
func (en *entry) softmax(n *ir.Node) {
	x := n.Args[0]
	size := x.Size()
	if n.Op == ir.OpSoftmax {
		en.comment(n, "%s = softmax of the %d values of each sample of %s: exp(x − max x)/Σ exp(x − max x)", en.target(n), size, en.local(x))
	} else {
		en.comment(n, "%s = log Σ exp over the %d values of each sample of %s: max x + log Σ exp(x − max x)", en.target(n), size, en.local(x))
	}
	name := en.declare(n, nodeName(n))
	X, out := en.ref(x), jen.Id(name)
	exp := rt("Exp" + en.e.bits)
	body := []jen.Code{
		jen.Id("top").Op(":=").Add(en.first(X)),
		jen.For(jen.Id("f").Op(":=").Lit(1), jen.Id("f").Op("<").Lit(size), jen.Id("f").Op("++")).Block(
			jen.Id("top").Op("=").Max(jen.Id("top"), en.at(X, jen.Id("f")))),
		jen.Var().Id("s").Id("T"),
	}
	if n.Op == ir.OpSoftmax {
		body = append(body,
			jen.For(jen.Id("f").Op(":=").Lit(0), jen.Id("f").Op("<").Lit(size), jen.Id("f").Op("++")).Block(
				jen.Id("e").Op(":=").Add(exp).Call(en.at(X, jen.Id("f")).Op("-").Id("top")),
				en.at(out, jen.Id("f")).Op("=").Id("e"),
				jen.Id("s").Op("+=").Id("e")),
			jen.For(jen.Id("f").Op(":=").Lit(0), jen.Id("f").Op("<").Lit(size), jen.Id("f").Op("++")).Block(
				en.at(out, jen.Id("f")).Op("/=").Id("s")))
	} else {
		body = append(body,
			jen.For(jen.Id("f").Op(":=").Lit(0), jen.Id("f").Op("<").Lit(size), jen.Id("f").Op("++")).Block(
				jen.Id("s").Op("+=").Add(exp).Call(en.at(X, jen.Id("f")).Op("-").Id("top"))),
			en.first(out).Op("=").Id("top").Op("+").Add(rt("Log"+en.e.bits)).Call(jen.Id("s")))
	}
	en.add(en.perSample(body...))
}

// oneHot turns class labels into indicators; a label that is no class gives none.
func (en *entry) oneHot(n *ir.Node) {
	y := n.Args[0]
	classes := n.Size()
	en.comment(n, "%s = 1 at the class %s of each sample (0 … %d), 0 elsewhere", en.target(n), en.local(y), classes-1)
	name := en.declare(n, nodeName(n))
	en.add(jen.Clear(jen.Id(name)))
	label := en.first(en.ref(y))
	en.add(en.perSample(
		jen.If(jen.Id("c").Op(":=").Int().Call(label), jen.Id("T").Call(jen.Id("c")).Op("==").Add(label).Op("&&").Id("c").Op(">=").Lit(0).Op("&&").Id("c").Op("<").Lit(classes)).Block(
			en.at(jen.Id(name), jen.Id("c")).Op("=").Lit(1))))
}

// reshape copies a sample's values into a buffer of another shape: the same rows, in the
// same order.
func (en *entry) reshape(n *ir.Node) {
	x := n.Args[0]
	if en.plan.Alias[n.ID] == x {
		en.comment(n, "%s is %s read as %s: the same values in the same order, in the same buffer", nodeName(n), en.local(x), shapeComment(n.Shape))
		en.names[n.ID] = en.names[x.ID]
		return
	}
	en.comment(n, "%s = %s as %s (the same values in the same order)", en.target(n), en.local(x), shapeComment(n.Shape))
	name := en.declare(n, nodeName(n))
	en.add(jen.Copy(jen.Id(name), en.ref(x)))
}

// pool emits the pooling ops over windows of a series [steps, channels]: each window
// position and channel is a contiguous row of samples.
func (en *entry) pool(n *ir.Node) {
	pool, stride := n.Off, n.Stride
	v := n.Args[len(n.Args)-1]
	c := v.Shape[1]
	lout := (n.PadL-pool)/stride + 1
	ld, rows := en.dims()
	name := en.target(n)
	V := en.ref(v)
	// rowAt is the row of samples of element e (a Go expression) of buf.
	rowAt := func(buf *jen.Statement, e jen.Code) *jen.Statement {
		return buf.Clone().Index(jen.Parens(e).Op("*").Add(ld).Op(":")).Index(jen.Op(":").Add(rows))
	}
	step := func(k jen.Code) jen.Code { // step k of window l, channel ch, as an element of [steps, C]
		return jen.Parens(jen.Id("l").Op("*").Lit(stride).Op("+").Add(k)).Op("*").Lit(c).Op("+").Id("ch")
	}
	here := jen.Id("l").Op("*").Lit(c).Op("+").Id("ch") // window l, channel ch, as an element of [Lout, C]
	var body []jen.Code
	switch n.Op {
	case ir.OpPoolSum:
		en.comment(n, "%s = Σ over windows of %d steps, %d apart, of %s: [%d, %d]", name, pool, stride, en.local(v), lout, c)
		en.declare(n, name)
		body = []jen.Code{
			jen.Id("out").Op(":=").Add(rowAt(jen.Id(name), here)),
			jen.Copy(jen.Id("out"), rowAt(V, step(jen.Lit(0)))),
			jen.For(jen.Id("k").Op(":=").Lit(1), jen.Id("k").Op("<").Lit(pool), jen.Id("k").Op("++")).Block(
				jen.Id("row").Op(":=").Add(rowAt(V, step(jen.Id("k")))).Index(jen.Op(":").Len(jen.Id("out"))),
				jen.For(jen.Id("b").Op(":=").Range().Id("out")).Block(jen.Id("out").Index(jen.Id("b")).Op("+=").Id("row").Index(jen.Id("b")))),
		}
	case ir.OpPoolSumT:
		en.comment(n, "%s = %s added to each step of its window of %d steps, %d apart: [%d, %d]", name, en.local(v), pool, stride, n.PadL, c)
		en.declare(n, name)
		en.add(jen.Clear(jen.Id(name)))
		body = []jen.Code{
			jen.Id("row").Op(":=").Add(rowAt(V, here)),
			jen.For(jen.Id("k").Op(":=").Lit(0), jen.Id("k").Op("<").Lit(pool), jen.Id("k").Op("++")).Block(
				jen.Id("out").Op(":=").Add(rowAt(jen.Id(name), step(jen.Id("k")))).Index(jen.Op(":").Len(jen.Id("row"))),
				jen.For(jen.Id("b").Op(":=").Range().Id("row")).Block(jen.Id("out").Index(jen.Id("b")).Op("+=").Id("row").Index(jen.Id("b")))),
		}
	default: // poolselect, poolscatter
		sel := en.ref(n.Args[0])
		// best is the index in the buffers of window l's first largest value of sel.
		at := func(k jen.Code) jen.Code { return jen.Parens(step(k)).Op("*").Add(ld).Op("+").Id("b") }
		find := []jen.Code{
			jen.Id("best").Op(":=").Add(at(jen.Lit(0))),
			jen.For(jen.Id("k").Op(":=").Lit(1), jen.Id("k").Op("<").Lit(pool), jen.Id("k").Op("++")).Block(
				jen.If(jen.Id("i").Op(":=").Add(at(jen.Id("k"))), sel.Clone().Index(jen.Id("i")).Op(">").Add(sel.Clone().Index(jen.Id("best")))).Block(
					jen.Id("best").Op("=").Id("i"))),
		}
		if n.Op == ir.OpPoolSelect {
			if n.Args[0] == v {
				en.comment(n, "%s = the largest value of each window of %d steps, %d apart, of %s: [%d, %d]", name, pool, stride, en.local(v), lout, c)
			} else {
				en.comment(n, "%s = %s where each window of %d steps, %d apart, of %s is first largest: [%d, %d]", name, en.local(v), pool, stride, en.local(n.Args[0]), lout, c)
			}
			en.declare(n, name)
			body = []jen.Code{
				jen.Id("out").Op(":=").Add(rowAt(jen.Id(name), here)),
				jen.For(jen.Id("b").Op(":=").Range().Id("out")).Block(append(find,
					jen.Id("out").Index(jen.Id("b")).Op("=").Add(V.Clone().Index(jen.Id("best"))))...),
			}
		} else {
			en.comment(n, "%s = %s added where each window of %d steps, %d apart, of %s is first largest: [%d, %d]", name, en.local(v), pool, stride, en.local(n.Args[0]), n.PadL, c)
			en.declare(n, name)
			en.add(jen.Clear(jen.Id(name)))
			body = []jen.Code{
				jen.Id("row").Op(":=").Add(rowAt(V, here)),
				jen.For(jen.Id("b").Op(":=").Range().Id("row")).Block(append(find,
					jen.Id(name).Index(jen.Id("best")).Op("+=").Id("row").Index(jen.Id("b")))...),
			}
		}
	}
	en.add(loop("l", lout, loop("ch", c, body...)))
}
