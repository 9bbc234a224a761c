package ir

// evalConv interprets the convolution ops: y[l][co] = Σ_k Σ_ci W[co][k·Cin+ci]·x[l·s+k][ci].
func evalConv(x *Node, val [][]float64, n int, out []float64) {
	k, s := x.Off, x.Stride
	a, b := x.Args[0], x.Args[1]
	switch x.Op {
	case OpConv1D:
		w, in := val[a.ID], val[b.ID]
		lout, cout, cin := x.Shape[0], x.Shape[1], b.Shape[1]
		for l := 0; l < lout; l++ {
			for co := 0; co < cout; co++ {
				for kk := 0; kk < k; kk++ {
					for ci := 0; ci < cin; ci++ {
						wv := w[co*k*cin+kk*cin+ci]
						for bb := 0; bb < n; bb++ {
							out[(l*cout+co)*n+bb] += wv * in[((l*s+kk)*cin+ci)*n+bb]
						}
					}
				}
			}
		}
	case OpConv1DT:
		w, g := val[a.ID], val[b.ID]
		lout, cout, cin := b.Shape[0], b.Shape[1], x.Shape[1]
		for l := 0; l < lout; l++ {
			for co := 0; co < cout; co++ {
				for kk := 0; kk < k; kk++ {
					for ci := 0; ci < cin; ci++ {
						wv := w[co*k*cin+kk*cin+ci]
						for bb := 0; bb < n; bb++ {
							out[((l*s+kk)*cin+ci)*n+bb] += wv * g[(l*cout+co)*n+bb]
						}
					}
				}
			}
		}
	case OpConv1DW:
		g, in := val[a.ID], val[b.ID]
		lout, cout, cin := a.Shape[0], a.Shape[1], b.Shape[1]
		for l := 0; l < lout; l++ {
			for co := 0; co < cout; co++ {
				for kk := 0; kk < k; kk++ {
					for ci := 0; ci < cin; ci++ {
						sum := 0.0
						for bb := 0; bb < n; bb++ {
							sum += g[(l*cout+co)*n+bb] * in[((l*s+kk)*cin+ci)*n+bb]
						}
						out[co*k*cin+kk*cin+ci] += sum
					}
				}
			}
		}
	}
}

// Batch is the data an interpreted evaluation runs on: n samples, the values of the
// batched leaves (inputs, targets, dropout masks) batch-major, parameters by name, and
// the row range of each point set.
type Batch struct {
	N      int
	Leaves map[string][]float64 // by leaf name: element f of sample b at f*N+b
	Params map[string][]float64
	Sets   [][2]int // Sets[i] = [lo, hi): the rows of point set i
}

