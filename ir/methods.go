package ir

// The training methods of the train statement: balance = grad_norm (loss terms weighted
// by their gradient norms), resample = rad (sampled points drawn again by their
// residuals) and causal(t, …) (sampled points weighed by time chunk).

import (
	"math"
	"slices"
	"strings"

	"github.com/mlc-go/mlc/dsl"
)

// balance reads `balance = grad_norm` or `balance = grad_norm(every = N, alpha = A)`.
func (l *lowerer) balance(x dsl.Expr) {
	b := &Balance{Every: 100, Alpha: 0.9, Pos: x.ExprPos()}
	const want = "balance takes grad_norm or grad_norm(every = N, alpha = A): the loss terms weighted by their gradient norms"
	switch v := x.(type) {
	case *dsl.Ident:
		if v.Name != "grad_norm" {
			l.errorf(v.Pos, "%s, found %s", want, v.Name)
			return
		}
	case *dsl.Call:
		if v.Fun.Name != "grad_norm" {
			l.errorf(v.Fun.Pos, "%s, found %s(…)", want, v.Fun.Name)
			return
		}
		for _, a := range v.Args {
			switch {
			case a.Name != nil && a.Name.Name == "every":
				if n, ok := l.intExpr(a.Value, "a number of steps"); ok {
					if n < 1 {
						l.errorf(a.Value.ExprPos(), "grad_norm: every is a number of steps, at least 1; found %d", n)
						return
					}
					b.Every = n
				}
			case a.Name != nil && a.Name.Name == "alpha":
				if f, ok := l.constExpr(a.Value); ok {
					if f < 0 || f >= 1 {
						l.errorf(a.Value.ExprPos(), "grad_norm: alpha is the weight of the old value in the moving average, in [0, 1); found %v", f)
						return
					}
					b.Alpha = f
				}
			default:
				l.errorf(a.Value.ExprPos(), "grad_norm takes every = N and alpha = A")
				return
			}
		}
	default:
		l.errorf(x.ExprPos(), "%s", want)
		return
	}
	l.m.Settings.Balance = b
}

// balanceWeights declares a coefficient weight_TERM of value 1 for each term of the loss
// when the train statement balances them.
func (l *lowerer) balanceWeights() {
	b := l.m.Settings.Balance
	if b == nil || l.loss == nil {
		return
	}
	if len(l.m.PointSets) == 0 {
		l.errorf(b.Pos, "balance = grad_norm weighs the terms of a model trained on point sets (points statements); this model trains on mini-batches of data")
		return
	}
	parts, _ := splitTerms(l.loss.Expr)
	if len(parts) < 2 {
		l.errorf(b.Pos, "balance = grad_norm weighs the terms of the loss against each other, and this loss has one term; write it as a sum of terms")
		return
	}
	e := &lossLowerer{l: l}
	for i, name := range termNamesOf(e, parts) {
		if !averagesPoints(parts[i]) {
			continue // a term of params alone or a constant has no gradient to balance: weight 1
		}
		c := &Coefficient{Name: "weight_" + strings.ReplaceAll(name, "+", "_"), Init: 1, Term: i + 1, Pos: b.Pos}
		if l.declare(&dsl.Ident{Name: c.Name, Pos: b.Pos}, &binding{kind: "param", pos: b.Pos}) {
			l.m.Coefficients = append(l.m.Coefficients, c)
		}
	}
}

// resample reads `resample = rad` or `resample = rad(every = N, k = K, c = C)`.
func (l *lowerer) resample(x dsl.Expr) {
	r := &Resample{Every: 500, K: 1, C: 1, Pos: x.ExprPos()}
	const want = "resample takes rad or rad(every = N, k = K, c = C): the sampled points drawn again where the residuals are large"
	switch v := x.(type) {
	case *dsl.Ident:
		if v.Name != "rad" {
			l.errorf(v.Pos, "%s, found %s", want, v.Name)
			return
		}
	case *dsl.Call:
		if v.Fun.Name != "rad" {
			l.errorf(v.Fun.Pos, "%s, found %s(…)", want, v.Fun.Name)
			return
		}
		for _, a := range v.Args {
			name := ""
			if a.Name != nil {
				name = a.Name.Name
			}
			switch name {
			case "every":
				if n, ok := l.intExpr(a.Value, "a number of steps"); ok {
					if n < 1 {
						l.errorf(a.Value.ExprPos(), "rad: every is a number of steps, at least 1; found %d", n)
						return
					}
					r.Every = n
				}
			case "k", "c":
				f, ok := l.constExpr(a.Value)
				if !ok {
					return
				}
				if f < 0 || math.IsInf(f, 0) {
					l.errorf(a.Value.ExprPos(), "rad: %s is at least 0; found %v", name, f)
					return
				}
				if name == "k" {
					r.K = f
				} else {
					r.C = f
				}
			default:
				l.errorf(a.Value.ExprPos(), "rad takes every = N, k = K and c = C")
				return
			}
		}
		if r.C == 0 && r.K == 0 {
			l.errorf(v.Fun.Pos, "rad: k = 0 and c = 0 weigh every candidate by nothing; give c > 0 or k > 0")
			return
		}
	default:
		l.errorf(x.ExprPos(), "%s", want)
		return
	}
	l.m.Settings.Resample = r
}

