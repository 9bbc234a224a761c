package ir

// slope is the derivative of an activation written through its output y, shared by the
// reverse and the forward rules: 1 - y² for tanh, y(1 - y) for the sigmoid. It is named
// after the value, e.g. dense1_slope.
func (b *Graph) slope(y *Node) *Node {
	var d *Node
	switch y.Op {
	case OpTanh:
		d = b.sub(b.Const(1), b.mul(y, y))
	case OpSigmoid:
		d = b.mul(y, b.sub(b.Const(1), y))
	default:
		internalf("slope of %s", y.Op)
	}
	if d.Op != OpConst && y.Name != "" {
		d.Name = y.Name + "_slope"
	}
	return d
}

// reluAdjoint is the adjoint of z for y = relu(z) given y's adjoint seed: seed·step(y),
// which is seed·step(z), read from y because y is kept anyway (the next layer's input) and
// z then need not be. When y feeds only a dropout, out = y·m, seed is a·m and the adjoint is
// a·m·step(out), read from out instead, for the same reason: out is 0 where y is, and where
// m is (then so is a·m), so step(out) may stand for step(y).
func (b *Graph) reluAdjoint(y, seed *Node) *Node {
	if seed.Op == OpMul {
		for _, m := range seed.Args {
			if m.Op != OpDropMask {
				continue
			}
			for _, out := range b.Nodes {
				if out.Op == OpMul && out.Args[0] == y && out.Args[1] == m {
					return b.mul(seed, b.unary(OpStep, out))
				}
			}
		}
	}
	return b.mul(seed, b.unary(OpStep, y))
}

// zeros is a zero vector of k elements; batched zeros broadcast from an unbatched constant.
func (b *Graph) zeros(k int, batched bool) *Node {
	z := b.ConstVec(make([]float64, k))
	if batched {
		return b.must(OpBroadcast, "zeros", z.Pos, z)
	}
	return z
}

// reverse returns the adjoints of n's arguments given the adjoint a of n (nil for an
// argument that gets none): an elementwise op's local derivatives times a, summed back
// over what was broadcast, or the op's own rule. They are ordinary graph nodes, so they
// can be differentiated again.
func reverse(g *Graph, n, a *Node) []*Node {
	info := Ops[n.Op]
	if info.Kind != Elementwise {
		return info.Reverse(g, n, a)
	}
	out := make([]*Node, len(n.Args))
	for i, x := range n.Args {
		out[i] = unbroadcast(g, info.Local(g, n, i, a), x)
	}
	return out
}

// unbroadcast sums the adjoint g back to the shape of x where x was repeated.
func unbroadcast(b *Graph, g, x *Node) *Node {
	if g == nil {
		return nil
	}
	if g.Batched && !x.Batched {
		// Summed over the batch, and over the leading dimensions x was repeated along (all
		// of them for a scalar such as a coefficient).
		return b.SumBatchTo(g, x.Shape, g.Name)
	}
	if perSampleOne(x.Shape, x.Batched) && g.Size() > 1 {
		// A value of one element per sample repeated over another's elements.
		return b.RowSum(g, g.Name)
	}
	if perSampleOne(x.Shape, x.Batched) && g.Batched && g.Size() == 1 && !equalShape(g.Shape, x.Shape) {
		// One element per sample met a value of one element in another shape (a [1, 1]
		// series, say): the same number, reshaped.
		return b.ReshapeAt(g, x.Shape, g.Name, g.Pos)
	}
	if len(x.Shape) > 0 && !equalShape(g.Shape, x.Shape) {
		internalf("adjoint of shape %v for a value of shape %v", g.Shape, x.Shape)
	}
	return g
}

func (b *Graph) unary(op Op, x *Node) *Node { return b.must(op, x.Name+"_"+op.String(), x.Pos, x) }
func (b *Graph) neg(x *Node) *Node          { return b.must(OpNeg, x.Name, x.Pos, x) }
func (b *Graph) mul(x, y *Node) *Node       { return b.must(OpMul, x.Name, x.Pos, x, y) }
func (b *Graph) sub(x, y *Node) *Node       { return b.must(OpSub, x.Name, x.Pos, x, y) }
func (b *Graph) div(x, y *Node) *Node       { return b.must(OpDiv, x.Name, x.Pos, x, y) }
func (b *Graph) addN(x, y *Node) *Node {
	if x == nil {
		return y
	}
	return b.must(OpAdd, x.Name, x.Pos, x, y)
}

// Differentiate adds to g the reverse-mode gradient of the scalar y with respect to each
// of wrt and returns the gradient nodes in the same order. A node y does not depend on
// gets a zero constant. Adjoints that fan in are summed; only nodes between wrt and y
// get adjoints.
func Differentiate(g *Graph, y *Node, wrt []*Node) []*Node {
	if len(y.Shape) != 0 || y.Batched {
		internalf("Differentiate: %s is not a scalar", y)
	}
	// Which nodes depend on some wrt node: only those need adjoints.
	depends := make([]bool, len(g.Nodes))
	for _, w := range wrt {
		depends[w.ID] = true
	}
	for _, n := range g.Nodes[:y.ID+1] {
		for _, a := range n.Args {
			if depends[a.ID] {
				depends[n.ID] = true
			}
		}
	}
	adj := make(map[*Node]*Node)
	adj[y] = g.Const(1)
	named := map[*Node]bool{}
	order := g.Nodes[:y.ID+1]
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		gn := adj[n]
		if gn == nil || !depends[n.ID] || len(n.Args) == 0 {
			continue
		}
		if gn.ID > y.ID && gn.Op != OpConst && n.Name != "" && !named[gn] {
			// A node made here is named after the first value it is the adjoint of:
			// d_dense1. (The adjoint of dense1_z is also that of dense1_Wx.)
			gn.Name = "d_" + n.Name
			named[gn] = true
		}
		for k, ga := range reverse(g, n, gn) {
			a := n.Args[k]
			if ga == nil || !depends[a.ID] {
				continue
			}
			adj[a] = g.addN(adj[a], ga)
		}
	}
	out := make([]*Node, len(wrt))
	for i, w := range wrt {
		a := adj[w]
		if a == nil {
			out[i] = g.Const(0)
			continue
		}
		if a.ID > y.ID && a.Op != OpConst && w.Name != "" {
			a.Name = "d_" + w.Name // the gradient is named after its parameter: d_dense1_b
		}
		out[i] = a
	}
	return out
}
