package difftest

import (
	"fmt"
	"slices"
	"strings"
)

// batchModel draws a mini-batch model: one vector, several scalars, several vectors or a
// series as input; dense or conv1d layers with dropout and repeat; a loss that is a
// weighted sum of mse, mae, binary cross-entropy and means of elementwise expressions.
// With outside, one term of the loss is nonlinear in its means and the batch is large
// enough to be split between the workers.
func (g *gen) batchModel(outside bool) {
	m := g.m
	var groups []int
	switch g.r.IntN(4) {
	case 0:
		if g.chance(0.2) {
			m.Inputs = []Tensor{{"a", nil}}
		} else {
			m.Inputs = []Tensor{{"x", []int{g.intn(1, 6)}}}
		}
		groups = []int{1}
	case 1:
		for _, n := range []string{"a", "b", "c"}[:g.intn(2, 3)] {
			m.Inputs = append(m.Inputs, Tensor{n, nil})
		}
		groups = []int{len(m.Inputs)}
		m.feature("several inputs: scalars")
	case 2:
		m.Inputs = []Tensor{{"x", []int{g.intn(1, 4)}}, {"z", []int{g.intn(1, 3)}}}
		if g.chance(0.3) {
			m.Inputs = append(m.Inputs, Tensor{"w", nil})
		}
		groups = slices.Repeat([]int{1}, len(m.Inputs))
		if g.chance(0.3) {
			groups = []int{len(m.Inputs)}
		}
		m.feature("several inputs: vectors")
	case 3:
		m.Inputs = []Tensor{{"s", []int{g.intn(4, 12), g.intn(1, 3)}}}
		groups = []int{1}
		m.feature("series input")
	}
	kind := ""
	if outside {
		kind = batchKinds[g.r.IntN(len(batchKinds))]
		if len(m.Inputs[0].Shape) == 2 && strings.Contains(kind, "feature") {
			kind = "non-integer power" // a series has no features statement
		}
		m.Outside = kind
	}
	var scalars []string
	var vectors []string
	for _, in := range m.Inputs {
		if in.Size() == 1 && len(in.Shape) < 2 {
			scalars = append(scalars, in.Name)
		} else {
			vectors = append(vectors, in.Name)
		}
	}
	g.addPeriodic(0.25, scalars, true)
	if kind == "periodic of a vector input" {
		name := "q"
		if len(vectors) > 0 {
			name = vectors[g.r.IntN(len(vectors))]
		}
		m.Periodic = append(m.Periodic, Periodic{Input: name, Lo: Num{0}, Hi: Num{1}})
		g.mustRefuse(kind, "periodic "+name+" in")
	}
	g.addFeatures(0.12, kind)
	if len(m.Inputs[0].Shape) == 2 {
		g.convStack()
	} else {
		g.denseStack()
	}
	m.Batch = g.intn(2, 40)
	if outside || g.chance(0.25) {
		m.Batch = g.intn(64, 130)
		m.feature("batch >= 64 (split)")
	}
	targetGroups := g.batchLoss(kind)
	m.writeSource(groups, targetGroups, "")
}

// batchKinds are the constructs outside the language a mini-batch model may carry; those
// after the first must be refused.
var batchKinds = []string{"loss nonlinear in its means", "non-integer power", "output using a known value",
	"duplicate term name", "param never used", "periodic of a vector input", "features of a non-input", "features and periodic",
	"a constant feature", "a term of params alone"}

// maybeDropout adds a dropout layer with probability p.
func (g *gen) maybeDropout(p float64, name string) {
	if g.chance(p) {
		g.addLayer(&Layer{Kind: "dropout", Rate: []float64{0.1, 0.2, 0.5, 0}[g.r.IntN(4)], Out: name})
	}
}

// lastOut names the final layer u, or leaves it unnamed (output) when another name can
// carry the loss.
func (g *gen) lastOut() string {
	if len(g.outs) > 0 && g.chance(0.15) {
		g.m.feature("unnamed output layer")
		return ""
	}
	return "u"
}

