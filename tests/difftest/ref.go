package difftest

import (
	"fmt"
	"math"
	"slices"
)

// The reference evaluator: what the generated .ml source says, computed straight from the
// generator's description in float64 — dense layers as W·x + b with W [out][in] row-major,
// conv1d with Keras padding, activations, losses, means over rows and point sets — and,
// for point-set models, input derivatives from jets. It shares no code with ir, so a
// lowering bug that the interpreter and the generated code have in common shows up here.

// value is a reference value: a scalar (unbatched, the same for every row) or one vector
// of jets per row.
type value struct {
	batched bool
	s       jet
	r       [][]jet
}

type refEval struct {
	m    *Model
	nv   int
	rows int
	sets [][2]int // row ranges of the point sets
	env  map[string]value
	err  error
}

// RefResult is the reference's loss, terms and outputs.
type RefResult struct {
	Pred  []float64 // rows × NumOutputs, row-major
	Loss  float64
	Terms []float64
}

// forward runs the network on every row of in (one jet vector per row: the inputs one
// after another), binding the named layer outputs and components (and, after a sigmoid,
// the logits as name#z) in ev.env. The first layer sees each row's features: a periodic
// input as cos and sin of its phase. It returns the last layer's output per row.
func (ev *refEval) forward(p []float64, in [][]jet) [][]jet {
	m := ev.m
	named := map[string][][]jet{}
	var outs [][]jet
	ev.scalars(p)
	feats := ev.featureStmt()
	for r, x := range in {
		var cur []jet
		if feats != nil {
			cur = feats[r]
		} else {
			cur = ev.features(x)
		}
		var z []jet
		for _, l := range m.Layers {
			switch l.Kind {
			case "dense":
				w, b := p[m.Params[l.W].Offset:], p[m.Params[l.B].Offset:]
				zz := make([]jet, l.Units)
				for o := range zz {
					scale := 1.0 // a factorized kernel's row o is e^s[o] times V's
					if l.Factorize > 0 {
						scale = math.Exp(p[m.Params[l.S].Offset+o])
					}
					acc := constJet(ev.nv, b[o])
					for i, xi := range cur {
						acc = acc.add(xi.scale(scale * w[o*len(cur)+i]))
					}
					zz[o] = acc
				}
				cur, z = activate(zz, l.Act), nil
				if l.Act == "sigmoid" {
					z = zz
				}
				if l.Act == "softmax" && l.Out != "" {
					named[l.Out+"#logits"] = append(named[l.Out+"#logits"], zz)
				}
			case "conv1d":
				w, b := p[m.Params[l.W].Offset:], p[m.Params[l.B].Offset:]
				steps, cin, k := l.InShape[0], l.InShape[1], l.Kernel
				zz := make([]jet, l.OutShape[0]*l.Units)
				for lo := 0; lo < l.OutShape[0]; lo++ {
					for co := 0; co < l.Units; co++ {
						acc := constJet(ev.nv, b[co])
						for kk := 0; kk < k; kk++ {
							pos := lo*l.Stride + kk - l.PadL
							if pos < 0 || pos >= steps {
								continue
							}
							for ci := 0; ci < cin; ci++ {
								acc = acc.add(cur[pos*cin+ci].scale(w[co*k*cin+kk*cin+ci]))
							}
						}
						zz[lo*l.Units+co] = acc
					}
				}
				cur, z = activate(zz, l.Act), nil
				if l.Act == "sigmoid" {
					z = zz
				}
			case "modified_mlp":
				cur, z = ev.modifiedMLP(p, l, cur), nil
			case "dropout":
				// The masks are all ones: the passes are compared without dropout.
			case "flatten":
				// The same values in the same order.
			default: // pooling
				cur = pool(l, cur)
			}
			if l.Out != "" {
				named[l.Out] = append(named[l.Out], cur)
				if z != nil {
					named[l.Out+"#z"] = append(named[l.Out+"#z"], z)
				}
			}
			for i, name := range l.Outs {
				named[name] = append(named[name], cur[i:i+1])
				if z != nil {
					named[name+"#z"] = append(named[name+"#z"], z[i:i+1])
				}
			}
		}
		outs = append(outs, cur)
	}
	for k, v := range named {
		ev.env[k] = value{batched: true, r: v}
	}
	return outs
}

