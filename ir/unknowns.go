package ir

// The statements that widen what a model describes beyond a network and its loss: trainable
// coefficients (`param`), periodic inputs (`periodic`), and output transforms (`output`).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/mlc-go/mlc/dsl"
)

// maxHarmonics bounds `periodic …, harmonics = H`: each harmonic adds two network inputs.
const maxHarmonics = 64

// coefficient reads `param NAME = VALUE [, positive]`. Its parameter is made after the
// layers' (see coefficientParams), so the layers' parameters keep their places.
func (l *lowerer) coefficient(s *dsl.ParamStmt) {
	v, ok := l.constExpr(s.Value)
	if !ok {
		return
	}
	c := &Coefficient{Name: s.Name.Name, Init: v, Pos: s.Name.Pos}
	for _, a := range s.Args {
		id, isID := a.Value.(*dsl.Ident)
		if a.Name != nil || !isID || id.Name != "positive" {
			l.errorf(a.Value.ExprPos(), "param %s: expected 'positive' (the coefficient stays above zero), found %s", s.Name.Name, argText(a))
			return
		}
		if c.Positive {
			l.errorf(id.Pos, "param %s: 'positive' given twice", s.Name.Name)
			return
		}
		c.Positive = true
	}
	if c.Positive && v <= 0 {
		l.errorf(s.Value.ExprPos(), "param %s is positive but starts at %v: give a starting value above zero", s.Name.Name, v)
		return
	}
	if l.m.DType == "float32" && math.Abs(v) > math.MaxFloat32 {
		l.errorf(s.Value.ExprPos(), "param %s starts at %g, which does not fit in float32", s.Name.Name, v)
		return
	}
	if l.declare(s.Name, &binding{kind: "param", pos: s.Name.Pos}) {
		l.m.Coefficients = append(l.m.Coefficients, c)
	}
}

// argText shows an argument as written, for messages.
func argText(a *dsl.Arg) string {
	switch v := a.Value.(type) {
	case *dsl.Ident:
		if a.Name != nil {
			return fmt.Sprintf("'%s = %s'", a.Name.Name, v.Name)
		}
		return "'" + v.Name + "'"
	case *dsl.Number:
		return "'" + v.Text + "'"
	}
	if a.Name != nil {
		return "'" + a.Name.Name + " = …'"
	}
	return "an expression"
}

// coefficientParams gives each coefficient its place in the parameter vector, after the
// layers' parameters.
func (l *lowerer) coefficientParams() {
	for _, c := range l.m.Coefficients {
		name, v := c.Name, c.Init
		if c.Positive {
			name, v = "log_"+c.Name, math.Log(c.Init)
		}
		p := l.newParam(name, nil, "value", 0, 0, "", c.Pos) // a scalar: it multiplies values of any shape
		p.InitValue = v
		c.Param = p
	}
}

// periodic reads `periodic x in [LO, HI] [, harmonics = H]`.
func (l *lowerer) periodic(s *dsl.PeriodicStmt) {
	b := l.scope[s.Name.Name]
	if b == nil || b.kind != "input" {
		l.errorf(s.Name.Pos, "periodic %s: %s is not an input declared before this line", s.Name.Name, s.Name.Name)
		return
	}
	if len(b.shape) > 1 || len(b.shape) == 1 && b.shape[0] != 1 {
		l.errorf(s.Name.Pos, "periodic %s: %s is a vector input; only a scalar input (one coordinate) can be periodic", s.Name.Name, s.Name.Name)
		return
	}
	for _, p := range l.m.Periodic {
		if p.Input == s.Name.Name {
			l.errorf(s.Name.Pos, "%s is already periodic (line %d)", s.Name.Name, p.Pos.Line)
			return
		}
	}
	lo, ok1 := l.constExpr(s.Lo)
	hi, ok2 := l.constExpr(s.Hi)
	if !ok1 || !ok2 {
		return
	}
	if !(hi > lo) {
		l.errorf(s.Hi.ExprPos(), "periodic %s in [%v, %v]: the period's end must be above its start", s.Name.Name, lo, hi)
		return
	}
	p := &Periodic{Input: s.Name.Name, Lo: lo, Hi: hi, Harmonics: 1, Pos: s.Name.Pos}
	for _, a := range s.Args {
		if a.Name == nil || a.Name.Name != "harmonics" {
			l.errorf(a.Value.ExprPos(), "periodic %s: expected 'harmonics = N', found %s", s.Name.Name, argText(a))
			return
		}
		v, ok := l.constExpr(a.Value)
		if !ok {
			return
		}
		if v != math.Trunc(v) || v < 1 || v > maxHarmonics {
			l.errorf(a.Value.ExprPos(), "harmonics: expected an integer from 1 to %d, found %v", maxHarmonics, v)
			return
		}
		p.Harmonics = int(v)
	}
	l.m.Periodic = append(l.m.Periodic, p)
}