// SampledSets are the point sets resample = rad draws again and causal weighs: those
// made by one sample(...) alone, with no known values.
func SampledSets(m *Model) []*PointSet {
	var out []*PointSet
	for _, ps := range m.PointSets {
		if len(ps.Sources) == 1 && ps.Sources[0].Kind == "sample" && len(ps.Known) == 0 {
			out = append(out, ps)
		}
	}
	return out
}

// checkResample refuses resample = rad where it cannot work.
func (l *lowerer) checkResample() {
	r := l.m.Settings.Resample
	if r == nil || l.m.Infer == nil {
		return
	}
	switch {
	case len(l.m.PointSets) == 0:
		l.errorf(r.Pos, "resample = rad draws a point-set model's points again; this model trains on mini-batches of data")
	case len(l.m.Infer.Residuals) == 0:
		l.errorf(r.Pos, "resample = rad weighs points by their residuals, and the model has no residual statement")
	case len(SampledSets(l.m)) == 0:
		l.errorf(r.Pos, "resample = rad draws again a point set made by one sample(...) and no known values; the model has none")
	}
	for i, n := range l.m.Infer.Residuals {
		if dependsOn(n, OpTarget) {
			l.errorf(r.Pos, "resample = rad needs the residuals at new points, and residual %s uses known values of a point set, which new points do not have", l.m.ResidualNames[i])
			return
		}
	}
}

// dependsOn reports whether n's value depends on a node of op.
func dependsOn(n *Node, op Op) bool {
	seen := map[*Node]bool{}
	var walk func(n *Node) bool
	walk = func(n *Node) bool {
		if n.Op == op {
			return true
		}
		if seen[n] {
			return false
		}
		seen[n] = true
		for _, a := range n.Args {
			if walk(a) {
				return true
			}
		}
		return false
	}
	return walk(n)
}

// causal reads `causal(t, chunks = M, epsilon = E, every = N)`.
func (l *lowerer) causal(c *dsl.Call) {
	r := &Causal{Chunks: 16, Epsilon: 1, Every: 10, Pos: c.Fun.Pos}
	const want = "causal takes the time input and chunks = M, epsilon = E, every = N: causal(t, chunks = 16, epsilon = 1, every = 10)"
	for i, a := range c.Args {
		name := ""
		if a.Name != nil {
			name = a.Name.Name
		}
		switch {
		case i == 0 && name == "":
			id, ok := a.Value.(*dsl.Ident)
			if !ok || l.scope[id.Name] == nil || l.scope[id.Name].kind != "input" {
				l.errorf(a.Value.ExprPos(), "causal: the first argument is the time, an input of the model; %s", want)
				return
			}
			r.Input = id.Name
		case name == "chunks" || name == "every":
			n, ok := l.intExpr(a.Value, "a whole number")
			if !ok {
				return
			}
			if n < 1 || name == "chunks" && n < 2 {
				l.errorf(a.Value.ExprPos(), "causal: %s is at least %d; found %d", name, map[string]int{"chunks": 2, "every": 1}[name], n)
				return
			}
			if name == "chunks" {
				r.Chunks = n
			} else {
				r.Every = n
			}
		case name == "epsilon":
			f, ok := l.constExpr(a.Value)
			if !ok {
				return
			}
			if f < 0 || math.IsInf(f, 0) {
				l.errorf(a.Value.ExprPos(), "causal: epsilon is at least 0; found %v", f)
				return
			}
			r.Epsilon = f
		default:
			l.errorf(a.Value.ExprPos(), "%s", want)
			return
		}
	}
	if r.Input == "" {
		l.errorf(c.Fun.Pos, "%s", want)
		return
	}
	l.m.Settings.Causal = r
}

