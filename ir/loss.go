package ir

// The loss statement, lets and residuals: expressions over the network's outputs, the
// inputs and targets, means over point sets, and input derivatives.

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mlc-go/mlc/dsl"
)

// lossLowerer turns a loss expression into graph nodes.
type lossLowerer struct {
	l      *lowerer
	g      *Graph
	values map[string]*Node
	inputs map[string]*Node
}

// terms splits the loss at its top-level + and - into named summands: a term is named after
// the one residual it uses, else after the point sets it averages over, else termN.
func (e *lossLowerer) terms(x dsl.Expr, loss *Node) ([]*Node, []string) {
	parts, signs := splitTerms(x)
	if len(parts) == 1 {
		name := e.termName(x)
		if name == "" {
			name = "loss"
		}
		return []*Node{loss}, []string{name}
	}
	names := termNamesOf(e, parts)
	if names == nil {
		return nil, nil
	}
	var out []*Node
	for i, p := range parts {
		// Re-lowering a part finds the nodes the whole already has (they are shared).
		n, ok := e.expr(p)
		if !ok {
			return nil, nil
		}
		if signs[i] {
			n = e.g.must(OpNeg, "", p.ExprPos(), n)
		}
		out = append(out, n)
		n.Name = "loss_" + names[i]
	}
	return out, names
}

// termNamesOf names the terms of a loss (parts, from splitTerms): as written (… as NAME),
// else after the one residual a term uses or the point sets it averages over, else termN.
// It reports two terms named alike and returns nil.
func termNamesOf(e *lossLowerer, parts []dsl.Expr) []string {
	var names []string
	used := map[string]bool{}
	given := map[string]bool{} // the names the user wrote (as NAME), which automatic names avoid
	for _, p := range parts {
		if n, ok := p.(*dsl.Named); ok {
			if given[n.As.Name] {
				e.l.errorf(n.As.Pos, "two loss terms are named %s", n.As.Name)
				return nil
			}
			given[n.As.Name] = true
		}
	}
	for i, p := range parts {
		name := e.termName(p)
		if _, named := p.(*dsl.Named); !named && (name == "" || used[name] || given[name]) {
			name = fmt.Sprintf("term%d", i+1)
		}
		used[name] = true
		names = append(names, name)
	}
	return names
}

// splitTerms splits a loss at its top-level + and - into its terms, with whether each is
// subtracted.
func splitTerms(x dsl.Expr) (parts []dsl.Expr, signs []bool) {
	var split func(x dsl.Expr, neg bool)
	split = func(x dsl.Expr, neg bool) {
		if p, ok := x.(*dsl.Paren); ok {
			x = p.X
		}
		if _, ok := x.(*dsl.Named); ok {
			parts = append(parts, x)
			signs = append(signs, neg)
			return
		}
		if b, ok := x.(*dsl.Binary); ok && (b.Op == "+" || b.Op == "-") {
			split(b.X, neg)
			split(b.Y, neg != (b.Op == "-"))
			return
		}
		parts = append(parts, x)
		signs = append(signs, neg)
	}
	split(x, false)
	return parts, signs
}

func (e *lossLowerer) termName(x dsl.Expr) string {
	if n, ok := x.(*dsl.Named); ok {
		return n.As.Name
	}
	var residuals, sets, funcs []string
	dsl.Walk(x, func(x dsl.Expr) {
		switch x := x.(type) {
		case *dsl.Ident:
			if b := e.l.scope[x.Name]; b != nil && b.kind == "residual" {
				residuals = append(residuals, x.Name)
			}
		case *dsl.Call:
			if x.Fun.Name == "mean" && len(x.Args) == 2 {
				sets = append(sets, setNames(x.Args[0].Value)...)
			} else if lossFuncs[x.Fun.Name] && x.Fun.Name != "d" {
				funcs = append(funcs, x.Fun.Name)
			}
		}
	})
	switch {
	case len(residuals) == 1:
		return residuals[0]
	case len(sets) > 0:
		return strings.Join(sets, "+")
	case len(funcs) == 1:
		return funcs[0]
	}
	return ""
}

