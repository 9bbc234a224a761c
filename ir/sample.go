package ir

import (
	"fmt"
	"math"

	"github.com/mlc-go/mlc/dsl"
)

// Per-sample ops: values computed over the values of one sample — softmax and its
// log-sum-exp, sums and maxima of a sample's values, class labels as indicators, flatten —
// and over windows of a series' steps (pooling). None mixes samples, so a batch split
// between workers computes them exactly, and each has its derivatives as graph rewrites
// built from these same ops.

func sampleOps(t *[numOps]OpInfo) {
	none := func(*Graph, *Node, *Node) []*Node { return []*Node{nil} }
	t[OpRowSum] = OpInfo{Name: "rowsum", Kind: Sample, Arity: 1, Func: "sum",
		Reverse: func(g *Graph, n, a *Node) []*Node { return []*Node{g.Repeat(a, n.Args[0].Shape, "d_"+n.Args[0].Name)} },
		Forward: func(g *Graph, n *Node, d []*Node) *Node { return g.RowSum(g.fill(d[0], n.Args[0].Shape), "") }}
	t[OpRowMax] = OpInfo{Name: "rowmax", Kind: Sample, Arity: 1, Func: "max",
		// The derivative of the largest value is 1 at the (first) largest, 0 elsewhere.
		Reverse: func(g *Graph, n, a *Node) []*Node {
			x := n.Args[0]
			return []*Node{g.must(OpMul, "d_"+x.Name, n.Pos, a, g.ArgmaxMask(x, x.Name+"_argmax"))}
		},
		Forward: func(g *Graph, n *Node, d []*Node) *Node {
			x := n.Args[0]
			return g.RowSum(g.must(OpMul, "", n.Pos, g.ArgmaxMask(x, x.Name+"_argmax"), g.fill(d[0], x.Shape)), "")
		}}
	t[OpArgmaxMask] = OpInfo{Name: "argmaxmask", Kind: Sample, Arity: 1, Reverse: none,
		Forward: func(*Graph, *Node, []*Node) *Node { return nil }} // piecewise constant
	t[OpRepeat] = OpInfo{Name: "repeat", Kind: Sample, Arity: 1,
		Reverse: func(g *Graph, n, a *Node) []*Node { return []*Node{g.RowSum(a, a.Name)} },
		Forward: func(g *Graph, n *Node, d []*Node) *Node { return g.Repeat(g.fill(d[0], n.Args[0].Shape), n.Shape, "") }}
	t[OpSoftmax] = OpInfo{Name: "softmax", Kind: Sample, Arity: 1, Func: "softmax", Activation: true,
		// p = softmax(x): ∂L/∂x = p·(a − Σ a·p), and dp = p·(dx − Σ p·dx).
		Reverse: func(g *Graph, p, a *Node) []*Node {
			x := p.Args[0]
			s := g.RowSum(g.must(OpMul, "", p.Pos, a, p), "")
			return []*Node{g.must(OpMul, "d_"+x.Name, p.Pos, p, g.must(OpSub, "", p.Pos, a, s))}
		},
		Forward: func(g *Graph, p *Node, d []*Node) *Node {
			dx := g.fill(d[0], p.Args[0].Shape)
			s := g.RowSum(g.must(OpMul, "", p.Pos, p, dx), "")
			return g.must(OpMul, "", p.Pos, p, g.must(OpSub, "", p.Pos, dx, s))
		}}
	t[OpLogSumExp] = OpInfo{Name: "logsumexp", Kind: Sample, Arity: 1, Func: "logsumexp",
		// ∂ log Σ exp(x) / ∂x = softmax(x).
		Reverse: func(g *Graph, n, a *Node) []*Node {
			x := n.Args[0]
			return []*Node{g.must(OpMul, "d_"+x.Name, n.Pos, a, g.Softmax(x, x.Name+"_softmax"))}
		},
		Forward: func(g *Graph, n *Node, d []*Node) *Node {
			x := n.Args[0]
			return g.RowSum(g.must(OpMul, "", n.Pos, g.Softmax(x, x.Name+"_softmax"), g.fill(d[0], x.Shape)), "")
		}}
	t[OpOneHot] = OpInfo{Name: "onehot", Kind: Sample, Arity: 1, Reverse: none,
		Forward: func(*Graph, *Node, []*Node) *Node { return nil }} // labels are data
	t[OpReshape] = OpInfo{Name: "reshape", Kind: Sample, Arity: 1,
		Reverse: func(g *Graph, n, a *Node) []*Node { return []*Node{g.Reshape(a, n.Args[0].Shape, "d_"+n.Args[0].Name)} },
		Forward: func(g *Graph, n *Node, d []*Node) *Node { return g.Reshape(g.fill(d[0], n.Args[0].Shape), n.Shape, "") }}
	t[OpPoolSum] = OpInfo{Name: "poolsum", Kind: Sample, Arity: 1,
		Reverse: func(g *Graph, n, a *Node) []*Node {
			return []*Node{g.Pool(OpPoolSumT, nil, a, n.Off, n.Stride, n.PadL, "d_"+n.Args[0].Name, n.Pos)}
		},
		Forward: func(g *Graph, n *Node, d []*Node) *Node {
			return g.Pool(OpPoolSum, nil, g.fill(d[0], n.Args[0].Shape), n.Off, n.Stride, n.PadL, "", n.Pos)
		}}
	t[OpPoolSumT] = OpInfo{Name: "poolsumT", Kind: Sample, Arity: 1,
		Reverse: func(g *Graph, n, h *Node) []*Node {
			return []*Node{g.Pool(OpPoolSum, nil, h, n.Off, n.Stride, n.PadL, "d_"+n.Args[0].Name, n.Pos)}
		},
		Forward: func(g *Graph, n *Node, d []*Node) *Node {
			return g.Pool(OpPoolSumT, nil, g.fill(d[0], n.Args[0].Shape), n.Off, n.Stride, n.PadL, "", n.Pos)
		}}
	// poolselect(x, v) and poolscatter(x, a) are linear in their second argument; the
	// windows' largest values of x, which choose the places, move nothing when x moves a little.
	t[OpPoolSelect] = OpInfo{Name: "poolselect", Kind: Sample, Arity: 2,
		Reverse: func(g *Graph, n, a *Node) []*Node {
			x, v := n.Args[0], n.Args[1]
			return []*Node{nil, g.Pool(OpPoolScatter, x, a, n.Off, n.Stride, n.PadL, "d_"+v.Name, n.Pos)}
		},
		Forward: func(g *Graph, n *Node, d []*Node) *Node {
			if d[1] == nil {
				return nil
			}
			x, v := n.Args[0], n.Args[1]
			return g.Pool(OpPoolSelect, x, g.fill(d[1], v.Shape), n.Off, n.Stride, n.PadL, "", n.Pos)
		}}
	t[OpPoolScatter] = OpInfo{Name: "poolscatter", Kind: Sample, Arity: 2,
		Reverse: func(g *Graph, n, h *Node) []*Node {
			x, a := n.Args[0], n.Args[1]
			return []*Node{nil, g.Pool(OpPoolSelect, x, h, n.Off, n.Stride, n.PadL, "d_"+a.Name, n.Pos)}
		},
		Forward: func(g *Graph, n *Node, d []*Node) *Node {
			if d[1] == nil {
				return nil
			}
			x, a := n.Args[0], n.Args[1]
			return g.Pool(OpPoolScatter, x, g.fill(d[1], a.Shape), n.Off, n.Stride, n.PadL, "", n.Pos)
		}}
}

