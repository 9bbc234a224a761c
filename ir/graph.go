// Package ir is mlc's intermediate representation: a graph of primitive operations on
// tensors with static shapes, built from the syntax tree by Lower and differentiated by
// Differentiate. Every derivative is itself a graph of the same primitives, so a
// derivative can be differentiated again.
//
// Values are per-sample tensors; a batched value has one such tensor per sample of the
// batch (generated code stores it batch-major: features × batch). Parameters, constants
// and reductions over the batch are unbatched.
package ir

import (
	"fmt"
	"math"
	"strings"

	"github.com/mlc-go/mlc/dsl"
)

// Node is one value of the graph.
type Node struct {
	ID      int
	Op      Op
	Args    []*Node
	Shape   []int // per-sample dimensions; empty for a scalar
	Batched bool
	Value   float64   // OpConst
	Lo, Hi  float64   // OpClip, OpInRange
	Rate    float64   // OpDropMask
	Sets    uint64    // OpMean, OpSpread: bit i selects point set i; 0 means every row
	Off     int       // OpSlice: the first element; OpConv*: the kernel size
	PadL    int       // OpPad, OpCrop: rows before; OpConv*: the length L of the (padded) input
	PadR    int       // OpPad: rows after
	Stride  int       // OpConv*
	Vec     []float64 // OpConstVec
	Param   *Param    // OpParam
	Name    string    // model-given or derived name, for generated identifiers
	// ConstName is, for an OpConst, the name of the .ml constant (or pi) it holds: generated
	// code writes the name, not the number. Constants folded from it have none.
	ConstName string
	Pos       dsl.Pos // the .ml place this value comes from
}

// Size is the number of elements per sample.
func (n *Node) Size() int { return size(n.Shape) }

func size(shape []int) int {
	s := 1
	for _, d := range shape {
		s *= d
	}
	return s
}

// IsConst reports whether n is the constant v.
func (n *Node) IsConst(v float64) bool { return n.Op == OpConst && n.Value == v }

func (n *Node) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%%%d = %s", n.ID, n.Op)
	switch n.Op {
	case OpConst:
		fmt.Fprintf(&b, " %v", n.Value)
	case OpInput, OpTarget, OpParam:
		fmt.Fprintf(&b, " %s", n.Name)
	case OpClip, OpInRange:
		fmt.Fprintf(&b, "[%v,%v]", n.Lo, n.Hi)
	case OpDropMask:
		fmt.Fprintf(&b, "[%v]", n.Rate)
	}
	for _, a := range n.Args {
		fmt.Fprintf(&b, " %%%d", a.ID)
	}
	fmt.Fprintf(&b, " : %v", n.Shape)
	if n.Batched {
		b.WriteString(" batched")
	}
	return b.String()
}

// Param is a trainable tensor. Its values live at Offset in the model's flat parameter
// vector.
type Param struct {
	Name   string // e.g. dense1_W
	Shape  []int
	Offset int
	// Init is "glorot_uniform", "zeros", "value" (every element InitValue), or for a
	// factorized dense kernel (Wang et al.'s random weight factorization, W = diag(e^s)·V)
	// "rwf_scale" (s, drawn from N(InitValue, 0.1²)) and "rwf_kernel" (V, a Glorot-uniform
	// W with each row divided by e^s of the parameter named Scale).
	Init string
	// InitValue is the starting value of a coefficient (Init "value"), as stored: the
	// logarithm of the coefficient for a positive one; the mean of an rwf_scale.
	InitValue float64
	Scale     string // rwf_kernel: the name of its rwf_scale parameter
	FanIn     int
	FanOut    int
	Layer     string // the layer it belongs to, e.g. dense1
	// L2 is the weight λ of the layer's l2 argument: the loss gains λ·Σ p² (for a kernel).
	L2  float64
	Pos dsl.Pos
}

// Size is the number of values of p.
func (p *Param) Size() int { return size(p.Shape) }

// Graph holds nodes in creation order, which is a topological order. Building a node goes
// through the graph so identical nodes are shared (common-subexpression elimination) and
// constant expressions are folded as they are made.
type Graph struct {
	Nodes []*Node
	memo  map[string]*Node
	seq   int // distinguishes dropout masks, which must never be shared
}

