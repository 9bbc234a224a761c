package ir

import (
	"math"
	"math/rand/v2"
	"testing"
)

// opCase is a small graph around one op: out uses the op, leaves are the values it
// depends on (inputs batched, parameters unbatched), each with a range to draw from.
type opCase struct {
	out    *Node
	leaves []*Node
	lo, hi []float64
}

const opBatch = 3 // samples in an op test

// opCases builds, for every op that is not a leaf, a graph where it is computed from leaves.
func opCases() map[Op]func(g *Graph) opCase {
	in := func(g *Graph, name string, shape ...int) *Node { return g.Leaf(OpInput, name, shape, true, posZero) }
	par := func(g *Graph, name string, shape ...int) *Node {
		return g.ParamNode(&Param{Name: name, Shape: shape})
	}
	cases := map[Op]func(g *Graph) opCase{}
	for op := Op(0); op < numOps; op++ {
		info := Ops[op]
		if info.Kind != Elementwise {
			continue
		}
		cases[op] = func(g *Graph) opCase {
			x := in(g, "x", 2)
			c := opCase{leaves: []*Node{x}, lo: []float64{-2}, hi: []float64{2}}
			switch op {
			case OpLog:
				c.lo[0] = 0.2 // its domain
			case OpClip, OpInRange:
				c.out = g.ClipNode(op, x, -0.5, 0.7, "c", posZero)
				return c
			}
			args := []*Node{x}
			if info.Arity == 2 {
				y := in(g, "y", 2)
				args = append(args, y)
				c.leaves, c.lo, c.hi = append(c.leaves, y), append(c.lo, 0.5), append(c.hi, 2) // y away from 0 for div
			}
			c.out = g.must(op, "out", posZero, args...)
			return c
		}
	}
	cases[OpMatVec] = func(g *Graph) opCase {
		w, x := par(g, "W", 3, 2), in(g, "x", 2)
		return opCase{g.must(OpMatVec, "", posZero, w, x), []*Node{w, x}, []float64{-1, -1}, []float64{1, 1}}
	}
	cases[OpMatTVec] = func(g *Graph) opCase {
		w, x := par(g, "W", 3, 2), in(g, "x", 3)
		return opCase{g.must(OpMatTVec, "", posZero, w, x), []*Node{w, x}, []float64{-1, -1}, []float64{1, 1}}
	}
	cases[OpOuter] = func(g *Graph) opCase {
		u, v := in(g, "u", 3), in(g, "v", 2)
		return opCase{g.must(OpOuter, "", posZero, u, v), []*Node{u, v}, []float64{-1, -1}, []float64{1, 1}}
	}
	conv := func(op Op) func(g *Graph) opCase {
		return func(g *Graph) opCase {
			const k, stride, l, cin, cout = 3, 2, 7, 2, 3 // lout = 3
			switch op {
			case OpConv1D:
				w, x := par(g, "W", cout, k*cin), in(g, "x", l, cin)
				return opCase{g.Conv(op, w, x, k, stride, l, "", posZero), []*Node{w, x}, []float64{-1, -1}, []float64{1, 1}}
			case OpConv1DT:
				w, a := par(g, "W", cout, k*cin), in(g, "a", 3, cout)
				return opCase{g.Conv(op, w, a, k, stride, l, "", posZero), []*Node{w, a}, []float64{-1, -1}, []float64{1, 1}}
			}
			a, x := in(g, "a", 3, cout), in(g, "x", l, cin)
			return opCase{g.Conv(op, a, x, k, stride, l, "", posZero), []*Node{a, x}, []float64{-1, -1}, []float64{1, 1}}
		}
	}
	cases[OpConv1D], cases[OpConv1DT], cases[OpConv1DW] = conv(OpConv1D), conv(OpConv1DT), conv(OpConv1DW)
	cases[OpSumBatch] = func(g *Graph) opCase {
		x := in(g, "x", 2, 3)
		return opCase{g.SumBatchTo(x, []int{3}, ""), []*Node{x}, []float64{-1}, []float64{1}}
	}
	cases[OpBroadcast] = func(g *Graph) opCase {
		w := par(g, "w", 3)
		return opCase{g.BroadcastTo(w, []int{2, 3}, ""), []*Node{w}, []float64{-1}, []float64{1}}
	}
	cases[OpMean] = func(g *Graph) opCase {
		x := in(g, "x", 2)
		return opCase{g.MeanOver(x, 0b10, "", posZero), []*Node{x}, []float64{-1}, []float64{1}}
	}
	cases[OpSpread] = func(g *Graph) opCase {
		w := par(g, "w")
		return opCase{g.Spread(w, in(g, "like", 2), 0b10), []*Node{w}, []float64{-1}, []float64{1}}
	}
	cases[OpConcat] = func(g *Graph) opCase {
		x, y := in(g, "x", 2), in(g, "y", 1)
		return opCase{g.must(OpConcat, "", posZero, x, y, x), []*Node{x, y}, []float64{-1, -1}, []float64{1, 1}}
	}
	cases[OpSlice] = func(g *Graph) opCase {
		x := in(g, "x", 5)
		return opCase{g.Slice(x, 1, 3, ""), []*Node{x}, []float64{-1}, []float64{1}}
	}
	cases[OpPad] = func(g *Graph) opCase {
		x := in(g, "x", 3, 2)
		return opCase{g.Pad(x, 1, 2, ""), []*Node{x}, []float64{-1}, []float64{1}}
	}
	cases[OpCrop] = func(g *Graph) opCase {
		x := in(g, "x", 5, 2)
		return opCase{g.Crop(x, 1, 3, ""), []*Node{x}, []float64{-1}, []float64{1}}
	}
	one := func(f func(g *Graph, x *Node) *Node, shape ...int) func(g *Graph) opCase {
		return func(g *Graph) opCase {
			x := in(g, "x", shape...)
			return opCase{f(g, x), []*Node{x}, []float64{-2}, []float64{2}}
		}
	}
	cases[OpRowSum] = one(func(g *Graph, x *Node) *Node { return g.RowSum(x, "") }, 4)
	cases[OpRowMax] = one(func(g *Graph, x *Node) *Node { return g.RowMax(x, "") }, 4)
	cases[OpArgmaxMask] = one(func(g *Graph, x *Node) *Node { return g.ArgmaxMask(x, "") }, 4)
	cases[OpRepeat] = one(func(g *Graph, x *Node) *Node { return g.Repeat(x, []int{3}, "") }, 1)
	cases[OpSoftmax] = one(func(g *Graph, x *Node) *Node { return g.Softmax(x, "") }, 4)
	cases[OpLogSumExp] = one(func(g *Graph, x *Node) *Node { return g.LogSumExp(x, "") }, 4)
	cases[OpOneHot] = one(func(g *Graph, x *Node) *Node { return g.OneHot(x, 3, "") }, 1)
	cases[OpReshape] = one(func(g *Graph, x *Node) *Node { return g.Reshape(x, []int{6}, "") }, 3, 2)
	const pool, poolStride, steps = 3, 2, 7 // three windows
	cases[OpPoolSum] = one(func(g *Graph, x *Node) *Node { return g.Pool(OpPoolSum, nil, x, pool, poolStride, steps, "", posZero) }, steps, 2)
	cases[OpPoolSumT] = one(func(g *Graph, a *Node) *Node { return g.Pool(OpPoolSumT, nil, a, pool, poolStride, steps, "", posZero) }, 3, 2)
	// The values first: the forward rule is checked along the first input.
	cases[OpPoolSelect] = func(g *Graph) opCase {
		v, x := in(g, "v", steps, 2), in(g, "x", steps, 2)
		return opCase{g.Pool(OpPoolSelect, x, v, pool, poolStride, steps, "", posZero), []*Node{v, x}, []float64{-1, -1}, []float64{1, 1}}
	}
	cases[OpPoolScatter] = func(g *Graph) opCase {
		a, x := in(g, "a", 3, 2), in(g, "x", steps, 2)
		return opCase{g.Pool(OpPoolScatter, x, a, pool, poolStride, steps, "", posZero), []*Node{a, x}, []float64{-1, -1}, []float64{1, 1}}
	}
	return cases
}

