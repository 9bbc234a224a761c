package ir

import (
	"fmt"
	"math"
)

// Op is a primitive operation. Its meaning is its row in Ops.
type Op int

// The primitives. Layers and losses are lowered to these.
const (
	OpInput     Op = iota // a named input column block, batched
	OpTarget              // a named known output, batched
	OpParam               // a trainable parameter, unbatched
	OpConst               // a scalar constant
	OpDropMask            // dropout mask: 0 with probability Rate, else 1/(1-Rate); batched
	OpAdd                 // x + y, broadcasting scalars and unbatched operands
	OpSub                 // x - y
	OpMul                 // x * y
	OpDiv                 // x / y
	OpNeg                 // -x
	OpTanh                // tanh x
	OpSigmoid             // 1 / (1 + exp(-x))
	OpRelu                // max(x, 0)
	OpStep                // 1 if x > 0 else 0: the derivative of relu
	OpSoftplus            // log(1 + exp(x)), computed without overflow
	OpExp                 // exp x
	OpLog                 // log x
	OpSin                 // sin x
	OpCos                 // cos x
	OpAbs                 // |x|
	OpSign                // -1, 0 or 1: the derivative of |x|
	OpClip                // min(max(x, Lo), Hi)
	OpInRange             // 1 if Lo < x < Hi else 0: the derivative of clip
	OpMatVec              // W·x: W [o,i] unbatched, x [i] batched, result [o] batched
	OpMatTVec             // Wᵀ·g: W [o,i], g [o] batched, result [i] batched
	OpOuter               // Σ_batch g ⊗ x: g [o], x [i] batched, result [o,i] unbatched
	OpSumBatch            // Σ_batch x: x batched, result unbatched of the same shape
	OpBroadcast           // x unbatched repeated over the batch
	OpMean                // mean of x over the rows of point sets Sets (all rows if 0) and all its elements: a scalar
	OpSpread              // s/(rows·size) at every element of the rows of Sets: the adjoint of mean
	OpConcat              // the arguments' elements one after another (scalars count as [1])
	OpSlice               // elements Off … Off+Shape[0]-1 of a vector: the adjoint of concat
	OpConstVec            // a constant vector Vec, unbatched
	OpPad                 // x [L, C] with PadL zero rows before and PadR after: [L+PadL+PadR, C]
	OpCrop                // rows PadL … of x [L', C]: the adjoint of pad
	OpConv1D              // W [Cout, K·Cin] over x [L, Cin] (already padded), stride Stride: [Lout, Cout]
	OpConv1DT             // the transpose of conv1d: W [Cout, K·Cin], g [Lout, Cout] to [L, Cin]
	OpConv1DW             // the kernel gradient: Σ over the batch and positions of g [Lout, Cout] ⊗ x windows: [Cout, K·Cin]
	OpSilu                // x·σ(x), the sigmoid-weighted linear unit (swish)

	// Per-sample ops (sample.go): over the values of one sample, never across samples.
	OpRowSum      // Σ of the values of each sample: [1]
	OpRowMax      // the largest value of each sample: [1]
	OpArgmaxMask  // 1 at the first largest value of each sample, 0 elsewhere: the derivative of rowmax
	OpRepeat      // a value of one element per sample repeated to Shape: the adjoint of rowsum
	OpSoftmax     // exp(x)/Σ exp(x) over the values of each sample, computed from x − max x
	OpLogSumExp   // log Σ exp(x) over the values of each sample, computed from x − max x: [1]
	OpOneHot      // a class label [1] as Shape[0] indicators: 1 where the index equals the label
	OpReshape     // the same values of each sample with another shape (flatten)
	OpPoolSum     // Σ over windows of Off steps, Stride apart, of x [L, C]: [Lout, C]
	OpPoolSumT    // the transpose of poolsum: each window's value added to its steps, [PadL, C]
	OpPoolSelect  // v [L, C] where each window of x [L, C] is largest: maxpool is poolselect(x, x)
	OpPoolScatter // a [Lout, C] added where each window of x is largest, [L, C]: the transpose of poolselect
	numOps
)

// Kind groups ops by how they are computed.
type Kind int

const (
	Leaf        Kind = iota // no arguments; filled from outside
	Elementwise             // one output element from the same element of each argument
	Linear                  // a contraction: matrix-vector or outer product
	Reduction               // sums over the batch or over all elements
	Shape                   // moves elements: concatenation and slicing
	Sample                  // over the values of one sample: softmax, sums and maxima, pooling windows
)

