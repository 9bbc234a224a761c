package difftest

import "math"

// The reference's per-sample functions, written from the README: sum, max and logsumexp
// of a sample's values (one value), softmax (one per value), and the categorical
// cross-entropy.

// rowFns are the functions of the language taken over the values of one sample.
var rowFns = map[string]bool{"sum": true, "max": true, "logsumexp": true, "softmax": true}

// rowFn is the function name over the values of one sample.
func rowFn(name string, row []jet) []jet {
	switch name {
	case "sum":
		s := row[0]
		for _, v := range row[1:] {
			s = s.add(v)
		}
		return []jet{s}
	case "max":
		best := 0
		for i, v := range row {
			if v.val() > row[best].val() {
				best = i
			}
		}
		return []jet{row[best]}
	}
	// softmax and logsumexp, shifted by the largest value (a constant: both are unchanged).
	top := row[0].val()
	for _, v := range row {
		top = math.Max(top, v.val())
	}
	shift := constJet(row[0].nv, top)
	exps := make([]jet, len(row))
	s := constJet(row[0].nv, 0)
	for i, v := range row {
		exps[i] = v.sub(shift).fn("exp")
		s = s.add(exps[i])
	}
	if name == "logsumexp" {
		return []jet{shift.add(s.fn("log"))}
	}
	for i := range exps {
		exps[i] = exps[i].div(s)
	}
	return exps
}

// perRow applies a per-sample function to every row of a batched value.
func (ev *refEval) perRow(x value, name string) value {
	if !x.batched {
		panic("difftest: reference: " + name + " of a value the same for every sample")
	}
	out := make([][]jet, len(x.r))
	for b, row := range x.r {
		out[b] = rowFn(name, row)
	}
	return value{batched: true, r: out}
}

// cce is the categorical cross-entropy of each row: from the logits z of a softmax output as
// logsumexp(z)·Σy − Σ y·z, else from p scaled to sum to 1 and clipped to [ε, 1−ε] as
// −Σ y·log p; y is a class label per row or one value per class.
func (ev *refEval) cce(e LossFn) value {
	p, y := ev.eval(e.P), ev.eval(e.Y)
	z, logits := ev.env[e.P.Name+"#logits"]
	out := make([][]jet, ev.rows)
	for b := range out {
		k := len(p.r[b])
		yk := y.r[b]
		if len(yk) == 1 && k > 1 { // a label: its indicators
			label := yk[0].val()
			yk = make([]jet, k)
			for c := range yk {
				yk[c] = constJet(ev.nv, 0)
				if float64(c) == label {
					yk[c] = constJet(ev.nv, 1)
				}
			}
		}
		var loss jet
		if logits {
			zr := z.r[b]
			sumY, yz := constJet(ev.nv, 0), constJet(ev.nv, 0)
			for c := range zr {
				sumY, yz = sumY.add(yk[c]), yz.add(yk[c].mul(zr[c]))
			}
			loss = rowFn("logsumexp", zr)[0].mul(sumY).sub(yz)
		} else {
			pr := p.r[b]
			s := rowFn("sum", pr)[0]
			loss = constJet(ev.nv, 0)
			for c := range pr {
				q := pr[c].div(s)
				qc := q.compose(math.Min(math.Max(q.val(), bceEpsilon), 1-bceEpsilon), 0)
				loss = loss.sub(yk[c].mul(qc.fn("log")))
			}
		}
		out[b] = []jet{loss}
	}
	return value{batched: true, r: out}
}

// pool is a pooling layer over one row [steps, channels], step-major: the largest (the
// first of equal ones) or the mean of each channel over windows of Kernel steps, Stride
// apart, or over all the steps for a global pool.
func pool(l *Layer, row []jet) []jet {
	steps, c := l.InShape[0], l.InShape[1]
	size, stride := l.Kernel, l.Stride
	if l.Kind == "global_maxpool1d" || l.Kind == "global_avgpool1d" {
		size, stride = steps, steps
	}
	var out []jet
	for lo := 0; lo+size <= steps; lo += stride {
		for ch := 0; ch < c; ch++ {
			win := make([]jet, size)
			for k := range win {
				win[k] = row[(lo+k)*c+ch]
			}
			if l.Kind == "maxpool1d" || l.Kind == "global_maxpool1d" {
				out = append(out, rowFn("max", win)[0])
			} else {
				out = append(out, rowFn("sum", win)[0].scale(1/float64(size)))
			}
		}
	}
	return out
}
