package ir

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// pinnGraph builds u(x, t) = W3·act(W2·act(W1·[x;t] + b1) + b2) + b3 for an activation.
func pinnGraph(act Op) (g *Graph, x, t, u *Node, params []*Param) {
	g = NewGraph()
	x = g.Leaf(OpInput, "x", []int{1}, true, posZero)
	t = g.Leaf(OpInput, "t", []int{1}, true, posZero)
	in := g.must(OpConcat, "in", posZero, x, t)
	h := in
	sizes := []int{2, 5, 4, 1}
	for l := 0; l < 3; l++ {
		w := &Param{Name: fmt.Sprintf("W%d", l), Shape: []int{sizes[l+1], sizes[l]}}
		b := &Param{Name: fmt.Sprintf("b%d", l), Shape: []int{sizes[l+1]}}
		params = append(params, w, b)
		h = g.must(OpAdd, "", posZero, g.must(OpMatVec, "", posZero, g.ParamNode(w), h), g.ParamNode(b))
		if l < 2 {
			h = g.must(act, fmt.Sprintf("h%d", l), posZero, h)
		}
	}
	h.Name = "u"
	return g, x, t, h, params
}

func randomParams(rng *rand.Rand, ps []*Param) map[string][]float64 {
	out := map[string][]float64{}
	for _, p := range ps {
		v := make([]float64, p.Size())
		for i := range v {
			v[i] = rng.Float64()*1.6 - 0.8
		}
		out[p.Name] = v
	}
	return out
}

// TestInputDerivativesAgainstFiniteDifferences checks u_x, u_t, u_xx, u_tt and u_xt from
// the tangent pass (applied twice for second order) against central differences of u
// (step 1e-4 for first, 1e-3 for second derivatives: truncation h² times the next
// derivative, about 1e-8 here, rounding ε/h² about 1e-10: tolerance 1e-6 relative).
func TestInputDerivativesAgainstFiniteDifferences(t *testing.T) {
	for _, act := range []Op{OpTanh, OpSigmoid, OpSin, OpSoftplus} {
		t.Run(act.String(), func(t *testing.T) {
			g, x, tt, u, params := pinnGraph(act)
			ux, ut := Tangent(g, u, x), Tangent(g, u, tt)
			uxx, utt, uxt := Tangent(g, ux, x), Tangent(g, ut, tt), Tangent(g, ux, tt)
			rng := rand.New(rand.NewPCG(1, 2))
			ps := randomParams(rng, params)
			const n = 6
			xs, ts := make([]float64, n), make([]float64, n)
			for i := range xs {
				xs[i], ts[i] = 2*rng.Float64()-1, rng.Float64()
			}
			eval := func(xv, tv []float64) [][]float64 {
				return Evaluate(g, []*Node{u, ux, ut, uxx, utt, uxt}, &Batch{N: n, Leaves: map[string][]float64{"x": xv, "t": tv}, Params: ps})
			}
			base := eval(xs, ts)
			shift := func(v []float64, h float64) []float64 {
				o := append([]float64(nil), v...)
				for i := range o {
					o[i] += h
				}
				return o
			}
			uAt := func(dx, dt float64) []float64 { return eval(shift(xs, dx), shift(ts, dt))[u.ID] }
			const h1, h2 = 1e-4, 1e-3
			check := func(name string, got []float64, want func(b int) float64) {
				for b := 0; b < n; b++ {
					w := want(b)
					if d := math.Abs(got[b] - w); d > 1e-6*math.Max(1, math.Abs(w)) {
						t.Errorf("%s at sample %d: %.10g, finite differences %.10g", name, b, got[b], w)
					}
				}
			}
			px, mx, pt, mt := uAt(h1, 0), uAt(-h1, 0), uAt(0, h1), uAt(0, -h1)
			check("u_x", base[ux.ID], func(b int) float64 { return (px[b] - mx[b]) / (2 * h1) })
			check("u_t", base[ut.ID], func(b int) float64 { return (pt[b] - mt[b]) / (2 * h1) })
			px2, mx2, pt2, mt2 := uAt(h2, 0), uAt(-h2, 0), uAt(0, h2), uAt(0, -h2)
			u0 := base[u.ID]
			check("u_xx", base[uxx.ID], func(b int) float64 { return (px2[b] - 2*u0[b] + mx2[b]) / (h2 * h2) })
			check("u_tt", base[utt.ID], func(b int) float64 { return (pt2[b] - 2*u0[b] + mt2[b]) / (h2 * h2) })
			pp, pm, mp, mm := uAt(h2, h2), uAt(h2, -h2), uAt(-h2, h2), uAt(-h2, -h2)
			check("u_xt", base[uxt.ID], func(b int) float64 { return (pp[b] - pm[b] - mp[b] + mm[b]) / (4 * h2 * h2) })
		})
	}
}

// TestPDELossGradient differentiates a Burgers-like residual loss with respect to the
// parameters (reverse mode over the tangent graph) and compares with finite differences.
func TestPDELossGradient(t *testing.T) {
	g, x, tt, u, params := pinnGraph(OpTanh)
	ux, ut := Tangent(g, u, x), Tangent(g, u, tt)
	uxx := Tangent(g, ux, x)
	nu := g.Const(0.01 / math.Pi)
	r := g.must(OpSub, "r", posZero, g.must(OpAdd, "", posZero, ut, g.must(OpMul, "", posZero, u, ux)), g.must(OpMul, "", posZero, nu, uxx))
	loss := g.MeanOver(g.must(OpMul, "", posZero, r, r), 0, "loss", posZero)
	wrt := make([]*Node, len(params))
	for i, p := range params {
		wrt[i] = g.ParamNode(p)
	}
	grads := Differentiate(g, loss, wrt)
	rng := rand.New(rand.NewPCG(3, 4))
	ps := randomParams(rng, params)
	const n = 5
	xs, ts := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i], ts[i] = 2*rng.Float64()-1, rng.Float64()
	}
	in := &Batch{N: n, Leaves: map[string][]float64{"x": xs, "t": ts}, Params: ps}
	vals := Evaluate(g, append([]*Node{loss}, grads...), in)
	for i, p := range params {
		orig := append([]float64(nil), ps[p.Name]...)
		want := fd.Gradient(nil, func(v []float64) float64 {
			copy(ps[p.Name], v)
			return Evaluate(g, []*Node{loss}, in)[loss.ID][0]
		}, orig, &fd.Settings{Formula: fd.Central, Step: 1e-6})
		copy(ps[p.Name], orig)
		got := vals[grads[i].ID]
		if grads[i].Op == OpConst {
			got = make([]float64, len(want))
		}
		for k := range want {
			if d := math.Abs(got[k] - want[k]); d > 1e-6*math.Max(1, math.Abs(want[k])) {
				t.Errorf("d loss/d %s[%d] = %.10g, finite differences %.10g", p.Name, k, got[k], want[k])
			}
		}
	}
}