// causalWeights gives each sampled point set a known value causal_SET (1 at every point)
// and multiplies by it what the loss averages over that set alone.
func (l *lowerer) causalWeights() {
	r := l.m.Settings.Causal
	if r == nil || l.loss == nil {
		return
	}
	if len(l.m.PointSets) == 0 {
		l.errorf(r.Pos, "causal weighs a point-set model's points; this model trains on mini-batches of data")
		return
	}
	if l.m.Settings.Resample != nil {
		l.errorf(r.Pos, "causal and resample = rad cannot both change the sampled points' weights and places yet; choose one")
		return
	}
	for _, ps := range SampledSets(l.m) {
		src := ps.Sources[0]
		var lo, hi float64
		found := false
		for _, c := range src.Coords {
			if c.Name == r.Input {
				lo, hi, found = c.Lo, c.Hi, c.Values == nil
			}
		}
		if !found || hi <= lo {
			continue
		}
		name := "causal_" + ps.Name
		rewrote := false
		l.loss.Expr = dsl.Rewrite(l.loss.Expr, func(x dsl.Expr) dsl.Expr {
			call, ok := x.(*dsl.Call)
			if !ok || call.Fun.Name != "mean" || len(call.Args) != 2 {
				return x
			}
			if sets := setNames(call.Args[0].Value); len(sets) != 1 || sets[0] != ps.Name {
				return x
			}
			rewrote = true
			arg := *call.Args[1]
			arg.Value = &dsl.Binary{OpPos: call.Fun.Pos, Op: "*", X: &dsl.Ident{Name: name, Pos: call.Fun.Pos}, Y: arg.Value}
			c := *call
			c.Args = []*dsl.Arg{call.Args[0], &arg}
			return &c
		})
		if !rewrote {
			continue
		}
		idx := slices.Index(l.m.PointSets, ps)
		if l.declare(&dsl.Ident{Name: name, Pos: r.Pos}, &binding{kind: "known", set: idx, shape: []int{1}, pos: r.Pos}) {
			ps.Known = append(ps.Known, &Tensor{Name: name, Shape: []int{1}, Pos: r.Pos})
			ps.Values = append(ps.Values, &KnownValue{Name: name, Expr: &dsl.Number{Value: 1, Text: "1", Pos: r.Pos}})
			r.Sets = append(r.Sets, ps)
			r.Lo, r.Hi = append(r.Lo, lo), append(r.Hi, hi)
		}
	}
	if len(r.Sets) == 0 {
		l.errorf(r.Pos, "causal weighs a mean over a point set drawn by sample(...) over an interval of %s; the loss has none", r.Input)
	}
}

// averagesPoints reports whether a loss term takes a mean over points.
func averagesPoints(x dsl.Expr) bool {
	found := false
	dsl.Walk(x, func(x dsl.Expr) {
		if c, ok := x.(*dsl.Call); ok && c.Fun.Name == "mean" {
			found = true
		}
	})
	return found
}

// weightedLoss is the loss the optimizer sees under balance = grad_norm: Σ weight_i ·
// term_i (a term without a weight: 1); otherwise loss itself.
func (l *lowerer) weightedLoss(g *Graph, pass *Pass, values map[string]*Node, loss *Node) *Node {
	if l.m.Settings.Balance == nil || len(pass.Terms) < 2 {
		return loss
	}
	weight := make([]*Node, len(pass.Terms))
	for _, c := range l.m.Coefficients {
		if c.Term > 0 {
			weight[c.Term-1] = values[c.Name]
		}
	}
	if !slices.ContainsFunc(weight, func(n *Node) bool { return n != nil }) {
		return loss // the balance statement was refused
	}
	var sum *Node
	pos := l.m.Settings.Balance.Pos
	for i, t := range pass.Terms {
		if weight[i] != nil {
			t = g.must(OpMul, "", pos, weight[i], t)
		}
		if sum == nil {
			sum = t
		} else {
			sum = g.must(OpAdd, "", pos, sum, t)
		}
	}
	return sum
}

// NeedsResiduals reports whether the generated model computes its residuals at given
// points: for resample = rad and for causal weights.
func NeedsResiduals(m *Model) bool {
	return m.Settings.Resample != nil || m.Settings.Causal != nil
}
