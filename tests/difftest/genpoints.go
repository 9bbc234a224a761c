package difftest

import (
	"fmt"
	"slices"
)

// fn is a per-point value a residual differentiates: a network output, a component, an
// output statement, with the order of derivative it already holds.
type fn struct {
	name  string
	order int
}

// pointsKinds are the constructs outside the language a point-set model may carry; those
// after the first three must be refused.
var pointsKinds = []string{"set difference", "mean in a residual", "mean nested in a mean",
	"order 5", "non-integer power", "output using a known value", "duplicate term name", "param never used",
	"periodic of an undeclared input", "features of a non-input", "features and periodic", "a constant feature", "a term of params alone"}

// pointsModel draws a point-set (physics-informed) model: 1–3 scalar inputs (perhaps
// periodic), a dense network whose output u may be named per component (u, v, p),
// trainable coefficients, output transforms, 1–3 point sets (some with known values), lets
// and residuals with derivatives up to the fourth order (mixed, and through lets), integer
// powers, and a loss that is a weighted sum of means over sets and unions of sets, some of
// its terms named. With outside it carries one construct of pointsKinds.
func (g *gen) pointsModel(outside bool) {
	m := g.m
	m.Points = true
	var scalars []string
	for _, v := range []string{"x", "t", "z"}[:g.intn(1, maxVars)] {
		m.Inputs = append(m.Inputs, Tensor{v, nil})
		scalars = append(scalars, v)
	}
	groups := []int{len(m.Inputs)}
	if len(m.Inputs) > 1 && g.chance(0.3) {
		groups = slices.Repeat([]int{1}, len(m.Inputs))
	}
	m.feature("point inputs: %d", len(m.Inputs))
	kind := ""
	if outside {
		kind = pointsKinds[g.r.IntN(len(pointsKinds))]
		m.Outside = kind
	}
	g.addPeriodic(0.25, scalars, false)
	if kind == "periodic of an undeclared input" {
		name := g.pick("q", "u", "s")
		m.Periodic = append(m.Periodic, Periodic{Input: name, Lo: Num{0}, Hi: Num{1}})
		g.mustRefuse(kind, "periodic "+name+" in")
	}
	g.addFeatures(0.12, kind)

	// Derivatives of order 3 and 4 make the most code (each order is one more forward-mode
	// pass over the graph below it): they go with small networks.
	g.maxOrder = 2
	if g.chance(0.4) || kind == "order 5" {
		g.maxOrder = jetOrder
	}
	smooth := []string{"tanh", "tanh", "sin", "sigmoid", "softplus", "silu", "linear"}
	var fs []fn
	n, width := g.intn(1, 3), 8
	if g.maxOrder > 2 {
		n, width = g.intn(1, 2), 5
	}
	for i := 0; i < n; i++ {
		if g.maxOrder == 2 && g.chance(0.12) {
			reps, w, act := g.intn(2, 3), g.intn(1, 6), g.pick(smooth...)
			for r := 0; r < reps; r++ {
				l := &Layer{Kind: "dense", Units: w, Act: act}
				if r == 0 {
					l.Repeat, l.RepeatLen = reps, 1
				}
				g.addLayer(l)
			}
			m.feature("repeat")
			continue
		}
		act := g.pick(smooth...)
		if g.chance(0.05) {
			act = "relu"
		}
		l := &Layer{Kind: "dense", Units: g.intn(1, width), Act: act}
		if g.chance(0.1) {
			l.Kind, l.Depth = "modified_mlp", g.intn(1, 3)
		} else if g.chance(0.1) {
			l.Factorize = []float64{0.5, 1}[g.r.IntN(2)]
		}
		if l.Kind == "dense" && g.chance(0.08) && !slices.ContainsFunc(fs, func(f fn) bool { return f.name == "ha" }) {
			l.Units = g.intn(2, 3)
			l.Outs = []string{"ha", "hb", "hc"}[:l.Units]
			for _, o := range l.Outs {
				fs = append(fs, fn{o, 0})
			}
			m.feature("named components of a hidden layer")
		}
		g.addLayer(l)
	}
	last := &Layer{Kind: "dense", Units: 1, Act: g.pick("linear", "linear", "tanh", "sin"), Out: "u"}
	if g.chance(0.25) {
		last.Units, last.Out = g.intn(2, 3), ""
		last.Outs = []string{"u", "v", "p"}[:last.Units]
	}
	g.addLayer(last)
	if len(last.Outs) > 0 {
		for _, o := range last.Outs {
			fs = append(fs, fn{o, 0})
		}
		fs[0], fs[len(fs)-len(last.Outs)] = fs[len(fs)-len(last.Outs)], fs[0]
	} else {
		fs = append([]fn{{"u", 0}}, fs...)
	}
	for i := g.intn(0, 2); i > 0; i-- {
		g.addConst()
	}

	nsets := g.intn(1, 3)
	if kind == "set difference" {
		nsets = max(nsets, 2)
	}
	for i, name := range []string{"bd", "interior", "init"}[:nsets] {
		s := Set{Name: name}
		if g.chance([]float64{0.7, 0.3, 0.5}[i]) || kind == "output using a known value" && i == 0 {
			s.Known = append(s.Known, fmt.Sprintf("g%d", i+1))
			m.feature("known values")
			if g.chance(0.2) {
				s.Known = append(s.Known, fmt.Sprintf("k%d", i+1))
			}
		}
		m.Sets = append(m.Sets, s)
	}
	m.feature("point sets: %d", nsets)
	g.addCoefs(0.35)

	outs := g.pointOutputs(fs, kind)
	main := fs[0]
	if len(outs) > 0 && g.chance(0.6) {
		main = outs[0]
		m.feature("residual of an output transform")
	}
	fs = append(fs, outs...)
	ffs := append([]fn{main}, fs...)
	leaves := g.derivLeaves(ffs)
	// must are leaves the residual must use: those made of a let (mlc refuses an unused
	// one) and the construct outside the language.
	var must []Expr
	switch {
	case kind == "order 5":
		vars := g.vars(5)
		if g.chance(0.5) {
			bad := D{Ref{main.name}, vars}
			if main.order > 0 {
				bad.Vars = vars[:5-main.order]
			}
			must = append(must, bad)
			g.m.RefuseAt = src(bad)
		} else {
			m.Lets = append(m.Lets, Let{Keyword: "let", Name: "u3", Expr: D{Ref{fs[0].name}, vars[:3]}})
			bad := D{Ref{"u3"}, vars[3:]}
			must = append(must, bad)
			g.m.RefuseAt = src(bad)
		}
		g.m.MustRefuse = true
		m.feature("order 5")
	case g.chance(0.4):
		must = g.derivLets(main, must)
	}
	r := g.residual(leaves, must)
	switch kind {
	case "mean in a residual":
		var mean Expr = Mean{Ref{"u"}}
		if g.chance(0.5) {
			mean = SetMean{[]string{m.Sets[g.r.IntN(nsets)].Name}, false, Sq{Ref{"u"}}}
		}
		r = Bin{'-', r, Bin{'*', g.coef(), mean}}
	case "non-integer power":
		var bad Expr
		switch g.r.IntN(5) {
		case 0:
			bad = Pow{Ref{main.name}, 0, "2.5"}
		case 1:
			bad = Pow{Bin{'+', Num{1}, Sq{Ref{"u"}}}, 0, "0.5"}
		case 2:
			bad = Pow{Ref{"u"}, 0, "(1/2)"}
		case 3:
			bad = Pow{Ref{"u"}, 0, m.Inputs[0].Name}
		default:
			bad = Pow{Ref{"u"}, 0, g.pick("65", "-70", "100")}
		}
		r = Bin{'+', r, Bin{'*', Num{0.5}, bad}}
		g.mustRefuse(kind, "^"+bad.(Pow).Src)
	}
	for _, c := range g.unusedCoefs() {
		r = Bin{'+', r, Bin{'*', Ref{c}, leaves[g.r.IntN(len(leaves))]}}
	}
	m.Lets = append(m.Lets, Let{Keyword: g.pick("residual", "let"), Name: "r", Expr: r})

	var terms []term
	add := func(e Expr) {
		if g.chance(0.5) {
			e = Bin{'*', g.lossCoef(), e}
		}
		terms = append(terms, term{e, len(terms) > 0 && g.chance(0.1)})
	}
	allSets := func() []string {
		var s []string
		for _, set := range m.Sets {
			s = append(s, set.Name)
		}
		return s
	}
	for _, s := range m.Sets {
		for _, k := range s.Known {
			if !g.chance(0.8) {
				continue
			}
			f := fs[g.r.IntN(len(fs))]
			var e Expr = Ref{f.name}
			switch g.r.IntN(4) {
			case 0:
				if f.order < g.maxOrder {
					e = D{Ref{f.name}, []string{m.Inputs[0].Name}}
					m.feature("known value against a derivative")
				}
			case 1:
				e = Bin{'*', e, e}
			}
			add(SetMean{[]string{s.Name}, false, Sq{Bin{'-', e, Ref{k}}}})
			m.feature("mean over one set")
		}
	}
	// The residual over a random non-empty union of sets.
	var over []string
	for _, s := range allSets() {
		if g.chance(0.6) {
			over = append(over, s)
		}
	}
	if len(over) == 0 {
		over = []string{m.Sets[nsets-1].Name}
	}
	if len(over) > 1 {
		m.feature("mean over a union of sets")
	}
	var rt Expr = Sq{Ref{"r"}}
	if g.chance(0.15) {
		rt = Ref{"r"}
		m.feature("mean of a residual, not squared")
	}
	add(SetMean{over, false, rt})
	if g.chance(0.3) {
		add(SetMean{allSets(), false, Sq{leaves[1+g.r.IntN(len(leaves)-1)]}})
	}
	switch kind {
	case "set difference":
		add(SetMean{[]string{m.Sets[0].Name, m.Sets[1+g.r.IntN(nsets-1)].Name}, true, Sq{Ref{"r"}}})
	case "mean nested in a mean":
		var inner Expr = Mean{Ref{"u"}}
		if g.chance(0.5) {
			inner = SetMean{[]string{m.Sets[g.r.IntN(nsets)].Name}, false, Ref{"u"}}
		}
		add(SetMean{[]string{m.Sets[g.r.IntN(nsets)].Name}, false, Sq{Bin{'-', Ref{"u"}, inner}}})
	case "duplicate term name":
		if len(terms) < 2 {
			add(SetMean{allSets(), false, Sq{Ref{"u"}}})
		}
	}
	if g.chance(0.05) {
		terms = append(terms, term{Num{float64(g.intn(1, 3))}, false})
		m.feature("loss: a constant term")
	}
	if kind == "a term of params alone" {
		terms = g.paramsAloneTerm(terms)
	}
	g.nameTerms(0.3, terms)
	if kind == "duplicate term name" {
		g.duplicateNames(terms)
	}
	m.Loss = sum(terms)
	if kind == "param never used" {
		g.unusedCoef()
	}
	m.LinearLoss = true
	m.Batch = g.intn(3, 16)
	if len(terms) > 1 && g.chance(0.3) { // drawn last: the models before it are unchanged
		m.Balance = true
		m.feature("balance = grad_norm")
		for i, t := range terms {
			if !hasMean(t.e) {
				continue // a term of params alone (or constant) keeps weight 1
			}
			w := g.param("weight_", nil)
			m.Params[w].Weight, m.Params[w].Term = true, i
		}
	}
	if g.chance(0.5) { // drawn after balance: the models before it are unchanged
		m.QuasiNewton = "bfgs"
		m.feature("bfgs")
	}
	m.writeSource(groups, nil, "")
}

