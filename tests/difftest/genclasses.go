package difftest

// The generator's classifiers and per-sample functions: categorical cross-entropy terms, the
// shapes of per-sample values, reductions over a sample, and l2 penalties.

import "fmt"

// cceTerm draws, sometimes, a categorical cross-entropy of the output p, a vector of two
// or more values: of a softmax layer (computed from the logits) or of another output
// (scaled and clipped), against class labels or one value per class. A model has one
// classifier: every such term has the same classes, and the same label target.
func (g *gen) cceTerm(p namedOut) Expr {
	m := g.m
	if p.layer == nil || p.layer.Kind == "dropout" || len(p.shape) != 1 || p.shape[0] < 2 {
		return nil
	}
	k := p.shape[0]
	softmax := p.layer.Act == "softmax"
	// Other outputs are scaled to sum to 1: they must be positive (an output of relus
	// that are all 0 gives 0/0, as in Keras).
	positive := p.layer.Act == "sigmoid" || p.layer.Act == "softplus"
	if !(softmax && g.chance(0.6) || positive && g.chance(0.1)) || g.classes != 0 && g.classes != k {
		return nil
	}
	if g.classes == 0 {
		g.classes = k
		if g.chance(0.6) {
			g.labels = "y"
			if len(m.Targets) > 0 {
				g.labels = fmt.Sprintf("y%d", len(m.Targets)+1)
			}
			m.Targets = append(m.Targets, Tensor{g.labels, []int{1}})
			m.Labels[g.labels] = k
		}
	}
	name, y := "categorical_crossentropy", g.labels
	if y == "" {
		y = "y"
		if len(m.Targets) > 0 {
			y = fmt.Sprintf("y%d", len(m.Targets)+1)
		}
		m.Targets = append(m.Targets, Tensor{y, []int{k}})
		m.feature("loss categorical_crossentropy: one value per class")
	} else {
		if g.chance(0.3) {
			name = "sparse_categorical_crossentropy"
		}
		m.feature("loss categorical_crossentropy: class labels")
	}
	if softmax {
		m.feature("loss categorical_crossentropy on softmax (logits)")
	} else {
		m.feature("loss categorical_crossentropy clipped")
	}
	return LossFn{name, Ref{p.name}, Ref{y}}
}

// shapeOf is the shape of e per sample: nil for a value the same for every sample (numbers,
// constants, coefficients), [1] for a reduction over a sample's values (sum, max,
// logsumexp) and for a scalar input, else the shape of its largest operand.
func (g *gen) shapeOf(e Expr) []int {
	switch e := e.(type) {
	case Ref:
		for _, o := range g.outs {
			if o.name == e.Name {
				return o.shape
			}
		}
		for _, ts := range [][]Tensor{g.m.Inputs, g.m.Targets} {
			for _, t := range ts {
				if t.Name == e.Name {
					if t.Shape == nil {
						return []int{1}
					}
					return t.Shape
				}
			}
		}
		return nil
	case Fn:
		if rowFns[e.Name] && e.Name != "softmax" {
			return []int{1}
		}
		return g.shapeOf(e.X)
	case Neg:
		return g.shapeOf(e.X)
	case Sq:
		return g.shapeOf(e.X)
	case Pow:
		return g.shapeOf(e.X)
	case Bin:
		x, y := g.shapeOf(e.X), g.shapeOf(e.Y)
		if prod(y) > prod(x) || x == nil {
			return y
		}
		return x
	}
	return nil
}

// rowReduction wraps x, sometimes, in a function over the values of each sample: sum, max,
// logsumexp (a value per sample, which then repeats over the vectors it meets) or softmax
// (of a vector).
func (g *gen) rowReduction(x Expr) Expr {
	if !g.batched(x) || !g.chance(0.1) {
		return x
	}
	f := g.pick("sum", "max", "logsumexp", "softmax")
	if shape := g.shapeOf(x); f == "softmax" && (len(shape) != 1 || shape[0] < 2) {
		f = "sum"
	}
	g.m.feature("loss fn %s (per sample)", f)
	return Fn{f, x}
}

// l2 is, sometimes, the weight of a layer's l2 penalty.
func (g *gen) l2() float64 {
	if g.chance(0.1) {
		return []float64{1e-3, 0.01, 0.1}[g.r.IntN(3)]
	}
	return 0
}