func NewGraph() *Graph { return &Graph{memo: map[string]*Node{}} }

func (g *Graph) key(n *Node) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d|%v|%v|%v|%v|%v|%v|%d|%d|%v|%d|%d|%d", n.Op, n.Shape, n.Batched, math.Float64bits(n.Value), n.Lo, n.Hi, n.Rate, n.Sets, n.Off, n.Vec, n.PadL, n.PadR, n.Stride)
	switch n.Op {
	case OpInput, OpTarget, OpParam:
		b.WriteString("|" + n.Name)
	case OpConst:
		b.WriteString("|" + n.ConstName)
	case OpDropMask:
		g.seq++
		fmt.Fprintf(&b, "|#%d", g.seq)
	}
	for _, a := range n.Args {
		fmt.Fprintf(&b, "|%d", a.ID)
	}
	return b.String()
}

// add interns n: an existing identical node is returned instead.
func (g *Graph) add(n *Node) *Node {
	k := g.key(n)
	if old, ok := g.memo[k]; ok {
		return old
	}
	n.ID = len(g.Nodes)
	g.Nodes = append(g.Nodes, n)
	g.memo[k] = n
	return n
}

func internalf(format string, args ...any) {
	panic(fmt.Sprintf("mlc: internal error: "+format, args...))
}

// Const returns the scalar constant v.
func (g *Graph) Const(v float64) *Node {
	return g.add(&Node{Op: OpConst, Value: v, Name: "const"})
}

// NamedConst returns the constant v that the model names name (const nu = …, or pi),
// declared at pos.
func (g *Graph) NamedConst(v float64, name string, pos dsl.Pos) *Node {
	return g.add(&Node{Op: OpConst, Value: v, Name: name, ConstName: name, Pos: pos})
}

// Leaf makes an input, target or parameter node.
func (g *Graph) Leaf(op Op, name string, shape []int, batched bool, pos dsl.Pos) *Node {
	return g.add(&Node{Op: op, Name: name, Shape: shape, Batched: batched, Pos: pos})
}

// ParamNode makes the node that reads parameter p.
func (g *Graph) ParamNode(p *Param) *Node {
	return g.add(&Node{Op: OpParam, Name: p.Name, Shape: p.Shape, Param: p, Pos: p.Pos})
}

// DropMask makes a fresh dropout mask shaped like x.
func (g *Graph) DropMask(x *Node, rate float64, name string, pos dsl.Pos) *Node {
	return g.add(&Node{Op: OpDropMask, Shape: x.Shape, Batched: true, Rate: rate, Name: name, Pos: pos})
}

// ShapeError is a shape mismatch found while building the graph; Lower turns it into a
// positioned error.
type ShapeError struct{ Msg string }

func (e *ShapeError) Error() string { return e.Msg }

func shapeStr(n *Node) string {
	if len(n.Shape) == 0 {
		return "a scalar"
	}
	s := strings.Trim(strings.ReplaceAll(fmt.Sprint(n.Shape), " ", ", "), "[]")
	return "[" + s + "]"
}

// elementwiseShape is the result shape of an elementwise op: operands agree, or one of
// them is a scalar, or an unbatched operand is repeated over the batch of a batched one, or
// a value of one element per sample ([1]: u of dense 1, sum(p)) is repeated over the
// elements of another value of the same sample, as numpy broadcasts (n, 1) with (n, K).
func elementwiseShape(args []*Node) ([]int, bool, error) {
	var shape []int
	batched := false
	shapeBatched := false // shape is that of a batched operand
	for _, a := range args {
		batched = batched || a.Batched
		if len(a.Shape) == 0 {
			continue
		}
		switch {
		case shape == nil:
			shape, shapeBatched = a.Shape, a.Batched
		case equalShape(shape, a.Shape):
			shapeBatched = shapeBatched || a.Batched
		case perSampleOne(a.Shape, a.Batched) && shapeBatched:
		case perSampleOne(shape, shapeBatched) && a.Batched:
			shape = a.Shape
		case !a.Batched && isSuffix(a.Shape, shape):
			// An unbatched operand matching the trailing dimensions repeats over the
			// leading ones: a bias [C] added to every position of [L, C].
		case isSuffix(shape, a.Shape) && !anyBatchedWithShape(args, shape):
			shape, shapeBatched = a.Shape, a.Batched
		default:
			return nil, false, &ShapeError{fmt.Sprintf("shapes %s and %s do not match", shapeStr(args[0]), shapeStr(args[1]))}
		}
	}
	return shape, batched, nil
}

