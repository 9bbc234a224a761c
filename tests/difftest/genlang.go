package difftest

import (
	"fmt"
	"slices"
)

// The constructs both kinds of model share: trainable coefficients (param), periodic
// inputs, output transforms, integer powers, named loss terms, and the constructs mlc must
// refuse at a position.

// knownBugs are compiler bugs the differential tester found and reported that are not
// fixed yet. The generator avoids the construct that shows each one unless
// GenOptions.KnownBugs is set (-difftest.knownbugs), so that the default run stays a
// test of everything else; a model that uses one anyway has the feature "known bug: …".
// Remove an entry once its bug is fixed.
var knownBugs = map[string]string{}

// may reports whether the generator may use the construct named bug: it is not a known
// bug, or known bugs are wanted. A use is recorded in the coverage table.
func (g *gen) may(bug string) bool {
	if _, known := knownBugs[bug]; !known {
		return true
	}
	return g.opt.KnownBugs
}

// usesBug records that the model uses a construct with a known bug.
func (g *gen) usesBug(bug string) {
	if _, known := knownBugs[bug]; known {
		g.m.feature("known bug: %s", bug)
	}
}

// taken reports whether name is declared in m already (or is pi).
func (g *gen) taken(name string) bool {
	m := g.m
	if name == "pi" {
		return true
	}
	for _, ts := range [][]Tensor{m.Inputs, m.Targets} {
		if slices.ContainsFunc(ts, func(t Tensor) bool { return t.Name == name }) {
			return true
		}
	}
	for _, l := range m.Layers {
		if l.Out == name || slices.Contains(l.Outs, name) {
			return true
		}
	}
	for _, s := range m.Sets {
		if s.Name == name || slices.Contains(s.Known, name) {
			return true
		}
	}
	return slices.ContainsFunc(m.Consts, func(c Const) bool { return c.Name == name }) ||
		slices.ContainsFunc(m.Lets, func(l Let) bool { return l.Name == name }) ||
		slices.ContainsFunc(m.Coefs, func(c *Coef) bool { return c.Name == name })
}

// fresh is the first name of names not taken, or base with a number.
func (g *gen) fresh(base string, names ...string) string {
	for _, n := range names {
		if !g.taken(n) {
			return n
		}
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s%d", base, i); !g.taken(n) {
			return n
		}
	}
}

// addPeriodic makes one or two of the scalar inputs periodic, with probability p. Call
// it before the layers: the first layer sees the features.
func (g *gen) addPeriodic(p float64, scalars []string, allowMany bool) {
	if len(scalars) == 0 || !g.chance(p) || !g.may("periodic") {
		return
	}
	g.usesBug("periodic")
	n := 1
	if len(scalars) > 1 && g.chance(0.2) {
		n = 2
	}
	for _, i := range g.r.Perm(len(scalars))[:n] {
		per := Periodic{Input: scalars[i]}
		switch g.r.IntN(6) {
		case 0:
			per.Lo, per.Hi = Num{0}, Num{1}
		case 1:
			per.Lo, per.Hi = Neg{Num{1}}, Num{1}
		case 2:
			per.Lo, per.Hi = Num{0}, Bin{'*', Num{2}, Ref{"pi"}}
		case 3:
			per.Lo, per.Hi = Neg{Ref{"pi"}}, Ref{"pi"}
		case 4:
			per.Lo, per.Hi = Neg{Num{0.5}}, Num{2.5}
		default:
			per.Lo, per.Hi = Num{0.25}, Num{1.75}
		}
		switch r := g.r.Float64(); {
		case allowMany && r < 0.04:
			per.Harmonics = g.intn(8, 64)
			g.m.feature("periodic: many harmonics")
		case r < 0.4:
			per.Harmonics = 0
		case r < 0.55:
			per.Harmonics = 1
		default:
			per.Harmonics = g.intn(2, 3)
			g.m.feature("periodic: several harmonics")
		}
		g.m.Periodic = append(g.m.Periodic, per)
	}
	g.m.feature("periodic input")
}