func (g *gen) denseStack() {
	if g.chance(0.06) {
		g.maybeDropout(1, "d0")
	}
	n := g.intn(1, 4)
	for i := 0; i < n; i++ {
		last := i == n-1
		if !last && g.chance(0.15) {
			reps, width, act := g.intn(2, 3), g.intn(1, 8), g.pick(activations...)
			body := []*Layer{{Kind: "dense", Units: width, Act: act}}
			if g.chance(0.4) {
				body = append(body, &Layer{Kind: "dropout", Rate: 0.1})
			}
			for r := 0; r < reps; r++ {
				for k, b := range body {
					l := *b
					if r == 0 && k == 0 {
						l.Repeat, l.RepeatLen = reps, len(body)
					}
					g.addLayer(&l)
				}
			}
			g.m.feature("repeat")
			continue
		}
		l := &Layer{Kind: "dense", Units: g.intn(1, 8), Act: g.pick(activations...)}
		if l.Units >= 2 && g.chance(0.12) {
			l.Act = "softmax"
		} else if !last && g.chance(0.06) {
			l.Kind, l.Depth = "modified_mlp", g.intn(1, 3)
		}
		if l.Kind == "dense" {
			l.L2 = g.l2() // modified_mlp takes none
		}
		if l.Kind == "dense" && l.L2 == 0 && g.chance(0.05) {
			l.Factorize = 1
		}
		if last {
			l.Out = g.lastOut()
			if l.Out == "u" && g.chance(0.2) {
				l.Units, l.Out = g.intn(2, 4), ""
				l.Outs = []string{"u", "v", "o3", "o4"}[:l.Units]
			}
		} else if g.chance(0.3) {
			l.Out = fmt.Sprintf("h%d", i+1)
		} else if g.chance(0.08) {
			l.Units = g.intn(2, 3)
			for k := range l.Units {
				l.Outs = append(l.Outs, fmt.Sprintf("h%d%c", i+1, 'a'+k))
			}
			g.m.feature("named components of a hidden layer")
		}
		g.addLayer(l)
		if !last || g.chance(0.1) {
			g.maybeDropout(0.25, "")
		}
	}
}

func (g *gen) convStack() {
	n := g.intn(1, 3)
	head := g.chance(0.3) // a dense head after the convolutions
	for i := 0; i < n; i++ {
		in := g.m.Inputs[0].Shape
		if len(g.m.Layers) > 0 {
			in = g.m.Layers[len(g.m.Layers)-1].OutShape
		}
		steps := in[0]
		last := i == n-1 && !head
		if !last && g.chance(0.15) {
			reps := g.intn(2, 3)
			l := Layer{Kind: "conv1d", Units: g.intn(1, 4), Kernel: g.intn(1, 4), Stride: 1, Same: true, Act: g.pick(activations...)}
			for r := 0; r < reps; r++ {
				c := l
				if r == 0 {
					c.Repeat, c.RepeatLen = reps, 1
				}
				g.addLayer(&c)
			}
			g.m.feature("repeat")
			continue
		}
		l := &Layer{Kind: "conv1d", Units: g.intn(1, 4), Kernel: g.intn(1, min(4, steps)), Stride: 1, Same: g.chance(0.5), Act: g.pick(activations...), L2: g.l2()}
		if steps > 2 && g.chance(0.3) {
			l.Stride = 2
		}
		if last {
			l.Out = g.lastOut()
		} else if g.chance(0.3) {
			l.Out = fmt.Sprintf("h%d", i+1)
		}
		g.addLayer(l)
		if out := l.OutShape; !last && out[0] >= 2 && g.chance(0.3) {
			pool := g.intn(2, min(3, out[0]))
			g.addLayer(&Layer{Kind: g.pick("maxpool1d", "avgpool1d"), Kernel: pool, Stride: g.intn(1, pool)})
		}
		if !last || g.chance(0.1) {
			g.maybeDropout(0.25, "")
		}
	}
	if head {
		g.addLayer(&Layer{Kind: g.pick("flatten", "flatten", "global_maxpool1d", "global_avgpool1d")})
		g.maybeDropout(0.2, "")
		l := &Layer{Kind: "dense", Units: g.intn(1, 5), Act: g.pick(activations...)}
		if l.Units >= 2 && g.chance(0.3) {
			l.Act = "softmax"
		}
		l.Out = g.lastOut()
		g.addLayer(l)
		g.m.feature("conv1d with a dense head")
	}
}