// features is what the first layer sees of one row of inputs: each input's values, or for
// a periodic input cos(k·ω(x−lo)) and sin(k·ω(x−lo)) for k = 1…H, ω = 2π/(hi−lo).
func (ev *refEval) features(row []jet) []jet {
	var out []jet
	off := 0
	for _, in := range ev.m.Inputs {
		vals := row[off : off+in.Size()]
		off += in.Size()
		i := slices.IndexFunc(ev.m.Periodic, func(p Periodic) bool { return p.Input == in.Name })
		if i < 0 {
			out = append(out, vals...)
			continue
		}
		p := ev.m.Periodic[i]
		lo, hi := constValue(p.Lo, ev.m.Consts), constValue(p.Hi, ev.m.Consts)
		phase := vals[0].sub(constJet(ev.nv, lo))
		for k := 1; k <= p.H(); k++ {
			arg := phase.scale(float64(k) * 2 * math.Pi / (hi - lo))
			out = append(out, arg.fn("cos"), arg.fn("sin"))
		}
	}
	return out
}

// featureStmt is, when the model has a features statement, what the first layer sees of
// each row: the statement's expressions of the inputs (bound in ev.env) one after another.
func (ev *refEval) featureStmt() [][]jet {
	if ev.m.FeatureExprs == nil {
		return nil
	}
	rows := make([][]jet, ev.rows)
	for _, e := range ev.m.FeatureExprs {
		v := ev.eval(e)
		for r := range rows {
			rows[r] = append(rows[r], v.r[r]...)
		}
	}
	return rows
}

func activate(z []jet, act string) []jet {
	if rowFns[act] { // softmax: over the layer's values
		return rowFn(act, z)
	}
	out := make([]jet, len(z))
	for i, v := range z {
		out[i] = v.fn(act)
	}
	return out
}

// rowsOf splits row-major data of width w into per-row constant jets, taking the values
// off … off+size-1 of each row.
func rowsOf(nv int, data []float64, n, w, off, size int) [][]jet {
	out := make([][]jet, n)
	for b := range out {
		out[b] = make([]jet, size)
		for f := range out[b] {
			out[b][f] = constJet(nv, data[b*w+off+f])
		}
	}
	return out
}

// inputs binds the inputs of n rows of row-major x (for a point-set model as jets in the
// direction of each input) and returns the rows.
func (ev *refEval) inputs(x []float64, n int) [][]jet {
	m := ev.m
	ni := m.NumInputs()
	all := rowsOf(ev.nv, x, n, ni, 0, ni)
	if m.Points {
		for _, row := range all {
			for c := range row {
				row[c] = varJet(ev.nv, c, row[c].val())
			}
		}
	}
	off := 0
	for _, in := range m.Inputs {
		col := make([][]jet, n)
		for r := range col {
			col[r] = all[r][off : off+in.Size()]
		}
		ev.env[in.Name] = value{batched: true, r: col}
		off += in.Size()
	}
	return all
}

func newRef(m *Model, n int) *refEval {
	ev := &refEval{m: m, rows: n, env: map[string]value{}}
	if m.Points {
		ev.nv = len(m.Inputs)
	}
	return ev
}

// RefBatch evaluates a mini-batch model on n rows: x and y row-major as Predict and
// Loss take them.
func RefBatch(m *Model, p, x, y []float64, n int) (*RefResult, error) {
	ev := newRef(m, n)
	in := ev.inputs(x, n)
	off := 0
	for _, t := range m.Targets {
		ev.env[t.Name] = value{batched: true, r: rowsOf(0, y, n, m.NumTargets(), off, t.Size())}
		off += t.Size()
	}
	res, err := ev.loss(p, ev.forward(p, in))
	for _, l := range m.Layers {
		if l.L2 > 0 { // the layer's l2 penalty: λ·Σ W² over its kernel
			w := m.Params[l.W]
			for _, v := range p[w.Offset : w.Offset+w.Size()] {
				res.Loss += l.L2 * v * v
			}
		}
	}
	return res, err
}