// addFeatures gives the model a features statement with probability p (when it has no
// periodic input): per input the input itself, cos(pi·x) and sin(pi·x), x², tanh, a
// constant times it, e^-x, or its product with another scalar input; sometimes an input is
// left out. A series input has none. With kind "features of a non-input", "features and
// periodic" or "a constant feature" the statement is one mlc must refuse.
func (g *gen) addFeatures(p float64, kind string) {
	m := g.m
	bad := kind == "features of a non-input" || kind == "features and periodic" || kind == "a constant feature"
	if !bad && (len(m.Periodic) > 0 || !g.chance(p)) || slices.ContainsFunc(m.Inputs, func(t Tensor) bool { return len(t.Shape) > 1 }) {
		return
	}
	var scalars []string
	for _, in := range m.Inputs {
		if len(in.Shape) == 0 {
			scalars = append(scalars, in.Name)
		}
	}
	var fs []Expr
	size := 0
	for _, in := range m.Inputs {
		x := Ref{in.Name}
		if g.chance(0.1) && len(m.Inputs) > 1 {
			m.feature("features: an input left out")
			continue
		}
		var e []Expr
		switch k := g.r.IntN(8); {
		case k == 0:
			e = []Expr{x}
		case k == 1:
			e = []Expr{Fn{"cos", Bin{'*', Ref{"pi"}, x}}, Fn{"sin", Bin{'*', Ref{"pi"}, x}}}
		case k == 2:
			e = []Expr{Sq{x}, x}
		case k == 3:
			e = []Expr{Fn{"tanh", Bin{'*', Num{2}, x}}}
		case k == 4 && len(m.Consts) > 0:
			e = []Expr{Bin{'*', Ref{m.Consts[0].Name}, x}}
		case k == 5:
			e = []Expr{Fn{"exp", Neg{x}}}
		case k == 6 && len(in.Shape) == 0 && len(scalars) > 1:
			e = []Expr{Bin{'*', x, Ref{scalars[g.r.IntN(len(scalars))]}}, x}
		case k == 7 && len(in.Shape) == 0 && g.chance(0.5):
			// Random Fourier features of this input and, sometimes, another scalar one.
			f := Fourier{Args: []Expr{x}, M: 1 + g.r.IntN(3), Scale: []float64{0.3, 0.5, 1}[g.r.IntN(3)], Seed: g.r.IntN(5)}
			if len(scalars) > 1 && g.chance(0.5) {
				f.Args = append(f.Args, Ref{scalars[g.r.IntN(len(scalars))]})
			}
			fs = append(fs, f)
			size += 2 * f.M
			m.feature("fourier features")
			continue
		default:
			e = []Expr{Fn{"cos", x}}
		}
		fs = append(fs, e...)
		size += len(e) * in.Size()
	}
	if len(fs) == 0 {
		fs, size = []Expr{Ref{m.Inputs[0].Name}}, m.Inputs[0].Size()
	}
	switch kind {
	case "features of a non-input":
		fs = append(fs, Ref{g.pick("u", "y", "g1")})
	case "features and periodic":
		if len(m.Periodic) > 0 {
			break // there is one already
		}
		if len(scalars) > 0 {
			m.Periodic = append(m.Periodic, Periodic{Input: scalars[0], Lo: Num{0}, Hi: Num{1}})
		} else {
			kind = "a constant feature"
		}
	}
	if kind == "a constant feature" {
		fs = append(fs, Bin{'*', Num{2}, Ref{"pi"}})
	}
	if bad {
		g.mustRefuse(kind, "features ")
	}
	m.FeatureExprs, m.FeatureSize = fs, size
	m.feature("features statement")
}

// addCoefs declares 1–2 trainable coefficients with probability p; the generator must
// use each (mlc refuses a param the loss never uses). Call it after the layers.
func (g *gen) addCoefs(p float64) {
	if !g.chance(p) {
		return
	}
	n := g.intn(1, 2)
	if g.m.Points && !g.may("two params with one gradient") {
		n = 1
	} else if g.m.Points && n == 2 {
		g.usesBug("two params with one gradient")
	}
	for i := n; i > 0; i-- {
		name := g.fresh("k", []string{"nu", "k", "lam", "alpha", "kappa", "c_d", "D", "beta"}[g.r.IntN(8)])
		positive := g.chance(0.5)
		if positive && g.opt.DType == "float32" {
			if !g.may("positive param in float32") {
				positive = false
			} else {
				g.usesBug("positive param in float32")
			}
		}
		var v Expr
		if positive {
			v = g.pickExpr(Num{0.05}, Num{0.5}, Num{1}, Num{2}, Num{1e-2}, Bin{'/', Num{0.01}, Ref{"pi"}}, Bin{'*', Num{2}, Ref{"pi"}})
			g.m.feature("param positive")
		} else {
			v = g.pickExpr(Neg{Num{0.3}}, Num{0.7}, Num{0}, Neg{Num{1.5}}, Bin{'-', Num{1}, Ref{"pi"}})
			g.m.feature("param")
		}
		g.addCoef(name, v, positive)
	}
	g.m.CoefsEarly = g.chance(0.5)
}

// coefRef is one of the coefficients, or nil when there are none.
func (g *gen) coefRef() Expr {
	if len(g.m.Coefs) == 0 {
		return nil
	}
	return Ref{g.m.Coefs[g.r.IntN(len(g.m.Coefs))].Name}
}

// innerCoef is a weight inside an expression that is reduced by a mean: a round number, a
// constant, or a coefficient.
func (g *gen) innerCoef() Expr {
	if c := g.coefRef(); c != nil && g.chance(0.5) {
		g.m.feature("param in an expression")
		return c
	}
	return g.coef()
}

// lossCoef is the weight of a loss term (outside every mean): a round number, a constant,
// or (where that is not a known bug) a coefficient.
func (g *gen) lossCoef() Expr {
	if c := g.coefRef(); c != nil && g.chance(0.3) && g.may("param outside a mean") {
		g.usesBug("param outside a mean")
		g.m.feature("param as a loss weight")
		return c
	}
	return g.coef()
}