// duplicateNames gives two terms of a loss the same name, as mlc must refuse.
func (g *gen) duplicateNames(terms []term) {
	name := g.pick("pde", "data", "bc")
	k := 0
	for i := range terms {
		if n, ok := terms[i].e.(Named); ok {
			terms[i].e = n.X
		}
		if k < 2 && (i > 0 || !terms[i].neg) {
			terms[i].e = Named{terms[i].e, name}
			k++
		}
	}
	g.mustRefuse("duplicate term name", " as "+name)
}

// unusedCoef declares a param that nothing uses, as mlc must refuse.
func (g *gen) unusedCoef() {
	name := g.fresh("k", "gamma", "unused")
	g.addCoef(name, Num{0.1}, g.chance(0.5))
	g.mustRefuse("param never used", "param "+name+" =")
}

// vars is n input names drawn with repetition: the variables of a derivative of order n.
func (g *gen) vars(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = g.m.Inputs[g.r.IntN(len(g.m.Inputs))].Name
	}
	return out
}

// pointOutputs draws the output statements of a point-set model (probability 0.25): each
// a transform of one of fs (x·u, a hard boundary condition, u + k·x, tanh(u), e^-x·u,
// d(u, x), a power, u itself, a product of two outputs of the network). With kind "output
// using a known value" the last one also subtracts a known value, which mlc must refuse.
func (g *gen) pointOutputs(fs []fn, kind string) []fn {
	m := g.m
	bad := kind == "output using a known value"
	if !bad && !g.chance(0.25) {
		return nil
	}
	var outs []fn
	n := 1
	if g.chance(0.25) {
		n = 2
	}
	for i := 0; i < n; i++ {
		base := fs[0]
		if g.chance(0.3) {
			base = fs[g.r.IntN(len(fs))]
		}
		b := Ref{base.name}
		x := Ref{m.Inputs[g.r.IntN(len(m.Inputs))].Name}
		name := g.fresh("w", "w", "phi", "q")
		order := base.order
		var e Expr
		switch k := g.r.IntN(9); {
		case k == 0:
			e = Bin{'*', x, b}
		case k == 1:
			e = Bin{'+', Bin{'*', Bin{'-', Num{1}, Sq{x}}, b}, Fn{"sin", Bin{'*', Ref{"pi"}, x}}}
			m.feature("output: a hard boundary condition")
		case k == 2 && len(m.Coefs) > 0:
			e = Bin{'+', b, Bin{'*', g.coefRef(), x}}
			m.feature("output using a param")
		case k == 3:
			e = Fn{"tanh", b}
		case k == 4:
			e = Bin{'*', Fn{"exp", Neg{x}}, b}
		case k == 5 && order < g.maxOrder:
			e = D{b, []string{x.Name}}
			order++
			m.feature("output: a derivative")
		case k == 6:
			e = g.power(b)
		case k == 7:
			e = b
		default:
			e = Bin{'*', b, Ref{fs[g.r.IntN(len(fs))].name}}
		}
		if bad && i == n-1 {
			for _, s := range m.Sets {
				if len(s.Known) > 0 {
					e = Bin{'-', e, Ref{s.Known[0]}}
					break
				}
			}
			g.mustRefuse(kind, "output "+name+" =")
		}
		m.Lets = append(m.Lets, Let{Keyword: "output", Name: name, Expr: e, Size: 1})
		outs = append(outs, fn{name, order})
	}
	m.feature("output statements: %d", n)
	return outs
}