// OpInfo is everything the compiler knows about an op but how Go code computes it (that is
// codegen's emitter table, keyed on the op).
type OpInfo struct {
	Name  string // in dumps and generated comments
	Kind  Kind
	Arity int // -1: any number of arguments

	// Func is the op's name in the language, for an elementwise function of one argument:
	// tanh(x) in a loss, and, if Activation, `dense 20, tanh`. Empty: not written directly.
	Func       string
	Activation bool

	// Eval is the float64 meaning of an elementwise op on one element of each argument
	// (n gives Lo and Hi to clip): the reference the interpreter and generated code follow.
	Eval func(n *Node, v []float64) float64

	// Local is seed·∂n/∂(argument i) as IR, nil where that is zero: an elementwise op's one
	// derivative, from which both modes follow. Reverse mode passes the adjoint of n as the
	// seed (then sums over what was broadcast); forward mode passes the argument's tangent
	// and adds the terms.
	Local func(g *Graph, n *Node, i int, seed *Node) *Node

	// Reverse is the reverse-mode rule of an op that is not elementwise: the adjoints of
	// its arguments given the adjoint a of n (nil for an argument that gets none).
	Reverse func(g *Graph, n, a *Node) []*Node
	// Forward is the forward-mode rule of an op that is not elementwise (or that wants
	// another grouping than the sum of Local terms): n's tangent from its arguments'
	// tangents d (nil meaning zero). Ops without either rule (the transposes and reductions
	// that only gradients use) have no input derivative.
	Forward func(g *Graph, n *Node, d []*Node) *Node
}

// Ops is the table of primitives, one row each. ir/ops_test.go checks every row's
// derivatives against finite differences; codegen's tests generate and run a model per
// op. It is filled in init because its rules build graph nodes, which read it.
var Ops [numOps]OpInfo

func init() {
	Ops = opTable()
	activations = Activations()
	activations["linear"] = -1
	unaryFuncs = Funcs()
}