// bceEpsilon is Keras' clipping of probabilities in binary cross-entropy.
const bceEpsilon = 1e-7

// expr lowers x; a constant it folds to must be a number the model's dtype holds.
func (e *lossLowerer) expr(x dsl.Expr) (*Node, bool) {
	n, ok := e.lower(x)
	if !ok || n.Op != OpConst {
		return n, ok
	}
	v := n.Value
	switch {
	case math.IsInf(v, 0) || math.IsNaN(v):
		e.l.errorf(x.ExprPos(), "this expression is the constant %v: expected a finite number", v)
		return nil, false
	case e.l.m.DType == "float32" && math.Abs(v) > math.MaxFloat32:
		e.l.errorf(x.ExprPos(), "the constant %g does not fit in float32 (dtype float32)", v)
		return nil, false
	}
	return n, true
}

func (e *lossLowerer) lower(x dsl.Expr) (*Node, bool) {
	l, g := e.l, e.g
	switch x := x.(type) {
	case *dsl.Number:
		if math.IsInf(x.Value, 0) {
			l.errorf(x.Pos, "%s is too large for a number", dsl.Abbrev(x.Text))
			return nil, false
		}
		return g.Const(x.Value), true
	case *dsl.Paren:
		return e.expr(x.X)
	case *dsl.Named:
		return e.expr(x.X) // the name is the loss term's (see terms)
	case *dsl.Ident:
		if n, ok := e.values[x.Name]; ok {
			return n, true
		}
		if x.Name == "pi" {
			return g.NamedConst(math.Pi, "pi", dsl.Pos{}), true
		}
		if b, ok := l.scope[x.Name]; ok && b.kind == "const" {
			return g.NamedConst(b.value, x.Name, b.pos), true
		}
		if b, ok := l.scope[x.Name]; ok && b.kind == "points" {
			l.errorf(x.Pos, "%s is a point set; use it as mean(%s, ...)", x.Name, x.Name)
			return nil, false
		}
		if b, ok := l.scope[x.Name]; ok && b.kind == "residual" {
			l.errorf(x.Pos, "%s is used before it is defined", x.Name)
			return nil, false
		}
		l.errorf(x.Pos, "undefined: %s", x.Name)
		return nil, false
	case *dsl.Unary:
		v, ok := e.expr(x.X)
		if !ok || x.Op == "+" {
			return v, ok
		}
		return e.apply(OpNeg, x.OpPos, v)
	case *dsl.Binary:
		a, ok1 := e.expr(x.X)
		b, ok2 := e.expr(x.Y)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch x.Op {
		case "+":
			return e.apply(OpAdd, x.OpPos, a, b)
		case "-":
			return e.apply(OpSub, x.OpPos, a, b)
		case "*":
			return e.apply(OpMul, x.OpPos, a, b)
		case "/":
			if b.IsConst(0) {
				l.errorf(x.OpPos, "division by zero")
				return nil, false
			}
			return e.apply(OpDiv, x.OpPos, a, b)
		case "<", ">":
			l.errorf(x.OpPos, "a comparison ('%s') has no place in a loss", x.Op)
			return nil, false
		case "^":
			return e.power(x, a, b)
		}
	case *dsl.Call:
		return e.call(x)
	}
	internalf("unknown expression %T", x)
	return nil, false
}

func (e *lossLowerer) apply(op Op, pos dsl.Pos, args ...*Node) (*Node, bool) {
	n, err := e.g.Apply(op, "", pos, args...)
	if err != nil {
		var se *ShapeError
		if errors.As(err, &se) && len(args) == 2 {
			sym := map[Op]string{OpAdd: "'+'", OpSub: "'-'", OpMul: "'*'", OpDiv: "'/'"}[op]
			if sym == "" {
				sym = op.String()
			}
			e.l.errorf(pos, "%s: shapes %s (%s) and %s (%s) do not match", sym, shapeStr(args[0]), e.where(args[0]), shapeStr(args[1]), e.where(args[1]))
		} else {
			e.l.errorf(pos, "%v", err)
		}
		return nil, false
	}
	return n, true
}

