package difftest

import (
	"fmt"
	"slices"
)

// pointsModel draws a point-set (physics-informed) model: 1–3 scalar inputs, a dense
// network with one output u, 1–3 point sets (some with known values), lets and residuals
// with first, second and mixed derivatives, and a loss that is a weighted sum of means
// over sets and unions of sets. With outside it carries one of: a set difference, a mean
// inside a residual (or nested in a mean), a third derivative reached through a let.
func (g *gen) pointsModel(outside bool) {
	m := g.m
	m.Points = true
	for _, v := range []string{"x", "t", "z"}[:g.intn(1, maxVars)] {
		m.Inputs = append(m.Inputs, Tensor{v, nil})
	}
	groups := []int{len(m.Inputs)}
	if len(m.Inputs) > 1 && g.chance(0.3) {
		groups = slices.Repeat([]int{1}, len(m.Inputs))
	}
	m.feature("point inputs: %d", len(m.Inputs))
	smooth := []string{"tanh", "tanh", "sin", "sigmoid", "softplus", "silu", "linear"}
	n := g.intn(1, 3)
	for i := 0; i < n; i++ {
		if g.chance(0.12) {
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
		g.addLayer(&Layer{Kind: "dense", Units: g.intn(1, 8), Act: act})
	}
	g.addLayer(&Layer{Kind: "dense", Units: 1, Act: g.pick("linear", "linear", "tanh", "sin"), Out: "u"})
	for i := g.intn(0, 2); i > 0; i-- {
		g.addConst()
	}

	kind := ""
	if outside {
		kind = g.pick("set difference", "mean in a residual", "mean nested in a mean", "order 3 through a let")
		m.Outside = kind
	}
	nsets := g.intn(1, 3)
	if kind == "set difference" {
		nsets = max(nsets, 2)
	}
	for i, name := range []string{"bd", "interior", "init"}[:nsets] {
		s := Set{Name: name}
		if g.chance([]float64{0.7, 0.3, 0.5}[i]) {
			s.Known = append(s.Known, fmt.Sprintf("g%d", i+1))
			m.feature("known values")
			if g.chance(0.2) {
				s.Known = append(s.Known, fmt.Sprintf("k%d", i+1))
			}
		}
		m.Sets = append(m.Sets, s)
	}
	m.feature("point sets: %d", nsets)

	leaves := g.derivLeaves()
	if kind == "order 3 through a let" {
		v := m.Inputs[g.r.IntN(len(m.Inputs))].Name
		m.Lets = append(m.Lets, Let{"let", "uvv", D{Ref{"u"}, []string{v, v}}})
		w := m.Inputs[g.r.IntN(len(m.Inputs))].Name
		leaves = append(leaves, D{Ref{"uvv"}, []string{w}})
	} else if g.chance(0.35) {
		v := m.Inputs[0].Name
		m.Lets = append(m.Lets, Let{g.pick("let", "residual"), "u1", D{Ref{"u"}, []string{v}}})
		leaves = append(leaves, Ref{"u1"}, D{Ref{"u1"}, []string{v}})
		m.feature("d of a let (order 2)")
	}
	r := g.residual(leaves)
	// A let must be used (mlc refuses unused ones): make sure the residual uses the last
	// leaf, which is the one made of the let.
	if len(m.Lets) > 0 {
		used := false
		walkExpr(r, func(e Expr) {
			if ref, ok := e.(Ref); ok && ref.Name == m.Lets[0].Name {
				used = true
			}
		})
		if !used {
			r = Bin{'+', r, Bin{'*', g.coef(), leaves[len(leaves)-1]}}
		}
	}
	switch kind {
	case "mean in a residual":
		var mean Expr = Mean{Ref{"u"}}
		if g.chance(0.5) {
			mean = SetMean{[]string{m.Sets[g.r.IntN(nsets)].Name}, false, Sq{Ref{"u"}}}
		}
		r = Bin{'-', r, Bin{'*', g.coef(), mean}}
	}
	m.Lets = append(m.Lets, Let{g.pick("residual", "let"), "r", r})

	var terms []term
	add := func(e Expr) {
		if g.chance(0.5) {
			e = Bin{'*', g.coef(), e}
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
			var e Expr = Ref{"u"}
			switch g.r.IntN(4) {
			case 0:
				e = D{Ref{"u"}, []string{m.Inputs[0].Name}}
				m.feature("known value against a derivative")
			case 1:
				e = Bin{'*', Ref{"u"}, Ref{"u"}}
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
	}
	if g.chance(0.05) {
		terms = append(terms, term{Num{float64(g.intn(1, 3))}, false})
		m.feature("loss: a constant term")
	}
	m.Loss = sum(terms)
	m.LinearLoss = true
	m.Batch = g.intn(3, 16)
	m.writeSource(groups, nil, "")
}

// derivLeaves are the values a residual is made of: u, its first, second and mixed
// derivatives, the inputs, and derivatives of expressions of u. leaves[0] is u.
func (g *gen) derivLeaves() []Expr {
	m := g.m
	u := Ref{"u"}
	leaves := []Expr{u}
	for _, in := range m.Inputs {
		leaves = append(leaves, D{u, []string{in.Name}}, D{u, []string{in.Name, in.Name}})
	}
	if len(m.Inputs) > 1 {
		a, b := m.Inputs[0].Name, m.Inputs[1+g.r.IntN(len(m.Inputs)-1)].Name
		if g.chance(0.5) {
			a, b = b, a
		}
		leaves = append(leaves, D{u, []string{a, b}})
	}
	if g.chance(0.2) {
		v := m.Inputs[g.r.IntN(len(m.Inputs))].Name
		e := g.pickExpr(Bin{'*', u, u}, Fn{"sin", u}, Fn{"tanh", Bin{'*', Num{2}, u}})
		leaves = append(leaves, D{e, []string{v}})
		m.feature("d of an expression")
	}
	return leaves
}

// residual is a sum of 2–4 terms, each a weighted product of one or two leaves, perhaps
// with a forcing term sin(pi·x).
func (g *gen) residual(leaves []Expr) Expr {
	var terms []term
	for i := g.intn(2, 4); i > 0; i-- {
		var e Expr = leaves[g.r.IntN(len(leaves))]
		if g.chance(0.4) {
			e = Bin{'*', leaves[g.r.IntN(len(leaves))], e}
		}
		if g.chance(0.4) {
			e = Bin{'*', g.coef(), e}
		}
		terms = append(terms, term{e, len(terms) > 0 && g.chance(0.4)})
	}
	if g.chance(0.2) {
		x := g.m.Inputs[g.r.IntN(len(g.m.Inputs))].Name
		terms = append(terms, term{Fn{"sin", Bin{'*', Ref{"pi"}, Ref{x}}}, false})
		g.m.feature("input value in a residual")
	}
	r := sum(terms)
	walkExpr(r, func(e Expr) {
		if d, ok := e.(D); ok {
			switch {
			case len(d.Vars) == 2 && d.Vars[0] != d.Vars[1]:
				g.m.feature("d mixed second order")
			case len(d.Vars) == 2:
				g.m.feature("d second order")
			default:
				g.m.feature("d first order")
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
