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

// rule is n's tangent: the op's forward rule, or the sum of its local derivatives times
// its arguments' tangents.
func (t *tangents) rule(n *Node) *Node {
	g := t.g
	if n == t.x {
		if x := t.x; x.Size() > 1 {
			// The derivative along all of x: ones of its shape.
			ones := make([]float64, x.Shape[len(x.Shape)-1])
			for i := range ones {
				ones[i] = 1
			}
			return g.BroadcastTo(g.ConstVec(ones), x.Shape, "")
		}
		return g.Const(1)
	}
	info := Ops[n.Op]
	if info.Kind == Leaf || !n.Batched {
		return nil // parameters, constants, values over the whole batch: no per-sample input derivative
	}
	d := make([]*Node, len(n.Args))
	any := false
	for i, a := range n.Args {
		d[i] = t.of(a)
		any = any || d[i] != nil
	}
	if !any {
		return nil
	}
	if info.Forward != nil {
		return info.Forward(g, n, d)
	}
	if info.Kind != Elementwise {
		internalf("no input-derivative rule for %s", n.Op)
	}
	var sum *Node
	for i, di := range d {
		if di == nil {
			continue
		}
		term := info.Local(g, n, i, di)
		if term != nil && sum != nil && term.Op == OpNeg {
			sum = tangentSum(g, sum, term.Args[0], true) // a - b rather than a + (-b)
			continue
		}
		sum = tangentSum(g, sum, term, false)
	}
	return sum
}

// tangentSum is p + q (or p - q) where either may be nil, meaning zero.
func tangentSum(g *Graph, p, q *Node, minus bool) *Node {
	switch {
	case q == nil:
		return p
	case p == nil && minus:
		return g.neg(q)
	case p == nil:
		return q
	case minus:
		return g.sub(p, q)
	}
	return g.must(OpAdd, "", p.Pos, p, q)
}