// unusedCoefs are the coefficients no let, output or loss uses yet.
func (g *gen) unusedCoefs() []string {
	used := map[string]bool{}
	walk := func(e Expr) {
		walkExpr(e, func(x Expr) {
			if r, ok := x.(Ref); ok {
				used[r.Name] = true
			}
		})
	}
	for _, l := range g.m.Lets {
		walk(l.Expr)
	}
	if g.m.Loss != nil {
		walk(g.m.Loss)
	}
	var out []string
	for _, c := range g.m.Coefs {
		if !used[c.Name] {
			out = append(out, c.Name)
		}
	}
	return out
}

// intConst is the name of a constant whose value is n, declared if need be.
func (g *gen) intConst(n int) string {
	for _, c := range g.m.Consts {
		if c.Value == float64(n) {
			return c.Name
		}
	}
	name := g.fresh("n", fmt.Sprintf("n%d", n))
	g.m.Consts = append(g.m.Consts, Const{Name: name, Expr: Num{float64(n)}, Value: float64(n)})
	return name
}

// power is an integer power of x on a base kept where the power is tame: small exponents
// of x itself, large ones of tanh(x), negative ones of 1 + x² or 2 + sin(x), and x^0 only
// as a factor of x.
func (g *gen) power(x Expr) Expr {
	n := 0
	var e Expr
	switch g.r.IntN(10) {
	case 0, 1, 2, 3:
		n = []int{3, 3, 4, 5, 1, 2}[g.r.IntN(6)]
		e = Pow{x, n, fmt.Sprint(n)}
	case 4:
		e = Bin{'*', Pow{x, 0, "0"}, x}
		g.m.feature("power: ^0")
	case 5:
		n = g.intn(6, 64)
		e = Pow{Fn{"tanh", x}, n, fmt.Sprint(n)}
		g.m.feature("power: large exponent")
	case 6, 7:
		n = -g.intn(1, 3)
		s := fmt.Sprint(n)
		if g.chance(0.3) {
			s = "(" + s + ")"
		}
		e = Pow{Bin{'+', Num{1}, Sq{x}}, n, s}
	case 8:
		e = Pow{Bin{'+', Num{2}, Fn{"sin", x}}, -1, "-1"}
		n = -1
	default:
		n = g.intn(2, 4)
		e = Pow{x, n, g.intConst(n)}
		g.m.feature("power: a constant's name as the exponent")
	}
	if n < 0 {
		g.m.feature("power: negative exponent")
	} else if n != 0 {
		g.m.feature("power: positive exponent")
	}
	return e
}

// termNames are the names a generator gives loss terms; riskyTermNames are names that
// generated code or the language uses for other things.
var (
	termNames      = []string{"data", "pde", "bc", "ic", "fit", "reg", "initial", "boundary", "smooth", "physics"}
	riskyTermNames = []string{"func", "T", "m", "total", "type", "loss", "New", "x", "u", "pi", "d", "mean", "go", "sums"}
)

// nameTerms names some top-level terms of a loss (`EXPR as NAME`), with probability p.
// A name that another term would get by itself (its residual's, its sets', its
// function's) is a known bug.
func (g *gen) nameTerms(p float64, terms []term) {
	if !g.chance(p) {
		return
	}
	auto := map[string]bool{"mse": true, "mae": true, "mean": true, "binary_crossentropy": true}
	for _, l := range g.m.Lets {
		auto[l.Name] = true
	}
	for _, s := range g.m.Sets {
		auto[s.Name] = true
	}
	used := map[string]bool{}
	const bug = "term named like another term's automatic name"
	for i := range terms {
		if !g.chance(0.6) || i == 0 && terms[i].neg {
			continue
		}
		name := termNames[g.r.IntN(len(termNames))]
		if g.chance(0.15) {
			name = riskyTermNames[g.r.IntN(len(riskyTermNames))]
			g.m.feature("loss term with a risky name")
		}
		if used[name] || auto[name] && !g.may(bug) {
			continue
		}
		if auto[name] {
			g.usesBug(bug)
			g.m.feature(bug)
		}
		used[name] = true
		terms[i].e = Named{terms[i].e, name}
	}
	g.m.feature("named loss terms")
}

// paramsAloneTerm appends a loss term of coefficients alone (0.1 * k^2), which mlc must
// refuse: summed part by part over the rows it would be counted once per part.
func (g *gen) paramsAloneTerm(terms []term) []term {
	c := g.coefRef()
	if c == nil {
		g.addCoef(g.fresh("k", "k"), Num{0.5}, false)
		c = g.coefRef()
	}
	var bad Expr = Bin{'*', Num{0.1}, Sq{c}}
	if g.may("refused at a shared subexpression") {
		g.usesBug("refused at a shared subexpression")
	} else {
		bad = Bin{'*', Num{0.1}, Sq{Bin{'+', c, Num{0.375}}}} // written nowhere else
	}
	g.mustRefuse("a term of params alone", src(bad))
	return append(terms, term{bad, false})
}

// mustRefuse marks m as carrying a construct mlc must refuse at the line of the last
// occurrence of at in the source.
func (g *gen) mustRefuse(kind, at string) {
	g.m.Outside, g.m.MustRefuse, g.m.RefuseAt = kind, true, at
}