// isSuffix reports whether short equals the trailing dimensions of long.
func isSuffix(short, long []int) bool {
	if len(short) > len(long) {
		return false
	}
	return equalShape(short, long[len(long)-len(short):])
}

func anyBatchedWithShape(args []*Node, shape []int) bool {
	for _, a := range args {
		if a.Batched && equalShape(a.Shape, shape) {
			return true
		}
	}
	return false
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Apply builds op over args, checking shapes; a mismatch is returned as a *ShapeError.
// name and pos label the result for generated code and messages.
func (g *Graph) Apply(op Op, name string, pos dsl.Pos, args ...*Node) (*Node, error) {
	info := Ops[op]
	if info.Arity >= 0 && len(args) != info.Arity {
		internalf("%s takes %d arguments, got %d", op, info.Arity, len(args))
	}
	if (op == OpAdd || op == OpMul) && args[0].ID > args[1].ID && args[0].Op != OpConst && args[1].Op != OpConst {
		// Commutative: one order for both, so x·y and y·x are one node. IEEE addition and
		// multiplication commute exactly, so this changes no result.
		args = []*Node{args[1], args[0]}
	}
	if op == OpAdd && args[0] == args[1] {
		// x + x is 2·x exactly; written so, sums of repeated adjoints shrink.
		op, args = OpMul, []*Node{g.Const(2), args[0]}
	}
	n := &Node{Op: op, Args: args, Name: name, Pos: pos}
	switch info.Kind {
	case Elementwise:
		shape, batched, err := elementwiseShape(args)
		if err != nil {
			return nil, err
		}
		n.Shape, n.Batched = shape, batched
		if folded := g.fold(n); folded != nil {
			if folded.Op == OpConst && folded.Pos.Line == 0 {
				folded.Pos = pos // where a folded constant first appears, for messages
			}
			return folded, nil
		}
	case Linear:
		a, b := args[0], args[1]
		switch op {
		case OpMatVec: // W [o,i] · x [i]
			if len(a.Shape) != 2 || a.Batched || len(b.Shape) != 1 || a.Shape[1] != b.Shape[0] {
				return nil, &ShapeError{fmt.Sprintf("cannot multiply %s by %s", shapeStr(a), shapeStr(b))}
			}
			n.Shape, n.Batched = []int{a.Shape[0]}, b.Batched
		case OpMatTVec: // Wᵀ [i,o] · g [o]
			if len(a.Shape) != 2 || a.Batched || len(b.Shape) != 1 || a.Shape[0] != b.Shape[0] {
				return nil, &ShapeError{fmt.Sprintf("cannot multiply the transpose of %s by %s", shapeStr(a), shapeStr(b))}
			}
			n.Shape, n.Batched = []int{a.Shape[1]}, b.Batched
		case OpOuter:
			if len(a.Shape) != 1 || len(b.Shape) != 1 || a.Batched != b.Batched {
				return nil, &ShapeError{fmt.Sprintf("outer product of %s and %s", shapeStr(a), shapeStr(b))}
			}
			n.Shape = []int{a.Shape[0], b.Shape[0]}
		}
	case Reduction:
		x := args[0]
		switch op {
		case OpSumBatch:
			if !x.Batched {
				internalf("sumbatch of an unbatched value")
			}
			n.Shape = x.Shape
		case OpBroadcast:
			if x.Batched {
				internalf("broadcast of a batched value")
			}
			n.Shape, n.Batched = x.Shape, true
		case OpMean, OpSpread:
			internalf("use Graph.MeanOver or Graph.Spread")
		}
	case Sample:
		if op == OpPoolSelect || len(args) != 1 || Ops[op].Func == "" {
			internalf("use the Graph method that builds %s", op)
		}
		return g.sampleApply(op, name, pos, args[0])
	case Shape:
		switch op {
		case OpConcat:
			total := 0
			for _, a := range args {
				if len(a.Shape) > 1 {
					return nil, &ShapeError{fmt.Sprintf("cannot concatenate %s", shapeStr(a))}
				}
				total += a.Size()
				n.Batched = n.Batched || a.Batched
			}
			n.Shape = []int{total}
			if folded := g.foldConcat(n); folded != nil {
				if folded.Pos.Line == 0 {
					folded.Pos = pos // where a folded constant vector first appears, for comments
				}
				return folded, nil
			}
		case OpSlice:
			internalf("use Graph.Slice")
		}
	default:
		internalf("Apply on leaf op %s", op)
	}
	return g.add(n), nil
}

// SumBatchTo sums x over the batch and over its leading dimensions down to shape (a
// suffix of x's shape): the adjoint of repeating an unbatched value.
func (g *Graph) SumBatchTo(x *Node, shape []int, name string) *Node {
	if !isSuffix(shape, x.Shape) {
		internalf("sumbatch of %v to %v", x.Shape, shape)
	}
	return g.add(&Node{Op: OpSumBatch, Args: []*Node{x}, Shape: shape, Name: name, Pos: x.Pos})
}

// BroadcastTo repeats the unbatched x over the batch and over leading dimensions up to shape.
func (g *Graph) BroadcastTo(x *Node, shape []int, name string) *Node {
	if !isSuffix(x.Shape, shape) {
		internalf("broadcast of %v to %v", x.Shape, shape)
	}
	return g.add(&Node{Op: OpBroadcast, Args: []*Node{x}, Shape: shape, Batched: true, Name: name, Pos: x.Pos})
}

// Pad adds padL zero rows before and padR after the first dimension of x [L, C].
func (g *Graph) Pad(x *Node, padL, padR int, name string) *Node {
	if padL == 0 && padR == 0 {
		return x
	}
	return g.add(&Node{Op: OpPad, Args: []*Node{x}, Shape: []int{x.Shape[0] + padL + padR, x.Shape[1]}, Batched: x.Batched, PadL: padL, PadR: padR, Name: name, Pos: x.Pos})
}

// Crop keeps rows padL … padL+rows-1 of the first dimension of x.
func (g *Graph) Crop(x *Node, padL, rows int, name string) *Node {
	if padL == 0 && rows == x.Shape[0] {
		return x
	}
	return g.add(&Node{Op: OpCrop, Args: []*Node{x}, Shape: []int{rows, x.Shape[1]}, Batched: x.Batched, PadL: padL, PadR: x.Shape[0] - padL - rows, Name: name, Pos: x.Pos})
}

// Conv builds the three convolution ops, of kernel size k and stride: conv1d(W, x),
// its transpose conv1dT(W, g) back to an input of length inLen, and the kernel gradient
// conv1dW(g, x). The input is already padded: every window lies inside it.
func (g *Graph) Conv(op Op, a, b *Node, k, stride, inLen int, name string, pos dsl.Pos) *Node {
	n := &Node{Op: op, Args: []*Node{a, b}, Stride: stride, Off: k, PadL: inLen, Name: name, Pos: pos, Batched: true}
	switch op {
	case OpConv1D: // W [Cout, K·Cin], x [L, Cin]
		n.Shape = []int{(inLen-k)/stride + 1, a.Shape[0]}
	case OpConv1DT: // W [Cout, K·Cin], g [Lout, Cout]
		n.Shape = []int{inLen, a.Shape[1] / k}
	case OpConv1DW: // g [Lout, Cout], x [L, Cin]
		n.Shape = []int{a.Shape[1], k * b.Shape[1]}
		n.Batched = false
	}
	return g.add(n)
}

// foldConcat turns a concatenation of constants into one constant vector.
func (g *Graph) foldConcat(n *Node) *Node {
	var vec []float64
	for _, a := range n.Args {
		switch a.Op {
		case OpConst:
			vec = append(vec, a.Value)
		case OpConstVec:
			vec = append(vec, a.Vec...)
		default:
			return nil
		}
	}
	return g.ConstVec(vec)
}

// ConstVec returns the constant vector v (unbatched).
func (g *Graph) ConstVec(v []float64) *Node {
	return g.add(&Node{Op: OpConstVec, Vec: v, Shape: []int{len(v)}, Name: "basis"})
}

// Slice returns elements off … off+size-1 of the vector x.
func (g *Graph) Slice(x *Node, off, size int, name string) *Node {
	if off == 0 && size == x.Size() {
		return x
	}
	if x.Op == OpConstVec {
		return g.ConstVec(x.Vec[off : off+size])
	}
	return g.add(&Node{Op: OpSlice, Args: []*Node{x}, Shape: []int{size}, Batched: x.Batched, Off: off, Name: name, Pos: x.Pos})
}

// MeanOver makes the mean of x over the rows of the point sets in mask (0: every row).
func (g *Graph) MeanOver(x *Node, sets uint64, name string, pos dsl.Pos) *Node {
	if !x.Batched {
		internalf("mean of an unbatched value")
	}
	return g.add(&Node{Op: OpMean, Args: []*Node{x}, Sets: sets, Name: name, Pos: pos})
}

// must is Apply for derivative rules, whose shapes are right by construction.
func (g *Graph) must(op Op, name string, pos dsl.Pos, args ...*Node) *Node {
	n, err := g.Apply(op, name, pos, args...)
	if err != nil {
		internalf("%s: %v", op, err)
	}
	return n
}

// Spread makes the adjoint of a mean over sets of a value shaped like like: s/(rows·size)
// at every element of the rows of sets, zero elsewhere.
func (g *Graph) Spread(s, like *Node, sets uint64) *Node {
	return g.add(&Node{Op: OpSpread, Args: []*Node{s}, Shape: like.Shape, Batched: true, Sets: sets, Name: s.Name, Pos: s.Pos})
}

// ClipNode makes clip(x, lo, hi) or its derivative mask inrange(x, lo, hi).
func (g *Graph) ClipNode(op Op, x *Node, lo, hi float64, name string, pos dsl.Pos) *Node {
	if x.Op == OpConst {
		v := x.Value
		if op == OpClip {
			return g.Const(math.Min(math.Max(v, lo), hi))
		}
		if lo < v && v < hi {
			return g.Const(1)
		}
		return g.Const(0)
	}
	return g.add(&Node{Op: op, Args: []*Node{x}, Shape: x.Shape, Batched: x.Batched, Lo: lo, Hi: hi, Name: name, Pos: pos})
}

// fold simplifies an elementwise node as it is made: constant arguments are evaluated and
// the identities x+0, x-0, x*1, x/1, -(-x) are removed. x*0 is kept: it is NaN when x is.
func (g *Graph) fold(n *Node) *Node {
	allConst := true
	for _, a := range n.Args {
		allConst = allConst && a.Op == OpConst
	}
	if allConst {
		vals := make([]float64, len(n.Args))
		for i, a := range n.Args {
			vals[i] = a.Value
		}
		if v, ok := Eval(n.Op, vals...); ok {
			return g.Const(v)
		}
	}
	same := func(x *Node) *Node {
		// An identity may drop an operand only when the result keeps the shape of x.
		if equalShape(x.Shape, n.Shape) && x.Batched == n.Batched {
			return x
		}
		return nil
	}
	switch n.Op {
	case OpAdd:
		if n.Args[1].IsConst(0) {
			return same(n.Args[0])
		}
		if n.Args[0].IsConst(0) {
			return same(n.Args[1])
		}
	case OpSub:
		if n.Args[1].IsConst(0) {
			return same(n.Args[0])
		}
	case OpMul:
		if n.Args[1].IsConst(1) {
			return same(n.Args[0])
		}
		if n.Args[0].IsConst(1) {
			return same(n.Args[1])
		}
	case OpDiv:
		if n.Args[1].IsConst(1) {
			return same(n.Args[0])
		}
	case OpNeg:
		if n.Args[0].Op == OpNeg {
			return n.Args[0].Args[0]
		}
	}
	return nil
}