// TestOpTable walks Ops and checks every row that has derivatives against central finite
// differences through the interpreter: the reverse rule (the gradient of a random linear
// function of the op's value with respect to every leaf) and, for ops with an input
// derivative, the forward rule once and twice (the directional derivative along all of
// the first input, and the derivative of that).
func TestOpTable(t *testing.T) {
	cases := opCases()
	for op := Op(0); op < numOps; op++ {
		info := Ops[op]
		if info.Name == "" {
			t.Errorf("op %d has no row in Ops", op)
			continue
		}
		if info.Kind == Leaf {
			continue
		}
		if info.Kind == Elementwise && (info.Eval == nil || info.Local == nil) {
			t.Errorf("%s: an elementwise op needs Eval and Local", op)
			continue
		}
		if info.Kind != Elementwise && info.Reverse == nil {
			t.Errorf("%s: no reverse rule", op)
			continue
		}
		build := cases[op]
		if build == nil {
			t.Errorf("%s: no test case in opCases", op)
			continue
		}
		t.Run(op.String(), func(t *testing.T) { checkOp(t, op, build) })
	}
}

func checkOp(t *testing.T, op Op, build func(*Graph) opCase) {
	rng := rand.New(rand.NewPCG(uint64(op), 3))
	g := NewGraph()
	c := build(g)
	if c.out.Op != op {
		t.Fatalf("the case computes %s, not %s", c.out.Op, op)
	}
	// L = mean over the batch and the elements of weights·out, with random weights.
	weights := make([]float64, c.out.Size())
	for i := range weights {
		weights[i] = rng.Float64() - 0.5
	}
	v := c.out
	if !v.Batched {
		v = g.BroadcastTo(v, v.Shape, "")
	}
	w := g.Const(0.7)
	if len(v.Shape) > 0 { // repeated over the leading dimensions
		w = g.ConstVec(weights[:v.Shape[len(v.Shape)-1]])
	}
	loss := g.MeanOver(g.must(OpMul, "", posZero, v, w), 0, "", posZero)
	grads := Differentiate(g, loss, c.leaves)

	in := &Batch{N: opBatch, Leaves: map[string][]float64{}, Params: map[string][]float64{}, Sets: [][2]int{{0, 1}, {1, opBatch}}}
	values := func(n *Node) []float64 {
		if n.Op == OpParam {
			return in.Params[n.Name]
		}
		return in.Leaves[n.Name]
	}
	for i, leaf := range c.leaves {
		k := leaf.Size()
		if leaf.Batched {
			k *= opBatch
		}
		vals := make([]float64, k)
		for j := range vals {
			vals[j] = c.lo[i] + (c.hi[i]-c.lo[i])*rng.Float64()
		}
		if leaf.Op == OpParam {
			in.Params[leaf.Name] = vals
		} else {
			in.Leaves[leaf.Name] = vals
		}
	}
	if c.out.Op == OpSpread { // a value shaped like "like", which the op only reads the shape of
		in.Leaves["like"] = make([]float64, 2*opBatch)
	}
	eval := func(n *Node) []float64 { return Evaluate(g, []*Node{n}, in)[n.ID] }

	// Reverse: each element of each leaf.
	const h = 1e-5
	for i, leaf := range c.leaves {
		got := eval(grads[i])
		vals := values(leaf)
		for j := range vals {
			old := vals[j]
			vals[j] = old + h
			lp := eval(loss)[0]
			vals[j] = old - h
			lm := eval(loss)[0]
			vals[j] = old
			want := (lp - lm) / (2 * h)
			var gj float64
			if grads[i].Op == OpConst {
				gj = grads[i].Value
			} else if len(got) == len(vals) {
				gj = got[j]
			} else {
				t.Fatalf("gradient of %s has %d values, the leaf %d", leaf.Name, len(got), len(vals))
			}
			if math.Abs(gj-want) > 1e-7*math.Max(1, math.Abs(want)) {
				t.Errorf("reverse: ∂L/∂%s[%d] = %.10g, finite differences %.10g", leaf.Name, j, gj, want)
			}
		}
	}

	// Forward, along all of the first batched input, once and twice.
	var x *Node
	for _, leaf := range c.leaves {
		if leaf.Op == OpInput {
			x = leaf
			break
		}
	}
	if x == nil || !c.out.Batched || Ops[op].Kind != Elementwise && Ops[op].Forward == nil {
		return // no input derivative: the op only appears in gradients
	}
	d1 := Tangent(g, c.out, x)
	var d2 *Node
	if d1 != nil && d1.Batched {
		d2 = Tangent(g, d1, x)
	}
	along := func(f func() []float64, step float64) []float64 {
		vals := values(x)
		old := append([]float64(nil), vals...)
		shift := func(s float64) []float64 {
			for j := range vals {
				vals[j] = old[j] + s
			}
			return f()
		}
		p, m := shift(step), shift(-step)
		copy(vals, old)
		out := make([]float64, len(p))
		for j := range p {
			out[j] = (p[j] - m[j]) / (2 * step)
		}
		return out
	}
	compare := func(what string, d *Node, want []float64, tol float64) {
		var got []float64
		switch {
		case d == nil:
			got = make([]float64, len(want))
		case d.Op == OpConst:
			got = make([]float64, len(want))
			for j := range got {
				got[j] = d.Value
			}
		default:
			got = eval(d)
		}
		for j := range want {
			if math.Abs(got[j]-want[j]) > tol*math.Max(1, math.Abs(want[j])) {
				t.Errorf("%s[%d] = %.10g, finite differences %.10g", what, j, got[j], want[j])
			}
		}
	}
	compare("forward", d1, along(func() []float64 { return eval(c.out) }, h), 1e-7)
	if d1 != nil && d1.Batched {
		compare("forward twice", d2, along(func() []float64 { return eval(d1) }, h), 1e-6)
	}
}

// TestFoldingKeepsIEEESemantics: x*0 must not fold to 0 (x may be NaN or Inf), while
// constant arithmetic and the safe identities fold.
func TestFoldingKeepsIEEESemantics(t *testing.T) {
	g := NewGraph()
	x := g.Leaf(OpInput, "x", []int{3}, true, posZero)
	zero, one := g.Const(0), g.Const(1)
	if n := g.must(OpMul, "", posZero, x, zero); n.Op != OpMul {
		t.Errorf("x*0 folded to %v", n)
	}
	if n := g.must(OpMul, "", posZero, x, one); n != x {
		t.Errorf("x*1 not folded: %v", n)
	}
	if n := g.must(OpAdd, "", posZero, g.Const(2), g.Const(3)); !n.IsConst(5) {
		t.Errorf("2+3 folded to %v", n)
	}
	if a, b := g.must(OpTanh, "", posZero, x), g.must(OpTanh, "", posZero, x); a != b {
		t.Error("identical nodes are not shared (CSE)")
	}
	m1 := g.DropMask(x, 0.5, "m", posZero)
	m2 := g.DropMask(x, 0.5, "m", posZero)
	if m1 == m2 {
		t.Error("two dropout masks were merged: they must be independent")
	}
}
