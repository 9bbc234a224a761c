package difftest

import (
	"fmt"
	"math"
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

// refForward runs the network on every row of in (one jet vector per row), binding the
// named layer outputs (and, after a sigmoid, the logits as name#z) in ev.env. It returns
// the outputs' values, row-major.
func (ev *refEval) forward(p []float64, in [][]jet) []float64 {
	m := ev.m
	named := map[string][][]jet{}
	var pred []float64
	for _, x := range in {
		cur := x
		var z []jet
		for _, l := range m.Layers {
			switch l.Kind {
			case "dense":
				w, b := p[m.Params[l.W].Offset:], p[m.Params[l.B].Offset:]
				zz := make([]jet, l.Units)
				for o := range zz {
					acc := constJet(ev.nv, b[o])
					for i, xi := range cur {
						acc = acc.add(xi.scale(w[o*len(cur)+i]))
					}
					zz[o] = acc
				}
				cur, z = activate(zz, l.Act), nil
				if l.Act == "sigmoid" {
					z = zz
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
			case "dropout":
				// The masks are all ones: the passes are compared without dropout.
			}
			if l.Out != "" {
				named[l.Out] = append(named[l.Out], cur)
				if z != nil {
					named[l.Out+"#z"] = append(named[l.Out+"#z"], z)
				}
			}
		}
		for _, j := range cur {
			pred = append(pred, j.v)
		}
	}
	for k, v := range named {
		ev.env[k] = value{batched: true, r: v}
	}
	return pred
}

func activate(z []jet, act string) []jet {
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

// RefBatch evaluates a mini-batch model on n rows: x and y row-major as Predict and
// Loss take them.
func RefBatch(m *Model, p, x, y []float64, n int) (*RefResult, error) {
	ev := &refEval{m: m, rows: n, env: map[string]value{}}
	ni := m.NumInputs()
	all := rowsOf(0, x, n, ni, 0, ni)
	off := 0
	for _, in := range m.Inputs {
		ev.env[in.Name] = value{batched: true, r: rowsOf(0, x, n, ni, off, in.Size())}
		off += in.Size()
	}
	off = 0
	for _, t := range m.Targets {
		ev.env[t.Name] = value{batched: true, r: rowsOf(0, y, n, m.NumTargets(), off, t.Size())}
		off += t.Size()
	}
	res := &RefResult{Pred: ev.forward(p, all)}
	return ev.loss(res)
}

// RefPredict is the network's outputs on n rows of x, row-major as Predict takes them (for
// a point-set model: each point's inputs, one after another).
func RefPredict(m *Model, p, x []float64, n int) []float64 {
	ev := &refEval{m: m, rows: n, env: map[string]value{}}
	return ev.forward(p, rowsOf(0, x, n, m.NumInputs(), 0, m.NumInputs()))
}

// RefPoints evaluates a point-set model: sets[i][c] is column c of set i (the inputs,
// then the set's known values).
func RefPoints(m *Model, p []float64, sets [][][]float64) (*RefResult, error) {
	nv := len(m.Inputs)
	ev := &refEval{m: m, nv: nv, env: map[string]value{}}
	var in [][]jet
	known := map[string][]jet{}
	for i, s := range m.Sets {
		lo := ev.rows
		for r := range sets[i][0] {
			row := make([]jet, nv)
			for c := range row {
				row[c] = varJet(nv, c, sets[i][c][r])
			}
			in = append(in, row)
		}
		ev.rows += len(sets[i][0])
		ev.sets = append(ev.sets, [2]int{lo, ev.rows})
		for k, name := range s.Known {
			for r := range sets[i][0] {
				known[name] = append(known[name], constJet(nv, sets[i][nv+k][r]))
			}
		}
	}
	for c, inp := range m.Inputs {
		col := make([][]jet, ev.rows)
		for r := range col {
			col[r] = []jet{in[r][c]}
		}
		ev.env[inp.Name] = value{batched: true, r: col}
	}
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
	res := &RefResult{Pred: ev.forward(p, in)}
	return ev.loss(res)
}

// loss evaluates the constants, lets, loss and terms.
func (ev *refEval) loss(res *RefResult) (*RefResult, error) {
	for _, c := range ev.m.Consts {
		ev.env[c.Name] = value{s: constJet(ev.nv, c.Value)}
	}
	for _, l := range ev.m.Lets {
		ev.env[l.Name] = ev.eval(l.Expr)
	}
	res.Loss = ev.eval(ev.m.Loss).s.v
	for _, t := range splitTerms(ev.m.Loss) {
		v := ev.eval(t.e).s.v
		if t.neg {
			v = -v
		}
		res.Terms = append(res.Terms, v)
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
		if xr != nil && yr != nil && len(xr) != len(yr) {
			panic(fmt.Sprintf("difftest: reference: sizes %d and %d", len(xr), len(yr)))
		}
		out[b] = make([]jet, size)
		for i := range out[b] {
			a, c := x.s, y.s
			if xr != nil {
				a = xr[i]
			}
			if yr != nil {
				c = yr[i]
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
			s += v.v
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
	case Fn:
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
		pc := p.compose(math.Min(math.Max(p.v, bceEpsilon), 1-bceEpsilon), 0, 0, 0)
		one := constJet(p.nv, 1)
		return y.mul(pc.fn("log")).add(one.sub(y).mul(one.sub(pc).fn("log"))).neg()
	})
}
