package codegen

// Elementwise loops: fused expression trees written as one loop, and the activation
// kernels they call.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/ir"
)

// elementwise emits the loop of an elementwise node with its fused arguments inlined.
func (en *entry) elementwise(n *ir.Node) {
	mark := len(en.body) // where a pending vector group goes if n does not join it
	en.comment(n, "%s = %s", en.target(n), en.describe(n))
	if len(n.Shape) == 0 && !n.Batched {
		name := en.target(n)
		k := en.kernel(1)
		v := k.val2(n)
		en.add(k.pre...)
		en.add(k.perF...)
		en.names[n.ID] = name
		en.add(jen.Id(name).Op(":=").Add(v))
		en.flushVec(mark)
		return
	}
	name := en.declare(n, nodeName(n))
	if en.activationKernel(n, name) {
		en.flushVec(mark)
		return
	}
	k := en.kernel(n.Size())
	k.overOut = n.Batched && !en.row
	v := k.val2(n)
	en.add(k.pre...)
	if !n.Batched || en.row {
		en.add(loop("f", n.Size(),
			append(k.perF, jen.Id(name).Index(jen.Id("f")).Op(en.assign(n)).Add(v))...))
		en.flushVec(mark)
		return
	}
	body := append([]jen.Code{jen.Id("out").Op(":=").Id(name).Index(jen.Id("f").Op("*").Add(en.ld()).Op(":")).Index(jen.Op(":").Id("n"))}, k.perF...)
	body = append(body, jen.For(jen.Id("b").Op(":=").Range().Id("out")).Block(jen.Id("out").Index(jen.Id("b")).Op("=").Add(v)))
	scalar := loop("f", n.Size(), body...)
	if p := en.vecProgram(n, name); p != nil {
		en.vecJoin(n, name, p, scalar, mark)
		return
	}
	en.flushVec(mark)
	en.add(scalar)
}

// activationKernel emits act(z + bias) over batch rows as kernel calls when n is that
// pattern (z a buffer, bias an unbatched value per feature, or none). It reports whether
// it did.
func (en *entry) activationKernel(n *ir.Node, name string) bool {
	fn := emitters[n.Op].biasKernel
	if fn == "" || !n.Batched {
		return false
	}
	if en.row {
		// One sample: the argument is computed into the output, then one kernel call
		// replaces a scalar call per feature.
		k := en.kernel(n.Size())
		v := k.val(n.Args[0])
		en.add(k.pre...)
		en.add(loop("f", n.Size(),
			append(k.perF, jen.Id(name).Index(jen.Id("f")).Op("=").Add(v))...))
		en.add(jen.Qual(KernelsPath, fn+en.e.bits).Call(jen.Id(name), jen.Id(name), lit(0)))
		return true
	}
	z, bias := n.Args[0], (*ir.Node)(nil)
	if en.plan.Fused[z.ID] {
		if z.Op != ir.OpAdd {
			return false
		}
		a, b := z.Args[0], z.Args[1]
		if !a.Batched {
			a, b = b, a
		}
		if !a.Batched || b.Batched || en.plan.Fused[a.ID] || en.plan.Fused[b.ID] || len(b.Shape) == 0 || b.Op == ir.OpConst {
			return false
		}
		z, bias = a, b
	}
	if !z.Batched || len(z.Shape) == 0 {
		return false
	}
	b := lit(0)
	if bias != nil {
		idx := jen.Id("f")
		if bias.Size() < n.Size() {
			idx = jen.Id("f").Op("%").Lit(bias.Size())
		}
		b = en.ref(bias).Index(idx)
	}
	en.add(loop("f", n.Size(),
		jen.Qual(KernelsPath, fn+en.e.bits).Call(
			jen.Id(name).Index(jen.Id("f").Op("*").Add(en.ld()).Op(":")).Index(jen.Op(":").Id("n")),
			en.ref(z).Index(jen.Id("f").Op("*").Add(en.ld()).Op(":")),
			b)))
	return true
}

// describe renders a node's fused expression tree as a comment, e.g. tanh(dense1_Wx + dense1_b).
func (en *entry) describe(n *ir.Node) string {
	var d func(n *ir.Node, top bool) string
	d = func(n *ir.Node, top bool) string {
		if !top && !en.plan.Fused[n.ID] {
			if n.Op == ir.OpConst {
				if n.ConstName != "" {
					return n.ConstName
				}
				return strconv.FormatFloat(n.Value, 'g', -1, 64)
			}
			return en.local(n)
		}
		var args []string
		for _, a := range n.Args {
			args = append(args, d(a, false))
		}
		switch n.Op {
		case ir.OpAdd:
			return "(" + args[0] + " + " + args[1] + ")"
		case ir.OpSub:
			return "(" + args[0] + " - " + args[1] + ")"
		case ir.OpMul:
			return args[0] + "·" + args[1]
		case ir.OpDiv:
			return args[0] + "/" + args[1]
		case ir.OpNeg:
			return "-" + args[0]
		case ir.OpSpread:
			return args[0] + "/(n·" + strconv.Itoa(n.Size()) + ")"
		}
		for i, a := range args {
			if strings.HasPrefix(a, "(") && strings.HasSuffix(a, ")") {
				args[i] = a[1 : len(a)-1]
			}
		}
		return n.Op.String() + "(" + strings.Join(args, ", ") + ")"
	}
	s := d(n, true)
	if n.Op == ir.OpAdd || n.Op == ir.OpSub {
		s = s[1 : len(s)-1]
	}
	return s
}