// perSampleOne reports whether a value holds one element per sample ([1], batched): such a
// value repeats over the elements of another value of the same sample in elementwise ops.
func perSampleOne(shape []int, batched bool) bool {
	return batched && len(shape) == 1 && shape[0] == 1
}

// sampleApply builds a per-sample op the language names (softmax, sum, max, logsumexp) over
// x, or says why x does not fit.
func (g *Graph) sampleApply(op Op, name string, pos dsl.Pos, x *Node) (*Node, error) {
	fn := Ops[op].Func
	if !x.Batched {
		return nil, &ShapeError{fmt.Sprintf("%s is taken over the values of each sample, but its argument is %s, the same for every sample", fn, constText(x))}
	}
	switch op {
	case OpSoftmax:
		if x.Size() == 1 {
			return nil, &ShapeError{"softmax of one value is always 1; one probability is 'dense 1, sigmoid' with binary_crossentropy"}
		}
		if len(x.Shape) > 1 {
			return nil, &ShapeError{fmt.Sprintf("softmax takes a vector; its argument is %s (flatten a series first)", shapeStr(x))}
		}
		return g.Softmax(x, name), nil
	case OpLogSumExp:
		return g.LogSumExp(x, name), nil
	case OpRowSum:
		return g.RowSum(x, name), nil
	case OpRowMax:
		return g.RowMax(x, name), nil
	}
	internalf("sampleApply of %s", op)
	return nil, nil
}