// derivLeaves are the values a residual is made of: the main function fs[0], its first,
// second and mixed derivatives, sometimes a third or fourth one, the other functions and
// their first derivatives, and derivatives of expressions of the main function.
// leaves[0] is fs[0].
func (g *gen) derivLeaves(fs []fn) []Expr {
	m := g.m
	f := fs[0]
	u := Ref{f.name}
	leaves := []Expr{u}
	d := func(f fn, vars ...string) {
		if f.order+len(vars) <= g.maxOrder {
			leaves = append(leaves, D{Ref{f.name}, vars})
		}
	}
	for _, in := range m.Inputs {
		d(f, in.Name)
		d(f, in.Name, in.Name)
	}
	if len(m.Inputs) > 1 {
		a, b := m.Inputs[0].Name, m.Inputs[1+g.r.IntN(len(m.Inputs)-1)].Name
		if g.chance(0.5) {
			a, b = b, a
		}
		d(f, a, b)
	}
	if g.chance(0.3) {
		d(f, g.vars(3)...)
	}
	if g.chance(0.25) {
		d(f, g.vars(4)...)
	}
	for _, o := range fs[1:] {
		if o != f && g.chance(0.5) {
			leaves = append(leaves, Ref{o.name})
			d(o, g.vars(g.intn(1, 2))...)
		}
	}
	if g.chance(0.2) && f.order < g.maxOrder {
		v := m.Inputs[g.r.IntN(len(m.Inputs))].Name
		e := g.pickExpr(Bin{'*', u, u}, Fn{"sin", u}, Fn{"tanh", Bin{'*', Num{2}, u}}, g.power(u))
		vars := []string{v}
		if f.order < g.maxOrder-1 && g.chance(0.3) {
			vars = append(vars, g.vars(1)...)
		}
		leaves = append(leaves, D{e, vars})
		m.feature("d of an expression")
	}
	return leaves
}