// RefPredict is what Predict returns on n rows of x, row-major as Predict takes them (for
// a point-set model: each point's inputs, one after another): the network's outputs, or
// the output statements' values.
func RefPredict(m *Model, p, x []float64, n int) ([]float64, error) {
	ev := newRef(m, n)
	net := ev.forward(p, ev.inputs(x, n))
	ev.scalars(p)
	need := neededLets(m)
	for _, l := range m.Lets {
		if need[l.Name] {
			ev.env[l.Name] = ev.eval(l.Expr)
		}
	}
	return ev.prediction(net), ev.err
}

// neededLets are the lets the output statements use, directly or through other lets, and
// the outputs themselves.
func neededLets(m *Model) map[string]bool {
	need := map[string]bool{}
	for i := len(m.Lets) - 1; i >= 0; i-- {
		l := m.Lets[i]
		if l.Keyword != "output" && !need[l.Name] {
			continue
		}
		need[l.Name] = true
		walkExpr(l.Expr, func(e Expr) {
			if r, ok := e.(Ref); ok {
				need[r.Name] = true
			}
		})
	}
	return need
}

// prediction is the network's outputs net, row-major, or the output statements' values
// one after another in each row.
func (ev *refEval) prediction(net [][]jet) []float64 {
	var pred []float64
	if !ev.m.HasOutputs() {
		for _, row := range net {
			for _, j := range row {
				pred = append(pred, j.val())
			}
		}
		return pred
	}
	for r := range net {
		for _, l := range ev.m.Lets {
			if l.Keyword != "output" {
				continue
			}
			v := ev.env[l.Name]
			if !v.batched {
				for range l.Size {
					pred = append(pred, v.s.val())
				}
				continue
			}
			for _, j := range v.r[r] {
				pred = append(pred, j.val())
			}
		}
	}
	return pred
}

// RefPoints evaluates a point-set model: sets[i][c] is column c of set i (the inputs,
// then the set's known values).
func RefPoints(m *Model, p []float64, sets [][][]float64) (*RefResult, error) {
	ev := newRef(m, 0)
	nv := ev.nv
	var x []float64
	known := map[string][]jet{}
	for i, s := range m.Sets {
		lo := ev.rows
		for r := range sets[i][0] {
			for c := range nv {
				x = append(x, sets[i][c][r])
			}
		}
		ev.rows += len(sets[i][0])
		ev.sets = append(ev.sets, [2]int{lo, ev.rows})
		for k, name := range s.Known {
			for r := range sets[i][0] {
				known[name] = append(known[name], constJet(nv, sets[i][nv+k][r]))
			}
		}
	}
	in := ev.inputs(x, ev.rows)
	for i, s := range m.Sets {
		for _, name := range s.Known {
			col := make([][]jet, ev.rows)
			for r := range col {
				col[r] = []jet{constJet(nv, 0)}
			}
			for r, v := range known[name] {
				col[ev.sets[i][0]+r] = []jet{v}
			}
			ev.env[name] = value{batched: true, r: col}
		}
	}
	return ev.loss(p, ev.forward(p, in))
}

// scalars binds the constants and the coefficients (exp of the stored value for a
// positive one).
func (ev *refEval) scalars(p []float64) {
	for _, c := range ev.m.Consts {
		ev.env[c.Name] = value{s: constJet(ev.nv, c.Value)}
	}
	for _, c := range ev.m.Coefs {
		v := p[ev.m.Params[c.Param].Offset]
		if c.Positive {
			v = math.Exp(v)
		}
		ev.env[c.Name] = value{s: constJet(ev.nv, v)}
	}
}