func (e *lossLowerer) where(n *Node) string {
	name := n.Name
	if name == "" {
		name = "value"
	}
	if n.Pos.Line == 0 {
		return name
	}
	return fmt.Sprintf("%s at %d:%d", name, n.Pos.Line, n.Pos.Col)
}

// unaryFuncs are the elementwise functions a loss may call: the rows of Ops with a Func.
// Set in init, after Ops.
var unaryFuncs map[string]Op

var lossFuncs = map[string]bool{"binary_crossentropy": true, "categorical_crossentropy": true, "sparse_categorical_crossentropy": true,
	"mse": true, "mae": true, "mean": true, "d": true}

// maxOrder is the highest input derivative the compiler derives. Each order is one more
// forward-mode pass over the graph of the order below; the graphs share their common parts.
const maxOrder = 4

// maxPower bounds the integer exponent of u^n.
const maxPower = 64

// power lowers a^b for a constant integer b: repeated squaring (u^3 is u²·u), and 1/a^|b|
// for a negative b. Other exponents are refused: a^b for a non-integer b is exp(b·log(a)),
// which the user can write where a > 0.
func (e *lossLowerer) power(x *dsl.Binary, a, b *Node) (*Node, bool) {
	l, g := e.l, e.g
	if b.Op != OpConst {
		l.errorf(x.OpPos, "the exponent must be a constant integer (u^3); for a variable exponent write exp(p * log(u))")
		return nil, false
	}
	n := b.Value
	if a.Op == OpConst { // a constant: any power that is a number
		if v := math.Pow(a.Value, n); !math.IsNaN(v) {
			return g.Const(v), true
		}
		l.errorf(x.OpPos, "%v^%v is not a real number", a.Value, n)
		return nil, false
	}
	if n != math.Trunc(n) || math.Abs(n) > maxPower {
		l.errorf(x.OpPos, "the exponent %v is not an integer from -%d to %d; for other powers write exp(p * log(u))", n, maxPower, maxPower)
		return nil, false
	}
	if n == 0 {
		return g.Const(1), true
	}
	if n == 1 {
		return a, true
	}
	if n == -1 {
		return e.apply(OpDiv, x.OpPos, g.Const(1), a)
	}
	if n < 0 {
		p, ok := e.intPower(x.OpPos, a, int(-n))
		if !ok {
			return nil, false
		}
		return e.apply(OpDiv, x.OpPos, g.Const(1), p)
	}
	return e.intPower(x.OpPos, a, int(n))
}

// intPower is a^n for n ≥ 2 by repeated squaring, so u^2 is u·u.
func (e *lossLowerer) intPower(pos dsl.Pos, a *Node, n int) (*Node, bool) {
	if n == 1 {
		return a, true
	}
	half, ok := e.intPower(pos, a, n/2)
	if !ok {
		return nil, false
	}
	sq, ok := e.apply(OpMul, pos, half, half)
	if !ok || n%2 == 0 {
		return sq, ok
	}
	return e.apply(OpMul, pos, sq, a)
}