// features are what the network sees of input x: x itself, or for a periodic input
// cos(k·ω(x−LO)) and sin(k·ω(x−LO)) for k = 1…H, ω = 2π/(HI−LO). Derivatives with respect
// to x go through them by the chain rule like through any other op.
func (l *lowerer) features(g *Graph, x *Node) []*Node {
	for _, p := range l.m.Periodic {
		if p.Input != x.Name {
			continue
		}
		phase := x
		if p.Lo != 0 {
			phase = g.must(OpSub, x.Name+"_shifted", p.Pos, x, g.Const(p.Lo))
		}
		var out []*Node
		for k := 1; k <= p.Harmonics; k++ {
			w := float64(k) * 2 * math.Pi / (p.Hi - p.Lo)
			arg := g.must(OpMul, fmt.Sprintf("%s_phase%d", x.Name, k), p.Pos, g.Const(w), phase)
			out = append(out,
				g.must(OpCos, fmt.Sprintf("%s_cos%d", x.Name, k), p.Pos, arg),
				g.must(OpSin, fmt.Sprintf("%s_sin%d", x.Name, k), p.Pos, arg))
		}
		return out
	}
	return []*Node{x}
}

// featuresShape checks the features statement and returns the first layer's input shape:
// the features' sizes added up.
func (l *lowerer) featuresShape() []int {
	s := l.feats
	if len(l.m.Periodic) > 0 {
		l.errorf(s.Pos, "features and periodic both say what the network sees; write the periodic input's cos and sin among the features instead")
		return nil
	}
	for _, x := range s.Exprs {
		bad := ""
		var at dsl.Pos
		dsl.Walk(x, func(x dsl.Expr) {
			id, ok := x.(*dsl.Ident)
			if !ok || bad != "" {
				return
			}
			if b := l.scope[id.Name]; id.Name != "pi" && (b == nil || b.kind != "input" && b.kind != "const") {
				bad, at = id.Name, id.Pos
			}
		})
		if bad != "" {
			l.errorf(at, "features are expressions of the inputs and constants; %s is not one", bad)
			return nil
		}
	}
	g := NewGraph()
	values := map[string]*Node{}
	for _, t := range l.m.Inputs {
		values[t.Name] = g.Leaf(OpInput, t.Name, t.Shape, true, t.Pos)
	}
	nodes := l.featureNodes(g, values)
	if nodes == nil {
		return nil
	}
	total := 0
	for _, n := range nodes {
		total += n.Size()
	}
	return []int{total}
}

// featureNodes lowers the features statement's expressions over the inputs in values.
func (l *lowerer) featureNodes(g *Graph, values map[string]*Node) []*Node {
	le := &lossLowerer{l: l, g: g, values: values, inputs: map[string]*Node{}}
	var out []*Node
	for _, x := range l.feats.Exprs {
		if c, ok := x.(*dsl.Call); ok && c.Fun.Name == "fourier" {
			f := l.fourier(le, c)
			if f == nil {
				return nil
			}
			out = append(out, f...)
			continue
		}
		n, ok := le.expr(x)
		if !ok {
			return nil
		}
		if !n.Batched {
			l.errorf(x.ExprPos(), "this feature is the same for every point: a feature must depend on the inputs")
			return nil
		}
		if len(n.Shape) > 1 {
			l.errorf(x.ExprPos(), "this feature is %s per point; a feature is a number or a vector per point", shapeStr(n))
			return nil
		}
		out = append(out, n)
	}
	return out
}

// outputs makes the prediction: the `output` statements' values one after another, each
// a value per point of the inputs and coefficients only (Predict has nothing else).
// names gives a name to each of its values: the statement's, indexed for a vector.
func (l *lowerer) outputs(g *Graph, values map[string]*Node, net *Node) (pred *Node, names []string) {
	if len(l.outs) == 0 {
		return net, nil
	}
	var parts []*Node
	for _, s := range l.outs {
		v := values[s.Name.Name]
		if bad := knownIn(v); bad != nil {
			l.errorf(s.Value.ExprPos(), "output %s uses %s, a value known only at training points; an output may use the inputs, the network and the params", s.Name.Name, bad.Name)
			return nil, nil
		}
		if len(v.Shape) > 1 {
			l.errorf(s.Value.ExprPos(), "output %s is %s per point; an output is a number or a vector per point", s.Name.Name, shapeStr(v))
			return nil, nil
		}
		parts = append(parts, v)
		if v.Size() == 1 {
			names = append(names, s.Name.Name)
			continue
		}
		for i := range v.Size() {
			names = append(names, fmt.Sprintf("%s[%d]", s.Name.Name, i))
		}
	}
	if len(parts) == 1 {
		return parts[0], names
	}
	return g.must(OpConcat, "outputs", l.outs[0].Pos, parts...), names
}