func opTable() [numOps]OpInfo {
	unary := func(f func(x float64) float64) func(*Node, []float64) float64 {
		return func(_ *Node, v []float64) float64 { return f(v[0]) }
	}
	// times is the Local of an op whose derivative is the value d(g, n): seed·d.
	times := func(d func(g *Graph, n *Node) *Node) func(*Graph, *Node, int, *Node) *Node {
		return func(g *Graph, n *Node, _ int, seed *Node) *Node { return g.mul(seed, d(g, n)) }
	}
	zero := func(*Graph, *Node, int, *Node) *Node { return nil }
	leaf := OpInfo{Kind: Leaf, Reverse: func(*Graph, *Node, *Node) []*Node { return nil }}
	row := func(info OpInfo, name string) OpInfo { info.Name = name; return info }
	t := [numOps]OpInfo{
		OpInput:    row(leaf, "input"),
		OpTarget:   row(leaf, "target"),
		OpParam:    row(leaf, "param"),
		OpConst:    row(leaf, "const"),
		OpDropMask: row(leaf, "dropmask"),
		OpConstVec: row(leaf, "constvec"),

		OpAdd: {Name: "add", Kind: Elementwise, Arity: 2,
			Eval:  func(_ *Node, v []float64) float64 { return v[0] + v[1] },
			Local: func(g *Graph, n *Node, i int, seed *Node) *Node { return seed }},
		OpSub: {Name: "sub", Kind: Elementwise, Arity: 2,
			Eval: func(_ *Node, v []float64) float64 { return v[0] - v[1] },
			Local: func(g *Graph, n *Node, i int, seed *Node) *Node {
				if i == 1 {
					return g.neg(seed)
				}
				return seed
			}},
		OpMul: {Name: "mul", Kind: Elementwise, Arity: 2,
			Eval: func(_ *Node, v []float64) float64 { return v[0] * v[1] },
			Local: func(g *Graph, n *Node, i int, seed *Node) *Node { // ∂(xy)/∂x = y
				return g.mul(seed, n.Args[1-i])
			}},
		OpDiv: {Name: "div", Kind: Elementwise, Arity: 2,
			Eval: func(_ *Node, v []float64) float64 { return v[0] / v[1] },
			Local: func(g *Graph, n *Node, i int, seed *Node) *Node { // 1/y and -(x/y)/y
				s := g.div(seed, n.Args[1])
				if i == 1 {
					return g.neg(g.mul(s, n))
				}
				return s
			},
			// (dx - (x/y)·dy)/y: one division instead of two.
			Forward: func(g *Graph, n *Node, d []*Node) *Node {
				var num *Node
				if d[1] != nil {
					num = g.mul(n, d[1])
				}
				return g.div(tangentSum(g, d[0], num, true), n.Args[1])
			}},
		OpNeg: {Name: "neg", Kind: Elementwise, Arity: 1,
			Eval:  unary(func(x float64) float64 { return -x }),
			Local: func(g *Graph, n *Node, i int, seed *Node) *Node { return g.neg(seed) }},

		OpTanh: {Name: "tanh", Kind: Elementwise, Arity: 1, Func: "tanh", Activation: true,
			Eval:  unary(math.Tanh),
			Local: times(func(g *Graph, n *Node) *Node { return g.slope(n) })}, // 1 - tanh²
		OpSigmoid: {Name: "sigmoid", Kind: Elementwise, Arity: 1, Func: "sigmoid", Activation: true,
			Eval:  unary(func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }),
			Local: times(func(g *Graph, n *Node) *Node { return g.slope(n) })}, // σ(1 - σ)
		OpRelu: {Name: "relu", Kind: Elementwise, Arity: 1, Func: "relu", Activation: true,
			Eval:  unary(func(x float64) float64 { return math.Max(x, 0) }),
			Local: func(g *Graph, n *Node, _ int, seed *Node) *Node { return g.reluAdjoint(n, seed) }},
		OpSoftplus: {Name: "softplus", Kind: Elementwise, Arity: 1, Func: "softplus", Activation: true,
			Eval:  unary(func(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }),
			Local: times(func(g *Graph, n *Node) *Node { return g.unary(OpSigmoid, n.Args[0]) })},
		OpSin: {Name: "sin", Kind: Elementwise, Arity: 1, Func: "sin", Activation: true,
			Eval:  unary(math.Sin),
			Local: times(func(g *Graph, n *Node) *Node { return g.unary(OpCos, n.Args[0]) })},
		OpCos: {Name: "cos", Kind: Elementwise, Arity: 1, Func: "cos",
			Eval: unary(math.Cos),
			Local: func(g *Graph, n *Node, _ int, seed *Node) *Node {
				return g.neg(g.mul(seed, g.unary(OpSin, n.Args[0])))
			}},
		OpExp: {Name: "exp", Kind: Elementwise, Arity: 1, Func: "exp",
			Eval:  unary(math.Exp),
			Local: times(func(g *Graph, n *Node) *Node { return n })},
		OpLog: {Name: "log", Kind: Elementwise, Arity: 1, Func: "log",
			Eval:  unary(math.Log),
			Local: func(g *Graph, n *Node, _ int, seed *Node) *Node { return g.div(seed, n.Args[0]) }},
		OpAbs: {Name: "abs", Kind: Elementwise, Arity: 1, Func: "abs",
			Eval:  unary(math.Abs),
			Local: times(func(g *Graph, n *Node) *Node { return g.unary(OpSign, n.Args[0]) })},
		OpSilu: {Name: "silu", Kind: Elementwise, Arity: 1, Func: "silu", Activation: true,
			Eval: unary(func(x float64) float64 { return x / (1 + math.Exp(-x)) }),
			Local: times(func(g *Graph, n *Node) *Node { // σ(x)·(1 + x·(1 − σ(x)))
				x := n.Args[0]
				s := g.unary(OpSigmoid, x)
				return g.mul(s, g.must(OpAdd, "", x.Pos, g.Const(1), g.mul(x, g.sub(g.Const(1), s))))
			})},
		OpClip: {Name: "clip", Kind: Elementwise, Arity: 1,
			Eval: func(n *Node, v []float64) float64 { return math.Min(math.Max(v[0], n.Lo), n.Hi) },
			Local: times(func(g *Graph, n *Node) *Node {
				x := n.Args[0]
				return g.ClipNode(OpInRange, x, n.Lo, n.Hi, x.Name+"_inrange", n.Pos)
			})},

		// Piecewise constant: the derivatives above, whose own derivative is zero.
		OpStep: {Name: "step", Kind: Elementwise, Arity: 1, Local: zero,
			Eval: unary(func(x float64) float64 {
				if x > 0 {
					return 1
				}
				return 0
			})},
		OpSign: {Name: "sign", Kind: Elementwise, Arity: 1, Local: zero,
			Eval: unary(func(x float64) float64 {
				switch {
				case x > 0:
					return 1
				case x < 0:
					return -1
				}
				return 0
			})},
		OpInRange: {Name: "inrange", Kind: Elementwise, Arity: 1, Local: zero,
			Eval: func(n *Node, v []float64) float64 {
				if n.Lo < v[0] && v[0] < n.Hi {
					return 1
				}
				return 0
			}},

		OpMatVec: {Name: "matvec", Kind: Linear, Arity: 2,
			Reverse: func(g *Graph, n, a *Node) []*Node { // y = W·x
				w, x := n.Args[0], n.Args[1]
				return []*Node{g.must(OpOuter, "d_"+w.Name, n.Pos, a, x), g.must(OpMatTVec, "d_"+x.Name, n.Pos, w, a)}
			},
			Forward: func(g *Graph, n *Node, d []*Node) *Node { return bilinear(g, n, d, OpMatVec) }},
		OpMatTVec: {Name: "mattvec", Kind: Linear, Arity: 2,
			Reverse: func(g *Graph, n, a *Node) []*Node { // y = Wᵀ·v
				w, v := n.Args[0], n.Args[1]
				return []*Node{g.must(OpOuter, "d_"+w.Name, n.Pos, v, a), g.must(OpMatVec, "d_"+v.Name, n.Pos, w, a)}
			},
			Forward: func(g *Graph, n *Node, d []*Node) *Node { return bilinear(g, n, d, OpMatTVec) }},
		OpOuter: {Name: "outer", Kind: Linear, Arity: 2,
			Reverse: func(g *Graph, n, a *Node) []*Node { // y = Σ_batch u ⊗ v
				u, v := n.Args[0], n.Args[1]
				return []*Node{g.must(OpMatVec, "d_"+u.Name, n.Pos, a, v), g.must(OpMatTVec, "d_"+v.Name, n.Pos, a, u)}
			}},
		OpConv1D: {Name: "conv1d", Kind: Linear, Arity: 2,
			Reverse: func(g *Graph, n, a *Node) []*Node { // y = conv(W, x)
				w, x := n.Args[0], n.Args[1]
				return []*Node{
					g.Conv(OpConv1DW, a, x, n.Off, n.Stride, n.PadL, "d_"+w.Name, n.Pos),
					g.Conv(OpConv1DT, w, a, n.Off, n.Stride, n.PadL, "d_"+x.Name, n.Pos),
				}
			},
			Forward: func(g *Graph, n *Node, d []*Node) *Node { // linear in each: conv(W, dx) + conv(dW, x)
				var p, q *Node
				if d[1] != nil {
					p = g.Conv(OpConv1D, n.Args[0], d[1], n.Off, n.Stride, n.PadL, "", n.Pos)
				}
				if d[0] != nil {
					q = g.Conv(OpConv1D, d[0], n.Args[1], n.Off, n.Stride, n.PadL, "", n.Pos)
				}
				return tangentSum(g, p, q, false)
			}},
		OpConv1DT: {Name: "conv1dT", Kind: Linear, Arity: 2,
			Reverse: func(g *Graph, n, h *Node) []*Node { // y = convᵀ(W, a): linear in each
				w, a := n.Args[0], n.Args[1]
				return []*Node{
					g.Conv(OpConv1DW, a, h, n.Off, n.Stride, n.PadL, "d_"+w.Name, n.Pos),
					g.Conv(OpConv1D, w, h, n.Off, n.Stride, n.PadL, "d_"+a.Name, n.Pos),
				}
			}},
		OpConv1DW: {Name: "conv1dW", Kind: Linear, Arity: 2,
			Reverse: func(g *Graph, n, h *Node) []*Node { // y = Σ a ⊗ windows of x
				a, x := n.Args[0], n.Args[1]
				return []*Node{
					g.Conv(OpConv1D, h, x, n.Off, n.Stride, n.PadL, "d_"+a.Name, n.Pos),
					g.Conv(OpConv1DT, h, a, n.Off, n.Stride, n.PadL, "d_"+x.Name, n.Pos),
				}
			}},

		OpSumBatch: {Name: "sumbatch", Kind: Reduction, Arity: 1,
			Reverse: func(g *Graph, n, a *Node) []*Node { return []*Node{g.BroadcastTo(a, n.Args[0].Shape, a.Name)} }},
		OpBroadcast: {Name: "broadcast", Kind: Reduction, Arity: 1,
			Reverse: func(g *Graph, n, a *Node) []*Node { return []*Node{g.SumBatchTo(a, n.Args[0].Shape, a.Name)} },
			// An unbatched value does not depend on a sample's inputs.
			Forward: func(*Graph, *Node, []*Node) *Node { return nil }},
		OpMean: {Name: "mean", Kind: Reduction, Arity: 1,
			Reverse: func(g *Graph, n, a *Node) []*Node {
				s := g.Spread(a, n.Args[0], n.Sets)
				if s.Pos.Line == 0 {
					s.Pos = n.Pos // the mean it is the adjoint of
				}
				return []*Node{s}
			}},
		OpSpread: {Name: "spread", Kind: Reduction, Arity: 1,
			Reverse: func(g *Graph, n, a *Node) []*Node { return []*Node{g.MeanOver(a, n.Sets, a.Name, n.Pos)} }},

		OpConcat: {Name: "concat", Kind: Shape, Arity: -1,
			Reverse: func(g *Graph, n, a *Node) []*Node {
				out := make([]*Node, len(n.Args))
				off := 0
				for i, x := range n.Args {
					out[i] = g.Slice(a, off, x.Size(), "d_"+x.Name)
					off += x.Size()
				}
				return out
			},
			Forward: func(g *Graph, n *Node, d []*Node) *Node {
				parts := make([]*Node, len(d))
				for i, di := range d {
					if di == nil {
						di = g.zeros(n.Args[i].Size(), false)
					}
					parts[i] = di
				}
				return g.must(OpConcat, "", n.Pos, parts...)
			}},
		OpSlice: {Name: "slice", Kind: Shape, Arity: 1,
			Reverse: func(g *Graph, n, a *Node) []*Node {
				x := n.Args[0]
				var parts []*Node
				if n.Off > 0 {
					parts = append(parts, g.zeros(n.Off, a.Batched))
				}
				parts = append(parts, a)
				if rest := x.Size() - n.Off - n.Size(); rest > 0 {
					parts = append(parts, g.zeros(rest, a.Batched))
				}
				return []*Node{g.must(OpConcat, a.Name, n.Pos, parts...)}
			},
			Forward: func(g *Graph, n *Node, d []*Node) *Node { return g.Slice(d[0], n.Off, n.Size(), "") }},
		OpPad: {Name: "pad", Kind: Shape, Arity: 1,
			Reverse: func(g *Graph, n, a *Node) []*Node {
				return []*Node{g.Crop(a, n.PadL, n.Args[0].Shape[0], "d_"+n.Args[0].Name)}
			},
			Forward: func(g *Graph, n *Node, d []*Node) *Node { return g.Pad(d[0], n.PadL, n.PadR, "") }},
		OpCrop: {Name: "crop", Kind: Shape, Arity: 1,
			Reverse: func(g *Graph, n, a *Node) []*Node { return []*Node{g.Pad(a, n.PadL, n.PadR, "d_"+n.Args[0].Name)} },
			Forward: func(g *Graph, n *Node, d []*Node) *Node { return g.Crop(d[0], n.PadL, n.Shape[0], "") }},
	}
	sampleOps(&t)
	return t
}