// derivative lowers d(u, x) and d(u, x, y): the tangent pass, once per input named.
func (e *lossLowerer) derivative(c *dsl.Call) (*Node, bool) {
	l := e.l
	if len(c.Args) < 2 {
		l.errorf(c.Fun.Pos, "d takes a value and the inputs to differentiate by, as in d(u, x) or d(u, x, x)")
		return nil, false
	}
	if len(c.Args)-1 > maxOrder {
		l.errorf(c.Args[maxOrder+1].Value.ExprPos(), "derivatives of order %d: mlc derives up to order %d", len(c.Args)-1, maxOrder)
		return nil, false
	}
	if inner := e.order(c.Args[0].Value, map[string]bool{}); inner+len(c.Args)-1 > maxOrder {
		l.errorf(c.Fun.Pos, "this is a derivative of order %d of the network's output (its argument already holds derivatives of order %d): mlc derives up to order %d",
			inner+len(c.Args)-1, inner, maxOrder)
		return nil, false
	}
	v, ok := e.expr(c.Args[0].Value)
	if !ok {
		return nil, false
	}
	if !v.Batched {
		l.errorf(c.Args[0].Value.ExprPos(), "d: the value must be one per point, found %s", shapeStr(v))
		return nil, false
	}
	for _, a := range c.Args[1:] {
		id, isID := a.Value.(*dsl.Ident)
		if !isID || a.Name != nil {
			l.errorf(a.Value.ExprPos(), "d: expected an input name")
			return nil, false
		}
		x, ok := e.inputs[id.Name]
		if !ok || x.Size() != 1 {
			l.errorf(id.Pos, "d: %s is not a scalar input of the model (inputs: %s)", id.Name, e.inputNames())
			return nil, false
		}
		v = Tangent(e.g, v, x)
		if v == nil {
			v = e.g.Const(0)
		}
	}
	if !v.Batched {
		// The same at every point (a network linear in x): still a value per point.
		if v.Op == OpConst {
			v = e.g.ConstVec([]float64{v.Value})
		}
		v = e.g.BroadcastTo(v, v.Shape, "")
	}
	return v, true
}

// order is the highest order of input derivatives in x, following lets to their
// definitions: d(uxx, x) with uxx = d(u, x, x) is of order 3.
func (e *lossLowerer) order(x dsl.Expr, visiting map[string]bool) int {
	switch x := x.(type) {
	case *dsl.Paren:
		return e.order(x.X, visiting)
	case *dsl.Named:
		return e.order(x.X, visiting)
	case *dsl.Unary:
		return e.order(x.X, visiting)
	case *dsl.Binary:
		return max(e.order(x.X, visiting), e.order(x.Y, visiting))
	case *dsl.Ident:
		b := e.l.scope[x.Name]
		if b == nil || b.expr == nil || visiting[x.Name] {
			return 0
		}
		visiting[x.Name] = true
		defer delete(visiting, x.Name)
		return e.order(b.expr, visiting)
	case *dsl.Call:
		o := 0
		for _, a := range x.Args {
			o = max(o, e.order(a.Value, visiting))
		}
		if x.Fun.Name == "d" && len(x.Args) > 0 {
			o = e.order(x.Args[0].Value, visiting) + len(x.Args) - 1
		}
		return o
	}
	return 0
}

func (e *lossLowerer) inputNames() string {
	var s []string
	for _, in := range e.l.m.Inputs {
		s = append(s, in.Name)
	}
	return strings.Join(s, ", ")
}