// knownIn returns a target or known value that v depends on, or nil.
func knownIn(v *Node) *Node {
	seen := map[*Node]bool{}
	var walk func(n *Node) *Node
	walk = func(n *Node) *Node {
		if seen[n] {
			return nil
		}
		seen[n] = true
		if n.Op == OpTarget {
			return n
		}
		for _, a := range n.Args {
			if bad := walk(a); bad != nil {
				return bad
			}
		}
		return nil
	}
	return walk(v)
}

// joinNames is "u, v, p".
func joinNames(names []string) string { return strings.Join(names, ", ") }

// maxFourier bounds fourier's number of frequencies: each is two features, and each feature
// a pass over the points in the generated code.
const maxFourier = 256

// fourier lowers fourier(x, t, features = M, scale = S, seed = K): random Fourier features
// of its arguments v (Tancik et al. 2020; Wang, Wang & Perdikaris 2021), cos(2π B·v) and
// sin(2π B·v) for M frequencies, the rows of B drawn from N(0, S²) at compile time with seed
// K (default 1). B is a constant of the generated code, not trained; derivatives with
// respect to the inputs go through the cos and sin by the chain rule.
func (l *lowerer) fourier(le *lossLowerer, c *dsl.Call) []*Node {
	g := le.g
	var args []*Node
	m, scale, seed := 0, 1.0, 1.0
	for _, a := range c.Args {
		if a.Name == nil {
			n, ok := le.expr(a.Value)
			if !ok {
				return nil
			}
			if n.Size() != 1 || !n.Batched {
				l.errorf(a.Value.ExprPos(), "fourier's arguments are numbers per point (inputs, or expressions of them)")
				return nil
			}
			args = append(args, n)
			continue
		}
		v, ok := l.constExpr(a.Value)
		if !ok {
			return nil
		}
		switch a.Name.Name {
		case "features":
			if v != math.Trunc(v) || v < 1 || v > maxFourier {
				l.errorf(a.Value.ExprPos(), "features: expected a number of frequencies from 1 to %d, found %v", maxFourier, v)
				return nil
			}
			m = int(v)
		case "scale":
			if !(v > 0) || math.IsInf(v, 0) {
				l.errorf(a.Value.ExprPos(), "scale: expected the standard deviation of the frequencies, a number above 0, found %v", v)
				return nil
			}
			scale = v
		case "seed":
			if v != math.Trunc(v) || v < 0 || v > 1<<53 {
				l.errorf(a.Value.ExprPos(), "seed: expected an integer from 0, found %v", v)
				return nil
			}
			seed = v
		default:
			l.errorf(a.Name.Pos, "fourier has no argument %s; it takes the inputs, then features = M, scale = S and seed = K", a.Name.Name)
			return nil
		}
	}
	if len(args) == 0 {
		l.errorf(c.Fun.Pos, "fourier(x, t, features = 64, scale = 2): name the inputs whose features these are")
		return nil
	}
	if m == 0 {
		l.errorf(c.Fun.Pos, "fourier needs features = M, the number of frequencies (each gives a cos and a sin)")
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x464f5552494552)) // "FOURIER"
	var cos, sin []*Node
	for k := range m {
		var arg *Node
		for j, v := range args {
			b := 2 * math.Pi * scale * rng.NormFloat64()
			term := g.must(OpMul, fmt.Sprintf("fourier%d_%d", k+1, j+1), c.Fun.Pos, g.Const(b), v)
			if arg == nil {
				arg = term
			} else {
				arg = g.must(OpAdd, fmt.Sprintf("fourier%d_phase", k+1), c.Fun.Pos, arg, term)
			}
		}
		cos = append(cos, g.must(OpCos, fmt.Sprintf("fourier%d_cos", k+1), c.Fun.Pos, arg))
		sin = append(sin, g.must(OpSin, fmt.Sprintf("fourier%d_sin", k+1), c.Fun.Pos, arg))
	}
	return append(cos, sin...)
}