// batchLoss draws the loss of a mini-batch model and declares the targets it uses. It
// returns how the targets are grouped into statements.
func (g *gen) batchLoss(kind string) []int {
	m := g.m
	for i := g.intn(0, 2); i > 0; i-- {
		g.addConst()
	}
	// A coefficient multiplies values of one element (a [1] output) only, unless the
	// bug that refuses it with a vector is wanted.
	scalarOut := slices.ContainsFunc(g.outs, func(o namedOut) bool { return slices.Equal(o.shape, []int{1}) })
	if scalarOut || g.may("param times a vector") {
		g.addCoefs(0.3)
	}
	g.batchOutputs(kind)
	targetOf := map[string]string{}
	target := func(p namedOut) string {
		if t, ok := targetOf[p.name]; ok && g.chance(0.8) {
			return t
		}
		name := "y"
		if len(m.Targets) > 0 {
			name = fmt.Sprintf("y%d", len(m.Targets)+1)
		}
		m.Targets = append(m.Targets, Tensor{name, p.shape})
		targetOf[p.name] = name
		return name
	}
	var terms []term
	nterms := g.intn(1, 4)
	if kind == "duplicate term name" {
		nterms = max(nterms, 2)
	}
	nonlinear := -1
	if kind == "loss nonlinear in its means" {
		nonlinear = g.r.IntN(nterms)
	}
	for i := 0; i < nterms; i++ {
		p := g.outs[len(g.outs)-1]
		if g.chance(0.4) {
			p = g.outs[g.r.IntN(len(g.outs))]
		}
		var t Expr
		if cce := g.cceTerm(p); cce != nil {
			t = cce
		} else if g.chance(0.6) {
			y := ""
			for _, in := range m.Inputs {
				if slices.Equal(in.Shape, p.shape) && g.chance(0.3) {
					y = in.Name
					m.feature("loss against an input")
				}
			}
			if y == "" {
				y = target(p)
			}
			fn := g.pick("mse", "mse", "mae")
			sigmoid := p.layer != nil && p.layer.Act == "sigmoid" && p.layer.Kind != "dropout"
			if sigmoid && g.chance(0.6) || g.chance(0.1) {
				fn = "binary_crossentropy"
				if sigmoid {
					m.feature("loss bce on sigmoid (logits)")
				} else {
					m.feature("loss bce clipped")
				}
				m.Binary[y] = true
			} else {
				m.feature("loss %s", fn)
			}
			t = LossFn{fn, Ref{p.name}, Ref{y}}
		} else {
			leaves := []Expr{Ref{p.name}, Num{0.5}}
			for _, o := range g.outs {
				if slices.Equal(o.shape, p.shape) && o.name != p.name {
					leaves = append(leaves, Ref{o.name})
				}
			}
			for _, in := range m.Inputs {
				if slices.Equal(in.Shape, p.shape) || len(in.Shape) == 0 && slices.Equal(p.shape, []int{1}) {
					leaves = append(leaves, Ref{in.Name})
				}
			}
			if len(m.Consts) > 0 {
				leaves = append(leaves, Ref{m.Consts[0].Name})
			}
			if c := g.coefRef(); c != nil && (slices.Equal(p.shape, []int{1}) || g.may("param times a vector")) {
				if !slices.Equal(p.shape, []int{1}) {
					g.usesBug("param times a vector")
				}
				leaves = append(leaves, c)
				m.feature("param in an expression")
			}
			if t, ok := targetOf[p.name]; ok {
				leaves = append(leaves, Ref{t})
			}
			e := g.elem(g.intn(1, 3), leaves)
			if !g.batched(e) {
				// The first term depends on the network: a loss that is a constant is refused.
				if g.chance(0.9) || i == 0 {
					e = Bin{'*', e, Ref{p.name}}
				} else {
					m.feature("loss: a constant term")
				}
			}
			t = Mean{e}
			m.feature("loss mean(e)")
		}
		if i == nonlinear {
			switch g.r.IntN(3) {
			case 0:
				t = Sq{t}
			case 1:
				if _, isMean := t.(Mean); isMean {
					t = Sq{t}
				}
				t = Fn{"log", Bin{'+', Num{1}, t}}
			default:
				t = Bin{'*', t, Mean{Sq{Ref{p.name}}}}
			}
		}
		if g.chance(0.5) && g.batched(t) {
			t = Bin{'*', g.lossCoef(), t}
		} else if g.chance(0.5) {
			// A param weighting a term of constants would make a term of params alone.
			t = Bin{'*', g.coef(), t}
		}
		neg := i > 0 && g.chance(0.2)
		terms = append(terms, term{t, neg})
	}
	if kind == "non-integer power" {
		p := g.outs[len(g.outs)-1]
		bad := g.pickExpr(Pow{Ref{p.name}, 0, "2.5"}, Pow{Bin{'+', Num{1}, Sq{Ref{p.name}}}, 0, "0.5"},
			Pow{Ref{p.name}, 0, "(1/3)"}, Pow{Ref{p.name}, 0, g.pick("65", "-65", "128")}).(Pow)
		if c := g.coefRef(); c != nil && g.chance(0.3) {
			bad.Src = c.(Ref).Name
		}
		terms = append(terms, term{Mean{bad}, false})
		g.mustRefuse(kind, "^"+bad.Src)
	}
	for _, c := range g.unusedCoefs() {
		// A coefficient no term drew: a term of its own, on an output of one element.
		var p Expr = Num{0.5}
		for _, o := range g.outs {
			if slices.Equal(o.shape, []int{1}) || g.may("param times a vector") {
				p = Ref{o.name}
			}
		}
		terms = append(terms, term{Mean{Bin{'*', Ref{c}, Sq{p}}}, false})
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
	m.LinearLoss = kind != "loss nonlinear in its means"
	if len(terms) > 1 {
		m.feature("loss: several terms")
	}
	if len(m.Targets) > 1 {
		m.feature("several targets")
	}
	if len(m.Targets) == 0 {
		return nil
	}
	if len(m.Targets) > 1 && g.chance(0.5) {
		return slices.Repeat([]int{1}, len(m.Targets))
	}
	return []int{len(m.Targets)}
}

// batched reports whether e refers to a value that differs from row to row (anything
// but numbers, pi, constants and coefficients).
func (g *gen) batched(e Expr) bool {
	found := false
	walkExpr(e, func(x Expr) {
		if r, ok := x.(Ref); ok && r.Name != "pi" && !slices.ContainsFunc(g.m.Consts, func(c Const) bool { return c.Name == r.Name }) &&
			!slices.ContainsFunc(g.m.Coefs, func(c *Coef) bool { return c.Name == r.Name }) {
			found = true
		}
	})
	return found
}

// batchOutputs draws the output statements of a mini-batch model (probability 0.25):
// each a transform of a named output (2·u, tanh(u), u + x, k·u, a power, u itself, the
// difference of two outputs of one shape), which the loss then uses. With kind "output
// using a known value" the last one also subtracts a target, which mlc must refuse.
func (g *gen) batchOutputs(kind string) {
	m := g.m
	bad := kind == "output using a known value"
	if !bad && !g.chance(0.25) {
		return
	}
	n := 1
	if g.chance(0.3) {
		n = 2
	}
	var vecs []namedOut // an output is a number or a vector per row
	for _, o := range g.outs {
		if len(o.shape) == 1 {
			vecs = append(vecs, o)
		}
	}
	if len(vecs) == 0 {
		if !bad {
			return
		}
		vecs, n = g.outs, 1 // refused for its target, before its shape is looked at
	}
	for i := 0; i < n; i++ {
		p := vecs[len(vecs)-1]
		if g.chance(0.4) {
			p = vecs[g.r.IntN(len(vecs))]
		}
		b := Ref{p.name}
		scalar := slices.Equal(p.shape, []int{1})
		name := g.fresh("w", "w", "phi", "out1")
		var e Expr
		switch k := g.r.IntN(8); {
		case k == 0:
			e = Bin{'*', Num{2}, b}
		case k == 1:
			e = Fn{"tanh", b}
		case k == 2 && len(m.Coefs) > 0 && (scalar || g.may("param times a vector")):
			c := m.Coefs[g.r.IntN(len(m.Coefs))]
			if c.Positive && !g.may("positive param in a mini-batch output") {
				e = Bin{'*', Num{2}, b}
				break
			}
			if c.Positive {
				g.usesBug("positive param in a mini-batch output")
			}
			if !scalar {
				g.usesBug("param times a vector")
			}
			e = Bin{'*', Ref{c.Name}, b}
			m.feature("output using a param")
		case k == 3:
			e = g.power(b)
		case k == 4:
			e = b
		default:
			e = Bin{'+', b, Num{0.5}}
			for _, o := range g.outs {
				if o.name != p.name && slices.Equal(o.shape, p.shape) {
					e = Bin{'-', b, Ref{o.name}}
				}
			}
			for _, in := range m.Inputs {
				if slices.Equal(in.Shape, p.shape) || len(in.Shape) == 0 && scalar {
					if g.chance(0.5) {
						e = Bin{'+', b, Ref{in.Name}}
						m.feature("output using an input")
					}
				}
			}
		}
		if bad && i == n-1 {
			y := "y"
			if len(m.Targets) > 0 {
				y = fmt.Sprintf("y%d", len(m.Targets)+1)
			}
			m.Targets = append(m.Targets, Tensor{y, p.shape})
			e = Bin{'-', e, Ref{y}}
			g.mustRefuse(kind, "output "+name+" =")
		}
		m.Lets = append(m.Lets, Let{Keyword: "output", Name: name, Expr: e, Size: prod(p.shape)})
		g.outs = append(g.outs, namedOut{name, p.shape, nil})
	}
	m.feature("output statements: %d", n)
}