// setMean lowers mean(S, expr) with S a point set or a sum of them.
func (e *lossLowerer) setMean(c *dsl.Call) (*Node, bool) {
	l := e.l
	if bad := setOperator(c.Args[0].Value); bad != nil {
		l.errorf(bad.OpPos, "mean(S, ...): point sets combine only with '+' (all the points of both); found '%s'", bad.Op)
		return nil, false
	}
	if bad := notASet(c.Args[0].Value); bad != nil {
		l.errorf(bad.ExprPos(), "mean(S, ...): expected a point set or a sum of them, as in mean(boundary + interior, ...)")
		return nil, false
	}
	var mask uint64
	for _, name := range setNames(c.Args[0].Value) {
		b := l.scope[name]
		if b == nil || b.kind != "points" {
			l.errorf(c.Args[0].Value.ExprPos(), "mean(S, ...): %s is not a point set", name)
			return nil, false
		}
		mask |= 1 << b.set
	}
	if c.Args[0].Name != nil || c.Args[1].Name != nil {
		l.errorf(c.Fun.Pos, "mean takes no named arguments")
		return nil, false
	}
	v, ok := e.expr(c.Args[1].Value)
	if !ok {
		return nil, false
	}
	if v.Op == OpConst {
		return v, true // the same at every point: its mean is itself
	}
	if !v.Batched {
		// A value of params alone (mean(S, k^2)): averaged over the points like any other,
		// so that the loss, summed part by part over the rows, counts it once.
		v = e.g.BroadcastTo(v, shapeOrScalar(v.Shape), "")
	}
	// A known value may only be averaged over the sets it is known on.
	var bad string
	var walk func(n *Node)
	seen := map[*Node]bool{}
	walk = func(n *Node) {
		if seen[n] {
			return
		}
		seen[n] = true
		if n.Op == OpTarget {
			if b := l.scope[n.Name]; b != nil && b.kind == "known" && mask&^(1<<b.set) != 0 {
				bad = n.Name
			}
		}
		for _, a := range n.Args {
			walk(a)
		}
	}
	walk(v)
	if bad != "" {
		l.errorf(c.Args[0].Value.ExprPos(), "%s is known only on point set %s", bad, l.m.PointSets[l.scope[bad].set].Name)
		return nil, false
	}
	if mask == 1<<len(l.m.PointSets)-1 {
		mask = 0 // every point
	}
	return e.g.MeanOver(v, mask, "", c.Fun.Pos), true
}

func (e *lossLowerer) call(c *dsl.Call) (*Node, bool) {
	l, g := e.l, e.g
	name := c.Fun.Name
	if name == "d" {
		return e.derivative(c)
	}
	if name == "mean" && len(c.Args) == 2 {
		return e.setMean(c)
	}
	args := make([]*Node, len(c.Args))
	for i, a := range c.Args {
		if a.Name != nil {
			l.errorf(a.Name.Pos, "%s takes no named arguments", name)
			return nil, false
		}
		n, ok := e.expr(a.Value)
		if !ok {
			return nil, false
		}
		args[i] = n
	}
	want := 2
	if _, ok := unaryFuncs[name]; ok || name == "mean" {
		want = 1
	} else if !lossFuncs[name] {
		l.errorf(c.Fun.Pos, "unknown function '%s'; expected one of %s, %s", name, keys(lossFuncs), keys(unaryFuncs))
		return nil, false
	}
	if len(args) != want {
		l.errorf(c.Fun.Pos, "%s takes %d arguments, found %d", name, want, len(args))
		return nil, false
	}
	if op, ok := unaryFuncs[name]; ok {
		return e.apply(op, c.Fun.Pos, args[0])
	}
	if name == "mean" {
		v := args[0]
		if v.Op == OpConst || v.Op == OpConstVec {
			return v, true
		}
		if !v.Batched {
			v = g.BroadcastTo(v, shapeOrScalar(v.Shape), "") // see setMean
		}
		return g.MeanOver(v, 0, "", c.Fun.Pos), true
	}
	p, y := args[0], args[1]
	if name == "categorical_crossentropy" || name == "sparse_categorical_crossentropy" {
		return e.cce(c, p, y)
	}
	if !equalShape(p.Shape, y.Shape) {
		l.errorf(c.Fun.Pos, "%s: prediction %s has shape %s (%s) but %s has shape %s (%s)",
			name, p.Name, shapeStr(p), posStr(p.Pos), y.Name, shapeStr(y), posStr(y.Pos))
		return nil, false
	}
	d, ok := e.apply(OpSub, c.Fun.Pos, p, y)
	if !ok {
		return nil, false
	}
	var per *Node
	switch name {
	case "mse":
		per = g.must(OpMul, "sq_err", c.Fun.Pos, d, d)
	case "mae":
		per = g.must(OpAbs, "abs_err", c.Fun.Pos, d)
	case "binary_crossentropy":
		per = e.bce(p, y, c.Fun.Pos)
	}
	if !per.Batched {
		return per, true // the same for every row (constants): its mean is itself
	}
	return g.MeanOver(per, 0, name, c.Fun.Pos), true
}