// loss evaluates the constants, coefficients, lets, outputs, loss and terms, after the
// network's forward pass gave net.
func (ev *refEval) loss(p []float64, net [][]jet) (*RefResult, error) {
	ev.scalars(p)
	for _, l := range ev.m.Lets {
		ev.env[l.Name] = ev.eval(l.Expr)
	}
	res := &RefResult{Pred: ev.prediction(net)}
	res.Loss = ev.eval(ev.m.Loss).s.val()
	for _, t := range splitTerms(ev.m.Loss) {
		v := ev.eval(t.e).s.val()
		if t.neg {
			v = -v
		}
		res.Terms = append(res.Terms, v)
	}
	if ev.m.Balance { // balance = grad_norm: the loss is Σ weight_i · term_i (weight 1 without a mean)
		w := make([]float64, len(res.Terms))
		for i := range w {
			w[i] = 1
		}
		for _, q := range ev.m.Params {
			if q.Weight {
				w[q.Term] = p[q.Offset]
			}
		}
		res.Loss = 0
		for i, t := range res.Terms {
			res.Loss += w[i] * t
		}
	}
	return res, ev.err
}

func (ev *refEval) unary(x value, f func(jet) jet) value {
	if !x.batched {
		return value{s: f(x.s)}
	}
	out := make([][]jet, len(x.r))
	for b, row := range x.r {
		out[b] = make([]jet, len(row))
		for i, v := range row {
			out[b][i] = f(v)
		}
	}
	return value{batched: true, r: out}
}

func (ev *refEval) binary(x, y value, f func(a, b jet) jet) value {
	if !x.batched && !y.batched {
		return value{s: f(x.s, y.s)}
	}
	out := make([][]jet, ev.rows)
	for b := range out {
		var xr, yr []jet
		if x.batched {
			xr = x.r[b]
		}
		if y.batched {
			yr = y.r[b]
		}
		size := max(len(xr), len(yr))
		if xr != nil && yr != nil && len(xr) != len(yr) && min(len(xr), len(yr)) != 1 {
			panic(fmt.Sprintf("difftest: reference: sizes %d and %d", len(xr), len(yr)))
		}
		out[b] = make([]jet, size)
		for i := range out[b] {
			a, c := x.s, y.s
			// A value of one element per sample repeats over the other's elements.
			if xr != nil {
				a = xr[min(i, len(xr)-1)]
			}
			if yr != nil {
				c = yr[min(i, len(yr)-1)]
			}
			out[b][i] = f(a, c)
		}
	}
	return value{batched: true, r: out}
}

// mean averages the values of a batched x over the given rows and all its elements: a
// constant (its derivatives with respect to a point's inputs are zero).
func (ev *refEval) mean(x value, rows []int) value {
	if !x.batched {
		return x
	}
	s, n := 0.0, 0
	for _, b := range rows {
		for _, v := range x.r[b] {
			s += v.val()
			n++
		}
	}
	return value{s: constJet(ev.nv, s/float64(n))}
}

func (ev *refEval) allRows() []int {
	rows := make([]int, ev.rows)
	for i := range rows {
		rows[i] = i
	}
	return rows
}

// setRows are the rows of a mean over sets: their union, or with minus the rows of the
// first set that are in none of the others (sets are disjoint row ranges).
func (ev *refEval) setRows(sets []string, minus bool) []int {
	in := map[int]bool{}
	for k, name := range sets {
		for i, s := range ev.m.Sets {
			if s.Name != name {
				continue
			}
			for r := ev.sets[i][0]; r < ev.sets[i][1]; r++ {
				if !minus || k == 0 {
					in[r] = true
				} else {
					delete(in, r)
				}
			}
		}
	}
	var rows []int
	for r := 0; r < ev.rows; r++ {
		if in[r] {
			rows = append(rows, r)
		}
	}
	return rows
}

