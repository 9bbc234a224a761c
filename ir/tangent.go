package ir

// Tangent is forward-mode differentiation as an IR → IR pass: it returns the derivative of
// y with respect to the input leaf x, built from the same primitives (nil when y does not
// depend on x). Applying it to its own result gives second derivatives: u_xx is
// Tangent(Tangent(u, x), x), and the graph's sharing of identical nodes computes the
// common part of u_x and u_xx once. Only per-sample values have input derivatives;
// reductions over the batch do not.
func Tangent(g *Graph, y, x *Node) *Node {
	t := &tangents{g: g, x: x, memo: map[*Node]*Node{}, done: map[*Node]bool{}}
	return t.of(y)
}

type tangents struct {
	g    *Graph
	x    *Node
	memo map[*Node]*Node
	done map[*Node]bool
}

func (t *tangents) of(n *Node) *Node {
	if t.done[n] {
		return t.memo[n]
	}
	d := t.rule(n)
	if d != nil && d.ID > n.ID && d.Op != OpConst && d.Op != OpConstVec && n.Name != "" {
		d.Name = n.Name + "_" + t.x.Name // u_x, dense1_t, ...
	}
	t.memo[n], t.done[n] = d, true
	return d
}

func (t *tangents) rule(n *Node) *Node {
	g := t.g
	if n == t.x {
		return g.Const(1)
	}
	switch Ops[n.Op].Kind {
	case Leaf:
		return nil
	case Reduction:
		if n.Op == OpBroadcast {
			return nil // an unbatched value does not depend on a sample's inputs
		}
		internalf("input derivative of %s, a reduction over the batch", n.Op)
	}
	args := make([]*Node, len(n.Args))
	any := false
	for i, a := range n.Args {
		args[i] = t.of(a)
		any = any || args[i] != nil
	}
	if !any {
		return nil
	}
	a := n.Args
	da := args[0]
	var db *Node
	if len(args) > 1 {
		db = args[1]
	}
	// scale is f'(x)·dx for the unary ops below, nil-safe.
	scale := func(f *Node) *Node { return g.mul(da, f) }
	switch n.Op {
	case OpAdd:
		return t.sum(da, db, false)
	case OpSub:
		return t.sum(da, db, true)
	case OpMul:
		var p, q *Node
		if da != nil {
			p = g.mul(da, a[1])
		}
		if db != nil {
			q = g.mul(a[0], db)
		}
		return t.sum(p, q, false)
	case OpDiv: // (da - y·db)/b
		var num *Node
		if db != nil {
			num = g.mul(n, db)
		}
		return g.div(t.sum(da, num, true), a[1])
	case OpNeg:
		return g.neg(da)
	case OpTanh, OpSigmoid:
		return scale(g.slope(n))
	case OpRelu:
		return scale(g.unary(OpStep, a[0]))
	case OpSoftplus:
		return scale(g.unary(OpSigmoid, a[0]))
	case OpExp:
		return scale(n)
	case OpLog:
		return g.div(da, a[0])
	case OpSin:
		return scale(g.unary(OpCos, a[0]))
	case OpCos:
		return g.neg(scale(g.unary(OpSin, a[0])))
	case OpAbs:
		return scale(g.unary(OpSign, a[0]))
	case OpClip:
		return scale(g.ClipNode(OpInRange, a[0], n.Lo, n.Hi, a[0].Name+"_inrange", n.Pos))
	case OpStep, OpSign, OpInRange:
		return nil
	case OpMatVec: // W·x with W a parameter: W·dx (+ dW·x, should W depend on x)
		var p, q *Node
		if db != nil {
			p = g.must(OpMatVec, "", n.Pos, a[0], db)
		}
		if da != nil {
			q = g.must(OpMatVec, "", n.Pos, da, a[1])
		}
		return t.sum(p, q, false)
	case OpMatTVec:
		var p, q *Node
		if db != nil {
			p = g.must(OpMatTVec, "", n.Pos, a[0], db)
		}
		if da != nil {
			q = g.must(OpMatTVec, "", n.Pos, da, a[1])
		}
		return t.sum(p, q, false)
	case OpConcat:
		parts := make([]*Node, len(args))
		for i, d := range args {
			if d == nil {
				d = g.zeros(n.Args[i].Size(), false)
			}
			parts[i] = d
		}
		return g.must(OpConcat, "", n.Pos, parts...)
	case OpSlice:
		return g.Slice(da, n.Off, n.Size(), "")
	case OpPad:
		return g.Pad(da, n.PadL, n.PadR, "")
	case OpCrop:
		return g.Crop(da, n.PadL, n.Shape[0], "")
	case OpConv1D: // W·x is linear in each: conv(dW, x) + conv(W, dx)
		var p, q *Node
		if db != nil {
			p = g.Conv(OpConv1D, a[0], db, n.Off, n.Stride, n.PadL, "", n.Pos)
		}
		if da != nil {
			q = g.Conv(OpConv1D, da, a[1], n.Off, n.Stride, n.PadL, "", n.Pos)
		}
		return t.sum(p, q, false)
	}
	internalf("no input-derivative rule for %s", n.Op)
	return nil
}

// sum is p + q (or p - q) where either may be nil, meaning zero.
func (t *tangents) sum(p, q *Node, minus bool) *Node {
	switch {
	case q == nil:
		return p
	case p == nil && minus:
		return t.g.neg(q)
	case p == nil:
		return q
	case minus:
		return t.g.sub(p, q)
	}
	return t.g.must(OpAdd, "", p.Pos, p, q)
}