// derivLets declares lets that hold derivatives and returns must with derivatives of them
// appended: d(u1, x) of u1 = d(u, x) (order 2), d(uxx, x, x) of uxx = d(u, x, x) (order
// 4), d(uxx, t) (order 3), or a chain u1 = d(u, x), u2 = d(u1, t), d(u2, x, x) (order 4).
func (g *gen) derivLets(f fn, must []Expr) []Expr {
	m := g.m
	kw := func() string { return g.pick("let", "residual", "let") }
	left := g.maxOrder - f.order
	switch k := g.r.IntN(4); {
	case k == 0 && left >= 2 || left == 2:
		v := m.Inputs[0].Name
		m.Lets = append(m.Lets, Let{Keyword: kw(), Name: "u1", Expr: D{Ref{f.name}, []string{v}}})
		must = append(must, Ref{"u1"}, D{Ref{"u1"}, []string{v}})
		m.feature("d of a let (order 2)")
	case k == 1 && left >= 3:
		v := g.vars(2)
		m.Lets = append(m.Lets, Let{Keyword: kw(), Name: "uvv", Expr: D{Ref{f.name}, v}})
		must = append(must, D{Ref{"uvv"}, g.vars(1)})
		m.feature("d of a let (order 3)")
	case k == 2 && left >= 4:
		v := g.vars(2)
		m.Lets = append(m.Lets, Let{Keyword: kw(), Name: "uvv", Expr: D{Ref{f.name}, v}})
		must = append(must, D{Ref{"uvv"}, g.vars(2)})
		m.feature("d of a let (order 4)")
	case left >= 4:
		m.Lets = append(m.Lets, Let{Keyword: kw(), Name: "u1", Expr: D{Ref{f.name}, g.vars(1)}})
		m.Lets = append(m.Lets, Let{Keyword: kw(), Name: "u2", Expr: D{Ref{"u1"}, g.vars(1)}})
		must = append(must, D{Ref{"u2"}, g.vars(2)})
		m.feature("d of a let of a let (order 4)")
	case left >= 1:
		m.Lets = append(m.Lets, Let{Keyword: kw(), Name: "u1", Expr: Bin{'*', Ref{f.name}, Ref{f.name}}})
		must = append(must, D{Ref{"u1"}, g.vars(1)})
		m.feature("d of a let")
	}
	return must
}

