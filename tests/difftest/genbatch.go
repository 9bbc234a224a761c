package difftest

import (
	"fmt"
	"slices"
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
	targetGroups := g.batchLoss(outside)
	m.writeSource(groups, targetGroups, "")
}

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
		if last {
			l.Out = g.lastOut()
		} else if g.chance(0.3) {
			l.Out = fmt.Sprintf("h%d", i+1)
		}
		g.addLayer(l)
		if !last || g.chance(0.1) {
			g.maybeDropout(0.25, "")
		}
	}
}

func (g *gen) convStack() {
	n := g.intn(1, 3)
	for i := 0; i < n; i++ {
		in := g.m.Inputs[0].Shape
		if len(g.m.Layers) > 0 {
			in = g.m.Layers[len(g.m.Layers)-1].OutShape
		}
		steps := in[0]
		last := i == n-1
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
		l := &Layer{Kind: "conv1d", Units: g.intn(1, 4), Kernel: g.intn(1, min(4, steps)), Stride: 1, Same: g.chance(0.5), Act: g.pick(activations...)}
		if steps > 2 && g.chance(0.3) {
			l.Stride = 2
		}
		if last {
			l.Out = g.lastOut()
		} else if g.chance(0.3) {
			l.Out = fmt.Sprintf("h%d", i+1)
		}
		g.addLayer(l)
		if !last || g.chance(0.1) {
			g.maybeDropout(0.25, "")
		}
	}
}

// batchLoss draws the loss of a mini-batch model and declares the targets it uses. It
// returns how the targets are grouped into statements.
func (g *gen) batchLoss(outside bool) []int {
	m := g.m
	for i := g.intn(0, 2); i > 0; i-- {
		g.addConst()
	}
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
	nonlinear := -1
	if outside {
		nonlinear = g.r.IntN(nterms)
		m.Outside = "loss nonlinear in its means"
	}
	for i := 0; i < nterms; i++ {
		p := g.outs[len(g.outs)-1]
		if g.chance(0.4) {
			p = g.outs[g.r.IntN(len(g.outs))]
		}
		var t Expr
		if g.chance(0.6) {
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
			sigmoid := p.layer.Act == "sigmoid" && p.layer.Kind != "dropout"
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
		if g.chance(0.5) {
			t = Bin{'*', g.coef(), t}
		}
		neg := i > 0 && g.chance(0.2)
		terms = append(terms, term{t, neg})
	}
	if g.chance(0.05) {
		terms = append(terms, term{Num{float64(g.intn(1, 3))}, false})
		m.feature("loss: a constant term")
	}
	m.Loss = sum(terms)
	m.LinearLoss = !outside
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
// but numbers, pi and constants).
func (g *gen) batched(e Expr) bool {
	found := false
	walkExpr(e, func(x Expr) {
		if r, ok := x.(Ref); ok && r.Name != "pi" && !slices.ContainsFunc(g.m.Consts, func(c Const) bool { return c.Name == r.Name }) {
			found = true
		}
	})
	return found
}