func constText(x *Node) string {
	if x.Op == OpConst {
		return fmt.Sprintf("the constant %v", x.Value)
	}
	return "a value of the parameters alone"
}

func (g *Graph) sample(op Op, x *Node, shape []int, name string) *Node {
	return g.sampleAt(op, x, shape, name, x.Pos)
}

// sampleAt is sample with the .ml position the node comes from.
func (g *Graph) sampleAt(op Op, x *Node, shape []int, name string, pos dsl.Pos) *Node {
	if !x.Batched {
		internalf("%s of an unbatched value", op)
	}
	if name == "" { // sum_p, max_p
		name = Ops[op].Func
		if name == "" {
			name = op.String()
		}
		if x.Name != "" && x.Name != "const" {
			name += "_" + x.Name
		}
	}
	return g.add(&Node{Op: op, Args: []*Node{x}, Shape: shape, Batched: true, Name: name, Pos: pos})
}

// RowSum is Σ of the values of each sample of x: one value per sample.
func (g *Graph) RowSum(x *Node, name string) *Node {
	if perSampleOne(x.Shape, x.Batched) {
		return x
	}
	return g.sample(OpRowSum, x, []int{1}, name)
}

// RowMax is the largest value of each sample of x.
func (g *Graph) RowMax(x *Node, name string) *Node {
	if perSampleOne(x.Shape, x.Batched) {
		return x
	}
	return g.sample(OpRowMax, x, []int{1}, name)
}

// ArgmaxMask is 1 at the first largest value of each sample of x and 0 elsewhere.
func (g *Graph) ArgmaxMask(x *Node, name string) *Node {
	return g.sample(OpArgmaxMask, x, x.Shape, name)
}

// Repeat repeats x, one value per sample, to shape.
func (g *Graph) Repeat(x *Node, shape []int, name string) *Node {
	if !perSampleOne(x.Shape, x.Batched) {
		internalf("repeat of %v", x)
	}
	if equalShape(shape, x.Shape) {
		return x
	}
	return g.sample(OpRepeat, x, shape, name)
}

// Softmax is exp(x)/Σ exp(x) over the values of each sample of x.
func (g *Graph) Softmax(x *Node, name string) *Node { return g.sample(OpSoftmax, x, x.Shape, name) }

// LogSumExp is log Σ exp(x) over the values of each sample of x: one value per sample.
func (g *Graph) LogSumExp(x *Node, name string) *Node {
	if perSampleOne(x.Shape, x.Batched) {
		return x
	}
	return g.sample(OpLogSumExp, x, []int{1}, name)
}

// OneHot turns the class labels y (one per sample, 0 … classes-1) into indicators: 1 at
// the label's index, 0 elsewhere (everywhere 0 for a label that is no index).
func (g *Graph) OneHot(y *Node, classes int, name string) *Node {
	if !perSampleOne(y.Shape, y.Batched) {
		internalf("onehot of %v", y)
	}
	return g.sample(OpOneHot, y, []int{classes}, name)
}

// Reshape gives each sample of x another shape of as many values, in the same order.
func (g *Graph) Reshape(x *Node, shape []int, name string) *Node {
	return g.ReshapeAt(x, shape, name, x.Pos)
}

// ReshapeAt is Reshape written at pos (a flatten statement).
func (g *Graph) ReshapeAt(x *Node, shape []int, name string, pos dsl.Pos) *Node {
	if size(shape) != x.Size() {
		internalf("reshape of %v to %v", x.Shape, shape)
	}
	if equalShape(shape, x.Shape) {
		return x
	}
	if x.Op == OpReshape {
		x = x.Args[0]
		if equalShape(shape, x.Shape) {
			return x
		}
	}
	return g.sampleAt(OpReshape, x, shape, name, pos)
}

// Pool builds the pooling ops over windows of pool steps, stride apart, of a series of
// steps steps: poolsum(v) [Lout, C] and its transpose poolsumT(v) [steps, C] (sel nil), or
// poolselect(sel, v), v where each window of sel is largest, and its transpose
// poolscatter(sel, v) [steps, C].
func (g *Graph) Pool(op Op, sel, v *Node, pool, stride, steps int, name string, pos dsl.Pos) *Node {
	n := &Node{Op: op, Args: []*Node{v}, Off: pool, Stride: stride, PadL: steps, Batched: true, Name: name, Pos: pos}
	if sel != nil {
		n.Args = []*Node{sel, v}
	}
	c := v.Shape[1]
	switch op {
	case OpPoolSum, OpPoolSelect:
		n.Shape = []int{(steps-pool)/stride + 1, c}
	case OpPoolSumT, OpPoolScatter:
		n.Shape = []int{steps, c}
	default:
		internalf("Pool of %s", op)
	}
	if !v.Batched {
		internalf("%s of an unbatched value", op)
	}
	return g.add(n)
}