// residual is a sum of 2–4 terms, each a weighted product of one or two leaves (a leaf
// perhaps raised to an integer power), perhaps with a forcing term sin(pi·x), and a
// weighted term for each of must.
func (g *gen) residual(leaves, must []Expr) Expr {
	var terms []term
	leaf := func() Expr {
		e := leaves[g.r.IntN(len(leaves))]
		if g.chance(0.12) {
			e = g.power(e)
		}
		return e
	}
	for i := g.intn(2, 4); i > 0; i-- {
		e := leaf()
		if g.chance(0.4) {
			e = Bin{'*', leaf(), e}
		}
		if g.chance(0.4) {
			e = Bin{'*', g.innerCoef(), e}
		}
		terms = append(terms, term{e, len(terms) > 0 && g.chance(0.4)})
	}
	for _, e := range must {
		if g.chance(0.5) {
			e = Bin{'*', g.innerCoef(), e}
		}
		terms = append(terms, term{e, g.chance(0.4)})
	}
	if g.chance(0.2) {
		x := g.m.Inputs[g.r.IntN(len(g.m.Inputs))].Name
		terms = append(terms, term{Fn{"sin", Bin{'*', Ref{"pi"}, Ref{x}}}, false})
		g.m.feature("input value in a residual")
	}
	r := sum(terms)
	walkExpr(r, func(e Expr) {
		if d, ok := e.(D); ok {
			switch n := len(d.Vars); {
			case n == 2 && d.Vars[0] != d.Vars[1]:
				g.m.feature("d mixed second order")
			case n == 2:
				g.m.feature("d second order")
			case n == 1:
				g.m.feature("d first order")
			case !slices.Equal(d.Vars, slices.Repeat(d.Vars[:1], n)):
				g.m.feature("d mixed order %d", n)
			default:
				g.m.feature("d order %d", n)
			}
		}
		if b, ok := e.(Bin); ok && b.Op == '*' {
			if _, isNum := b.X.(Num); !isNum {
				g.m.feature("product in a residual")
			}
		}
	})
	return r
}

// hasMean reports whether e averages something over the points.
func hasMean(e Expr) bool {
	found := false
	walkExpr(e, func(x Expr) {
		switch x.(type) {
		case Mean, SetMean:
			found = true
		}
	})
	return found
}