// Evaluate interprets g in float64 and returns every value up to the roots, indexed by
// node ID (batched values batch-major with stride N). It is the reference that generated
// code and the derivative passes are tested against: slow, simple, obviously right.
func Evaluate(g *Graph, roots []*Node, in *Batch) [][]float64 {
	last := 0
	for _, r := range roots {
		last = max(last, r.ID)
	}
	val := make([][]float64, last+1)
	n := in.N
	rows := func(sets uint64) []int {
		var out []int
		for b := 0; b < n; b++ {
			if sets == 0 {
				out = append(out, b)
				continue
			}
			for i, s := range in.Sets {
				if sets&(1<<i) != 0 && b >= s[0] && b < s[1] {
					out = append(out, b)
					break
				}
			}
		}
		return out
	}
	// at reads element f of sample b of an argument, broadcasting scalars and unbatched values.
	at := func(a *Node, f, b int) float64 {
		v := val[a.ID]
		if len(a.Shape) == 0 {
			if a.Batched {
				return v[b]
			}
			return v[0]
		}
		if a.Batched {
			if a.Size() == 1 {
				return v[b] // one value per sample, repeated over another's elements
			}
			return v[f*n+b]
		}
		return v[f%len(v)]
	}
	for _, x := range g.Nodes[:last+1] {
		size := x.Size()
		out := make([]float64, size*max(1, map[bool]int{true: n, false: 1}[x.Batched]))
		stride := 1
		if x.Batched {
			stride = n
		}
		switch x.Op {
		case OpInput, OpTarget, OpDropMask:
			copy(out, in.Leaves[x.Name])
		case OpParam:
			copy(out, in.Params[x.Name])
		case OpConst:
			out[0] = x.Value
		case OpConstVec:
			copy(out, x.Vec)
		case OpMatVec, OpMatTVec:
			w, v := x.Args[0], x.Args[1]
			cols := w.Shape[1]
			for b := 0; b < stride; b++ {
				for j := 0; j < size; j++ {
					s := 0.0
					for k := 0; k < v.Size(); k++ {
						var wk float64
						if x.Op == OpMatTVec {
							wk = val[w.ID][k*cols+j]
						} else {
							wk = val[w.ID][j*cols+k]
						}
						s += wk * at(v, k, b)
					}
					out[j*stride+b] = s
				}
			}
		case OpOuter:
			u, v := x.Args[0], x.Args[1]
			bs := 1
			if u.Batched {
				bs = n
			}
			for j := 0; j < x.Shape[0]; j++ {
				for k := 0; k < x.Shape[1]; k++ {
					s := 0.0
					for b := 0; b < bs; b++ {
						s += at(u, j, b) * at(v, k, b)
					}
					out[j*x.Shape[1]+k] = s
				}
			}
		case OpSumBatch:
			for f := 0; f < x.Args[0].Size(); f++ {
				for b := 0; b < n; b++ {
					out[f%size] += at(x.Args[0], f, b)
				}
			}
		case OpBroadcast:
			for f := 0; f < size; f++ {
				for b := 0; b < n; b++ {
					out[f*n+b] = at(x.Args[0], f, 0)
				}
			}
		case OpPad, OpCrop:
			a := x.Args[0]
			c := x.Shape[1]
			for l := 0; l < x.Shape[0]; l++ {
				src := l - x.PadL
				if x.Op == OpCrop {
					src = l + x.PadL
				}
				if src < 0 || src >= a.Shape[0] {
					continue
				}
				for ch := 0; ch < c; ch++ {
					for b := 0; b < stride; b++ {
						out[(l*c+ch)*stride+b] = at(a, src*c+ch, b)
					}
				}
			}
		case OpConv1D, OpConv1DT, OpConv1DW:
			evalConv(x, val, n, out)
		case OpRowSum, OpRowMax, OpArgmaxMask, OpRepeat, OpSoftmax, OpLogSumExp, OpOneHot, OpReshape,
			OpPoolSum, OpPoolSumT, OpPoolSelect, OpPoolScatter:
			evalSample(x, n, at, out)
		case OpMean:
			a := x.Args[0]
			rs := rows(x.Sets)
			s := 0.0
			for f := 0; f < a.Size(); f++ {
				for _, b := range rs {
					s += at(a, f, b)
				}
			}
			out[0] = s / float64(len(rs)*a.Size())
		case OpSpread:
			rs := rows(x.Sets)
			v := at(x.Args[0], 0, 0) / float64(len(rs)*size)
			for f := 0; f < size; f++ {
				for _, b := range rs {
					out[f*n+b] = v
				}
			}
		case OpConcat:
			off := 0
			for _, a := range x.Args {
				for f := 0; f < a.Size(); f++ {
					for b := 0; b < stride; b++ {
						out[(off+f)*stride+b] = at(a, f, b)
					}
				}
				off += a.Size()
			}
		case OpSlice:
			for f := 0; f < size; f++ {
				for b := 0; b < stride; b++ {
					out[f*stride+b] = at(x.Args[0], x.Off+f, b)
				}
			}
		default:
			if Ops[x.Op].Kind != Elementwise {
				internalf("Evaluate: no rule for %s", x.Op)
			}
			args := make([]float64, len(x.Args))
			for f := 0; f < max(size, 1); f++ {
				for b := 0; b < stride; b++ {
					for i, a := range x.Args {
						args[i] = at(a, f, b)
					}
					out[f*stride+b] = Ops[x.Op].Eval(x, args)
				}
			}
		}
		val[x.ID] = out
	}
	return val
}
