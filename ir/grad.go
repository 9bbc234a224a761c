package ir

// rule returns the adjoints of n's arguments given the adjoint g of n (nil for an argument
// that gets none). Rules build ordinary graph nodes, so their results can be
// differentiated again.
type rule func(b *Graph, n, g *Node) []*Node

// Rules holds the reverse-mode derivative of every op. Leaves have none; ops whose
// derivative is zero almost everywhere (step, sign, inrange) return no adjoints.
var Rules = [numOps]rule{
	OpInput:    leafRule,
	OpTarget:   leafRule,
	OpParam:    leafRule,
	OpConst:    leafRule,
	OpDropMask: leafRule,
	OpAdd: func(b *Graph, n, g *Node) []*Node {
		return []*Node{unbroadcast(b, g, n.Args[0]), unbroadcast(b, g, n.Args[1])}
	},
	OpSub: func(b *Graph, n, g *Node) []*Node {
		return []*Node{unbroadcast(b, g, n.Args[0]), unbroadcast(b, b.neg(g), n.Args[1])}
	},
	OpMul: func(b *Graph, n, g *Node) []*Node {
		x, y := n.Args[0], n.Args[1]
		return []*Node{unbroadcast(b, b.mul(g, y), x), unbroadcast(b, b.mul(g, x), y)}
	},
	OpDiv: func(b *Graph, n, g *Node) []*Node { // d(x/y) = dx/y - dy·(x/y)/y
		y := n.Args[1]
		gx := b.div(g, y)
		return []*Node{unbroadcast(b, gx, n.Args[0]), unbroadcast(b, b.neg(b.mul(gx, n)), y)}
	},
	OpNeg:      func(b *Graph, n, g *Node) []*Node { return []*Node{b.neg(g)} },
	OpTanh:     func(b *Graph, n, g *Node) []*Node { return []*Node{b.mul(g, b.slope(n))} },
	OpSigmoid:  func(b *Graph, n, g *Node) []*Node { return []*Node{b.mul(g, b.slope(n))} },
	OpRelu:     func(b *Graph, n, g *Node) []*Node { return []*Node{b.mul(g, b.unary(OpStep, n.Args[0]))} },
	OpStep:     zeroRule,
	OpSoftplus: func(b *Graph, n, g *Node) []*Node { return []*Node{b.mul(g, b.unary(OpSigmoid, n.Args[0]))} },
	OpExp:      func(b *Graph, n, g *Node) []*Node { return []*Node{b.mul(g, n)} },
	OpLog:      func(b *Graph, n, g *Node) []*Node { return []*Node{b.div(g, n.Args[0])} },
	OpSin:      func(b *Graph, n, g *Node) []*Node { return []*Node{b.mul(g, b.unary(OpCos, n.Args[0]))} },
	OpCos: func(b *Graph, n, g *Node) []*Node {
		return []*Node{b.neg(b.mul(g, b.unary(OpSin, n.Args[0])))}
	},
	OpAbs:  func(b *Graph, n, g *Node) []*Node { return []*Node{b.mul(g, b.unary(OpSign, n.Args[0]))} },
	OpSign: zeroRule,
	OpClip: func(b *Graph, n, g *Node) []*Node {
		x := n.Args[0]
		return []*Node{b.mul(g, b.ClipNode(OpInRange, x, n.Lo, n.Hi, x.Name+"_inrange", n.Pos))}
	},
	OpInRange: zeroRule,
	OpMatVec: func(b *Graph, n, g *Node) []*Node { // y = W·x
		w, x := n.Args[0], n.Args[1]
		return []*Node{
			b.must(OpOuter, "d_"+w.Name, n.Pos, g, x),
			b.must(OpMatTVec, "d_"+x.Name, n.Pos, w, g),
		}
	},
	OpMatTVec: func(b *Graph, n, g *Node) []*Node { // y = Wᵀ·v
		w, v := n.Args[0], n.Args[1]
		return []*Node{
			b.must(OpOuter, "d_"+w.Name, n.Pos, v, g),
			b.must(OpMatVec, "d_"+v.Name, n.Pos, w, g),
		}
	},
	OpOuter: func(b *Graph, n, g *Node) []*Node { // y = Σ_batch u ⊗ v
		u, v := n.Args[0], n.Args[1]
		return []*Node{
			b.must(OpMatVec, "d_"+u.Name, n.Pos, g, v),
			b.must(OpMatTVec, "d_"+v.Name, n.Pos, g, u),
		}
	},
	OpSumBatch:  func(b *Graph, n, g *Node) []*Node { return []*Node{b.BroadcastTo(g, n.Args[0].Shape, g.Name)} },
	OpBroadcast: func(b *Graph, n, g *Node) []*Node { return []*Node{b.SumBatchTo(g, n.Args[0].Shape, g.Name)} },
	OpPad: func(b *Graph, n, g *Node) []*Node {
		return []*Node{b.Crop(g, n.PadL, n.Args[0].Shape[0], "d_"+n.Args[0].Name)}
	},
	OpCrop: func(b *Graph, n, g *Node) []*Node { return []*Node{b.Pad(g, n.PadL, n.PadR, "d_"+n.Args[0].Name)} },
	OpConv1D: func(b *Graph, n, g *Node) []*Node { // y = conv(W, x)
		w, x := n.Args[0], n.Args[1]
		return []*Node{
			b.Conv(OpConv1DW, g, x, n.Off, n.Stride, n.PadL, "d_"+w.Name, n.Pos),
			b.Conv(OpConv1DT, w, g, n.Off, n.Stride, n.PadL, "d_"+x.Name, n.Pos),
		}
	},
	OpConv1DT: func(b *Graph, n, h *Node) []*Node { // y = convᵀ(W, g): linear in each
		w, g := n.Args[0], n.Args[1]
		return []*Node{
			b.Conv(OpConv1DW, g, h, n.Off, n.Stride, n.PadL, "d_"+w.Name, n.Pos),
			b.Conv(OpConv1D, w, h, n.Off, n.Stride, n.PadL, "d_"+g.Name, n.Pos),
		}
	},
	OpConv1DW: func(b *Graph, n, h *Node) []*Node { // y = Σ g ⊗ windows of x
		g, x := n.Args[0], n.Args[1]
		return []*Node{
			b.Conv(OpConv1D, h, x, n.Off, n.Stride, n.PadL, "d_"+g.Name, n.Pos),
			b.Conv(OpConv1DT, h, g, n.Off, n.Stride, n.PadL, "d_"+x.Name, n.Pos),
		}
	},
	OpMean:   func(b *Graph, n, g *Node) []*Node { return []*Node{b.Spread(g, n.Args[0], n.Sets)} },
	OpSpread: func(b *Graph, n, g *Node) []*Node { return []*Node{b.MeanOver(g, n.Sets, g.Name, n.Pos)} },
	OpConcat: func(b *Graph, n, g *Node) []*Node {
		out := make([]*Node, len(n.Args))
		off := 0
		for i, a := range n.Args {
			out[i] = b.Slice(g, off, a.Size(), "d_"+a.Name)
			off += a.Size()
		}
		return out
	},
	OpSlice: func(b *Graph, n, g *Node) []*Node {
		x := n.Args[0]
		var parts []*Node
		if n.Off > 0 {
			parts = append(parts, b.zeros(n.Off, g.Batched))
		}
		parts = append(parts, g)
		if rest := x.Size() - n.Off - n.Size(); rest > 0 {
			parts = append(parts, b.zeros(rest, g.Batched))
		}
		return []*Node{b.must(OpConcat, g.Name, n.Pos, parts...)}
	},
	OpConstVec: leafRule,
}