// bilinear is the tangent of a product linear in each argument: op(a, db) + op(da, b).
func bilinear(g *Graph, n *Node, d []*Node, op Op) *Node {
	var p, q *Node
	if d[1] != nil && d[1].Op == OpConst && len(n.Args[1].Shape) == 1 {
		// The tangent of the model's one scalar input x with respect to itself is the
		// number 1; as the vector it multiplies, it is [1].
		d[1] = g.ConstVec([]float64{d[1].Value})
	}
	if d[1] != nil {
		p = g.must(op, "", n.Pos, n.Args[0], d[1])
	}
	if d[0] != nil {
		q = g.must(op, "", n.Pos, d[0], n.Args[1])
	}
	return tangentSum(g, p, q, false)
}

func (op Op) String() string {
	if op >= 0 && op < numOps {
		return Ops[op].Name
	}
	return fmt.Sprintf("op%d", int(op))
}

// NumOps is the number of primitives, for tests that walk the table.
const NumOps = int(numOps)

// Eval computes an elementwise op on scalars, in float64: the reference semantics the
// generated code must match. Clip and inrange need their bounds: use Ops[op].Eval.
func Eval(op Op, v ...float64) (float64, bool) {
	if op < 0 || op >= numOps || Ops[op].Eval == nil || op == OpClip || op == OpInRange {
		return 0, false
	}
	return Ops[op].Eval(nil, v), true
}

// Activations are the ops a layer may name as its activation, by their name in the language.
func Activations() map[string]Op {
	m := map[string]Op{}
	for op, info := range Ops {
		if info.Activation {
			m[info.Func] = Op(op)
		}
	}
	return m
}

// Funcs are the elementwise functions the loss may call, by their name in the language.
func Funcs() map[string]Op {
	m := map[string]Op{}
	for op, info := range Ops {
		if info.Func != "" {
			m[info.Func] = Op(op)
		}
	}
	return m
}