// fill is the tangent d of a value shaped like shape as a batched value of that shape: d
// itself, a value of one element per sample repeated, or an unbatched value (a constant,
// the ones of an input's own direction) broadcast over the batch.
func (g *Graph) fill(d *Node, shape []int) *Node {
	switch {
	case d.Batched && equalShape(d.Shape, shape):
		return d
	case perSampleOne(d.Shape, d.Batched):
		return g.Repeat(d, shape, d.Name)
	case d.Batched:
		internalf("tangent of shape %v for a value of shape %v", d.Shape, shape)
	}
	if d.Op == OpConst {
		vec := make([]float64, shape[len(shape)-1])
		for i := range vec {
			vec[i] = d.Value
		}
		d = g.ConstVec(vec)
	}
	return g.BroadcastTo(d, shape, "")
}

// evalSample interprets the per-sample ops on n samples: the reference generated code
// follows. at reads element f of sample b of an argument.
func evalSample(x *Node, n int, at func(a *Node, f, b int) float64, out []float64) {
	a := x.Args[len(x.Args)-1] // the values (poolselect's and poolscatter's second argument)
	size := a.Size()
	for b := 0; b < n; b++ {
		switch x.Op {
		case OpRowSum:
			s := 0.0
			for f := 0; f < size; f++ {
				s += at(a, f, b)
			}
			out[b] = s
		case OpRowMax, OpArgmaxMask:
			best := 0
			for f := 1; f < size; f++ {
				if at(a, f, b) > at(a, best, b) {
					best = f
				}
			}
			if x.Op == OpRowMax {
				out[b] = at(a, best, b)
			} else {
				out[best*n+b] = 1
			}
		case OpRepeat:
			for f := 0; f < x.Size(); f++ {
				out[f*n+b] = at(a, 0, b)
			}
		case OpReshape:
			for f := 0; f < size; f++ {
				out[f*n+b] = at(a, f, b)
			}
		case OpSoftmax, OpLogSumExp:
			m := at(a, 0, b)
			for f := 1; f < size; f++ {
				m = max(m, at(a, f, b))
			}
			s := 0.0
			for f := 0; f < size; f++ {
				s += math.Exp(at(a, f, b) - m)
			}
			if x.Op == OpLogSumExp {
				out[b] = m + math.Log(s)
				continue
			}
			for f := 0; f < size; f++ {
				out[f*n+b] = math.Exp(at(a, f, b)-m) / s
			}
		case OpOneHot:
			for f := 0; f < x.Size(); f++ {
				if float64(f) == at(a, 0, b) {
					out[f*n+b] = 1
				}
			}
		case OpPoolSum, OpPoolSumT, OpPoolSelect, OpPoolScatter:
			evalPool(x, n, b, at, out)
		default:
			internalf("evalSample of %s", x.Op)
		}
	}
}

// evalPool is one sample b of a pooling op.
func evalPool(x *Node, n, b int, at func(a *Node, f, b int) float64, out []float64) {
	pool, stride := x.Off, x.Stride
	v := x.Args[len(x.Args)-1]
	c := v.Shape[1]
	lout := (x.PadL-pool)/stride + 1
	for l := 0; l < lout; l++ {
		for ch := 0; ch < c; ch++ {
			win := func(k int) int { return (l*stride+k)*c + ch } // step k of the window, as an element
			here := l*c + ch                                      // the window, as an element of [Lout, C]
			switch x.Op {
			case OpPoolSum:
				s := 0.0
				for k := 0; k < pool; k++ {
					s += at(v, win(k), b)
				}
				out[here*n+b] = s
			case OpPoolSumT:
				for k := 0; k < pool; k++ {
					out[win(k)*n+b] += at(v, here, b)
				}
			default: // poolselect, poolscatter: at the window's first largest value of x
				sel := x.Args[0]
				best := 0
				for k := 1; k < pool; k++ {
					if at(sel, win(k), b) > at(sel, win(best), b) {
						best = k
					}
				}
				if x.Op == OpPoolSelect {
					out[here*n+b] = at(v, win(best), b)
				} else {
					out[win(best)*n+b] += at(v, here, b)
				}
			}
		}
	}
}