func (ev *refEval) eval(e Expr) value {
	switch e := e.(type) {
	case Num:
		return value{s: constJet(ev.nv, e.V)}
	case Ref:
		if e.Name == "pi" {
			return value{s: constJet(ev.nv, math.Pi)}
		}
		v, ok := ev.env[e.Name]
		if !ok {
			panic("difftest: reference: undefined " + e.Name)
		}
		return v
	case Neg:
		return ev.unary(ev.eval(e.X), jet.neg)
	case Sq:
		x := ev.eval(e.X)
		return ev.binary(x, x, jet.mul)
	case Pow:
		return ev.unary(ev.eval(e.X), func(a jet) jet { return a.pow(e.N) })
	case Named:
		return ev.eval(e.X)
	case Fn:
		if rowFns[e.Name] {
			return ev.perRow(ev.eval(e.X), e.Name)
		}
		return ev.unary(ev.eval(e.X), func(a jet) jet { return a.fn(e.Name) })
	case Bin:
		f := map[byte]func(a, b jet) jet{'+': jet.add, '-': jet.sub, '*': jet.mul, '/': jet.div}[e.Op]
		return ev.binary(ev.eval(e.X), ev.eval(e.Y), f)
	case LossFn:
		return ev.mean(ev.lossFn(e), ev.allRows())
	case Mean:
		return ev.mean(ev.eval(e.X), ev.allRows())
	case SetMean:
		return ev.mean(ev.eval(e.X), ev.setRows(e.Sets, e.Minus))
	case Fourier:
		return ev.fourier(e)
	case D:
		x := ev.eval(e.X)
		if !x.batched {
			panic("difftest: reference: d of a constant")
		}
		for _, v := range e.Vars {
			i := ev.inputIndex(v)
			x = ev.unary(x, func(a jet) jet { return a.deriv(i) })
		}
		if x.r[0][0].ord < 0 && ev.err == nil {
			ev.err = fmt.Errorf("%s: a derivative beyond the reference's order %d", src(e), jetOrder)
		}
		return x
	}
	panic("difftest: reference: unknown expression")
}

func (ev *refEval) inputIndex(name string) int {
	for i, in := range ev.m.Inputs {
		if in.Name == name {
			return i
		}
	}
	panic("difftest: reference: no input " + name)
}

// bceEpsilon is Keras' clipping of probabilities, as the README documents.
const bceEpsilon = 1e-7

// lossFn is the per-element loss of mse, mae or binary cross-entropy. Binary
// cross-entropy on a sigmoid output is softplus(z) - y·z from the logits z; on any other
// output the prediction is clipped to [ε, 1-ε].
func (ev *refEval) lossFn(e LossFn) value {
	if e.Name == "categorical_crossentropy" || e.Name == "sparse_categorical_crossentropy" {
		return ev.cce(e)
	}
	p, y := ev.eval(e.P), ev.eval(e.Y)
	switch e.Name {
	case "mse":
		d := ev.binary(p, y, jet.sub)
		return ev.binary(d, d, jet.mul)
	case "mae":
		return ev.unary(ev.binary(p, y, jet.sub), func(a jet) jet { return a.fn("abs") })
	}
	if z, ok := ev.env[e.P.Name+"#z"]; ok {
		return ev.binary(z, y, func(z, y jet) jet { return z.fn("softplus").sub(y.mul(z)) })
	}
	return ev.binary(p, y, func(p, y jet) jet {
		pc := p.compose(math.Min(math.Max(p.val(), bceEpsilon), 1-bceEpsilon), 0)
		one := constJet(p.nv, 1)
		return y.mul(pc.fn("log")).add(one.sub(y).mul(one.sub(pc).fn("log"))).neg()
	})
}

// modifiedMLP is the README's modified MLP on one row x: U = act(W_U·x + b_U), V likewise,
// then Depth times z = act(W_k·h + b_k), h = z·U + (1 − z)·V, from h = x.
func (ev *refEval) modifiedMLP(p []float64, l *Layer, x []jet) []jet {
	m := ev.m
	dense := func(param int, in []jet) []jet {
		w, b := p[m.Params[param].Offset:], p[m.Params[param+1].Offset:]
		z := make([]jet, l.Units)
		for o := range z {
			acc := constJet(ev.nv, b[o])
			for i, xi := range in {
				acc = acc.add(xi.scale(w[o*len(in)+i]))
			}
			z[o] = acc
		}
		return activate(z, l.Act)
	}
	u, v := dense(l.W, x), dense(l.W+2, x)
	h := x
	for k := 1; k <= l.Depth; k++ {
		z := dense(l.W+2+2*k, h)
		h = make([]jet, l.Units)
		for i := range h {
			h[i] = z[i].mul(u[i]).add(constJet(ev.nv, 1).sub(z[i]).mul(v[i]))
		}
	}
	return h
}