// kernel collects what one loop needs: scalars computed before it (pre) and row views or
// per-feature values hoisted out of its inner loop (perF).
type kernel struct {
	en        *entry
	pre, perF []jen.Code
	hoisted   map[int]string
	loop      int  // how many features f the loop runs over
	overOut   bool // the inner loop ranges over out: row views are cut to len(out), so the compiler drops their bounds checks
}

func (en *entry) kernel(loop int) *kernel {
	return &kernel{en: en, hoisted: map[int]string{}, loop: loop}
}

// Precedences for parenthesising generated expressions.
const (
	precSum  = 1
	precProd = 2
	precAtom = 3
)

// val is the value of n at (f, b) inside the kernel's loops.
func (k *kernel) val(n *ir.Node) jen.Code { c, _ := k.expr(n); return c }

// val2 is the value of a materialized node computed by this kernel from its arguments.
func (k *kernel) val2(n *ir.Node) jen.Code { c, _ := k.compute(n); return c }

func (k *kernel) expr(n *ir.Node) (jen.Code, int) {
	if n.Op == ir.OpConst {
		return k.en.e.constant(n), precAtom
	}
	if k.en.plan.Fused[n.ID] {
		return k.compute(n)
	}
	if name, ok := k.hoisted[n.ID]; ok {
		if n.Batched {
			return jen.Id(name).Index(jen.Id("b")), precAtom
		}
		return jen.Id(name), precAtom
	}
	ref := k.en.ref(n)
	switch {
	case n.Batched && k.en.row && n.Size() < k.loop:
		return ref.Index(jen.Lit(0)), precAtom // one value per sample, repeated over the loop's
	case n.Batched && k.en.row:
		return ref.Index(jen.Id("f")), precAtom
	case n.Batched && n.Size() < k.loop:
		// One value per sample, repeated over the values of the loop's: its one row.
		name := k.en.fresh("r_" + nodeName(n))
		k.hoisted[n.ID] = name
		k.pre = append(k.pre, jen.Id(name).Op(":=").Add(ref).Index(jen.Op(":").Id("n")))
		return jen.Id(name).Index(jen.Id("b")), precAtom
	case n.Batched:
		name := k.en.fresh("r_" + nodeName(n))
		k.hoisted[n.ID] = name
		cut := jen.Id("n")
		if k.overOut {
			cut = jen.Len(jen.Id("out"))
		}
		k.perF = append(k.perF, jen.Id(name).Op(":=").Add(ref).Index(jen.Id("f").Op("*").Add(k.en.ld()).Op(":")).Index(jen.Op(":").Add(cut)))
		return jen.Id(name).Index(jen.Id("b")), precAtom
	case len(n.Shape) > 0:
		name := k.en.fresh(nodeName(n) + "_f")
		k.hoisted[n.ID] = name
		idx := jen.Id("f")
		if n.Size() < k.loop {
			idx = jen.Id("f").Op("%").Lit(n.Size()) // repeated over the leading dimensions
		}
		k.perF = append(k.perF, jen.Id(name).Op(":=").Add(ref).Index(idx))
		return jen.Id(name), precAtom
	}
	return ref, precAtom
}

func paren(c jen.Code, prec, need int) jen.Code {
	if prec < need {
		return jen.Parens(c)
	}
	return c
}

func (k *kernel) fn(name string) *jen.Statement { return rt(name + k.en.e.bits) }

// compute builds the expression of an elementwise op from its arguments' values.
func (k *kernel) compute(n *ir.Node) (jen.Code, int) {
	e := emitters[n.Op]
	switch {
	case e.expr != nil:
		return e.expr(k, n)
	case e.fn != nil:
		x, _ := k.expr(n.Args[0])
		return jen.Id(k.en.e.use(e.fn)).Call(x), precAtom
	}
	panic(fmt.Sprintf("mlc: internal error: no emitter for %s", n.Op))
}

// loop is `for v := 0; v < n; v++ { body }`; a loop of one iteration is written as the
// block it is, with v the constant 0.
func loop(v string, n int, body ...jen.Code) jen.Code {
	if n == 1 {
		return jen.Block(append([]jen.Code{jen.Const().Id(v).Op("=").Lit(0)}, body...)...)
	}
	return jen.For(jen.Id(v).Op(":=").Lit(0), jen.Id(v).Op("<").Lit(n), jen.Id(v).Op("++")).Block(body...)
}

// times is c·k, or c when k is 1.
func times(c jen.Code, k int) jen.Code {
	if k == 1 {
		return c
	}
	return jen.Add(c).Op("*").Lit(k)
}