func leafRule(b *Graph, n, g *Node) []*Node { return nil }

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

// zeros is a zero vector of k elements; batched zeros broadcast from an unbatched constant.
func (b *Graph) zeros(k int, batched bool) *Node {
	z := b.ConstVec(make([]float64, k))
	if batched {
		return b.must(OpBroadcast, "zeros", z.Pos, z)
	}
	return z
}

func zeroRule(b *Graph, n, g *Node) []*Node { return []*Node{nil} }

// unbroadcast sums the adjoint g back to the shape of x where x was repeated.
func unbroadcast(b *Graph, g, x *Node) *Node {
	if g == nil {
		return nil
	}
	if g.Batched && !x.Batched {
		if len(x.Shape) == 0 && len(g.Shape) > 0 {
			// Only constants are scalars beside batched tensors so far, and they need
			// no adjoint; a trainable scalar would need a full reduction here.
			return nil
		}
		return b.SumBatchTo(g, x.Shape, g.Name)
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
		for k, ga := range Rules[n.Op](g, n, gn) {
			a := n.Args[k]
			if ga == nil || !depends[a.ID] {
				continue
			}
			adj[a] = g.addN(adj[a], ga)
		}
	}
	out := make([]*Node, len(wrt))
	for i, w := range wrt {
		if adj[w] == nil {
			out[i] = g.Const(0)
			continue
		}
		out[i] = adj[w]
	}
	return out
}
