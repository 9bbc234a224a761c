package runtime

// The BFGS stage of Fit: quasi-Newton with a dense inverse Hessian H and the self-scaling of
// Al-Baali (SSBFGS), after Urbán, Stefanou & Pons (J. Comput. Phys. 2025), who found it to
// reach errors orders of magnitude below L-BFGS on PINNs. H is n×n float64, so the stage
// suits networks of up to some thousands of parameters (MaxBFGSParams); there an iteration
// costs one pass over H besides its LossGrads.

import (
	"math"
	goruntime "runtime"

	"github.com/mlc-go/mlc/kernels"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// MaxBFGSParams is the most parameters a BFGS stage takes: its H then needs 800 MB.
const MaxBFGSParams = 10000

// bfgsState is H and what an iteration needs beside it. It outlives an L-BFGS-style segment:
// after the points are redrawn the stage goes on with the curvature it learned.
//
// The update of H is deferred: update records it as row i ← a·row i + u_i·s + v_i·hy, and the
// next mul applies it while it reads the row, so an iteration passes over H once.
type bfgsState struct {
	n     int
	h     []float64 // n×n, row-major; H when init, else H is the identity
	init  bool
	hg    []float64 // H·g at the current point
	hgNew []float64
	s, y  []float64
	ps    []float64 // s of the pending update
	hy    []float64 // H·y of the pending update, scaled
	u, v  []float64 // the pending update's row coefficients
	a     float64   // and its scale; 0: none pending
	src   []float64 // mul's operand
	dst   []float64 // and result
	team  Team
	parts int

	x, g, xt, gt, d []float64 // bfgs's point and gradient, the line search's, the direction
}

func newBFGSState(n int) *bfgsState {
	q := &bfgsState{n: n, h: make([]float64, n*n)}
	for _, p := range []*[]float64{&q.hg, &q.hgNew, &q.s, &q.y, &q.ps, &q.hy, &q.u, &q.v, &q.x, &q.g, &q.xt, &q.gt, &q.d} {
		*p = make([]float64, n)
	}
	q.parts = max(1, min(goruntime.GOMAXPROCS(0), 8))
	q.team.Init(q.parts, q.mulRows)
	return q
}

// mul sets dst = H·src, first applying a pending update to each row it reads.
func (q *bfgsState) mul(dst, src []float64) {
	if !q.init {
		copy(dst, src)
		return
	}
	q.src, q.dst = src, dst
	q.team.Run(q.n >= 256)
	q.a = 0
}

// mulRows is part k of mul: rows [k·n/parts, (k+1)·n/parts), each updated and multiplied in
// one pass (kernels.RowUpdateDot64; with no update pending, a = 1 and u = v = 0).
func (q *bfgsState) mulRows(k int) {
	n := q.n
	pending := q.a != 0
	for i := k * n / q.parts; i < (k+1)*n/q.parts; i++ {
		a, u, v := 1.0, 0.0, 0.0
		if pending {
			a, u, v = q.a, q.u[i], q.v[i]
		}
		q.dst[i] = kernels.RowUpdateDot64(q.h[i*n:i*n+n], q.ps, q.hy, q.src, a, u, v)
	}
}

// forget makes H the identity again (steepest descent), dropping any pending update.
func (q *bfgsState) forget() {
	q.init, q.a = false, 0
}

// update takes the step s = x₊ − x (q.s), y = g₊ − g (q.y) made with step length alpha
// along −H·gOld, and leaves H₊·g in q.hg, g being g₊. The update is the inverse BFGS formula
// applied to H/τ, τ = min(1, 1/b), b = sᵀBs/yᵀs (Al-Baali's self-scaling: H grows where it
// underestimates the inverse curvature along s). A step without positive curvature (yᵀs ≤ 0)
// leaves H as it is.
func (q *bfgsState) update(alpha float64, gOld, g []float64) {
	s, y, hg := q.s, q.y, q.hg // hg is H·gOld
	sy := dot(s, y)
	if !(sy > 0) {
		q.mul(hg, g)
		return
	}
	rho := 1 / sy
	tau := 1.0
	if !q.init {
		// The first update starts from the identity scaled by yᵀs/yᵀy (Nocedal & Wright,
		// eq. 6.20), not from the identity the first step was taken with.
		scale := sy / dot(y, y)
		clear(q.h)
		for i := range q.n {
			q.h[i*q.n+i] = scale
		}
		q.init, q.a = true, 0
		for i := range hg {
			hg[i] = scale * gOld[i]
		}
	} else if b := -alpha * rho * dot(s, gOld); b > 1 {
		tau = 1 / b
	}
	hgNew := q.hgNew
	q.mul(hgNew, g)
	a := 1 / tau
	hy := q.hy
	for i := range hy {
		hy[i] = a * (hgNew[i] - hg[i])
	}
	c := rho * (1 + rho*dot(y, hy))
	sg, hyg := dot(s, g), dot(hy, g)
	for i := range hg {
		hg[i] = a*hgNew[i] - rho*(hy[i]*sg+s[i]*hyg) + c*s[i]*sg
		q.u[i] = c*s[i] - rho*hy[i]
		q.v[i] = -rho * s[i]
	}
	copy(q.ps, s)
	q.a = a
}

// bfgsGradTol is the largest gradient component at which BFGS stops, as gonum's optimizers
// (its GradStopThreshold) do.
const bfgsGradTol = 1e-12

// dot is Σ a[i]·b[i] summed in order. Not floats.Dot: its assembly sums in another order,
// and the last bits of these products steer thousands of iterations, so the trained
// networks (and the figures measured with them) would change.
func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// bfgs runs BFGS iterations from x0, at most maxIter (0: no limit), with the Moré–Thuente
// line search L-BFGS uses, and says how it ended in gonum's terms, for lbfgsStop. If a line
// search fails with a curvature-informed H, H is dropped and the iteration tried again along
// the steepest descent: H learned on other points (after a redraw) can point nowhere useful.
func (r *lbfgsRun[T]) bfgs(q *bfgsState, x0 []float64, maxIter int, conv *optimize.FunctionConverge) (optimize.Status, error) {
	x, g, xt, gt, d := q.x, q.g, q.xt, q.gt, q.d
	copy(x, x0)
	e := r.at(x)
	if st, _ := r.Status(); st != optimize.NotTerminated {
		return st, nil
	}
	fx := e.f
	copy(g, e.g)
	loc := &optimize.Location{X: x, F: fx}
	r.Record(loc, optimize.MajorIteration, nil)
	conv.Init(len(x))
	conv.Converged(loc)
	q.mul(q.hg, g)
	ls := &optimize.MoreThuente{DecreaseFactor: lbfgsDecrease, CurvatureFactor: lbfgsCurvature}
	for it := 0; maxIter == 0 || it < maxIter; it++ {
		var alpha float64
		for {
			step, ft, err := r.lineSearch(ls, q, x, g, fx, xt, gt, d)
			switch {
			case err == nil:
				alpha, fx = step, ft
			case r.bad != 0:
				return optimize.Failure, nil
			case r.f.outOfTime():
				return optimize.RuntimeLimit, nil
			case !q.init:
				return optimize.Failure, err // r.lsStuck says if it was too many evaluations
			default:
				q.forget()
				copy(q.hg, g)
				r.lsStuck, r.lsEvals = false, 0
				continue
			}
			break
		}
		floats.SubTo(q.s, xt, x)
		floats.SubTo(q.y, gt, g)
		copy(x, xt)
		r.Record(loc, optimize.MajorIteration, nil)
		if floats.Norm(gt, math.Inf(1)) < bfgsGradTol {
			return optimize.GradientThreshold, nil
		}
		loc.F = fx
		if conv.Converged(loc) != optimize.NotTerminated {
			return optimize.FunctionConvergence, nil
		}
		q.update(alpha, g, gt)
		copy(g, gt)
	}
	return optimize.IterationLimit, nil
}

// lineSearch searches along d = −H·g from x (loss fx, gradient g) for a point satisfying the
// strong Wolfe conditions; it leaves that point and its gradient in xt and gt and returns its
// step length. A first step (H the identity) starts at length 1/|g|, as gonum's BFGS does.
// It returns the step's length and loss, or an error when the search fails or the fit must
// stop (r.Status says which).
func (r *lbfgsRun[T]) lineSearch(ls *optimize.MoreThuente, q *bfgsState, x, g []float64, fx float64, xt, gt, d []float64) (step, f float64, err error) {
	for i, v := range q.hg {
		d[i] = -v
	}
	dg := dot(g, d)
	if !(dg < 0) {
		return 0, 0, optimize.ErrNonDescentDirection
	}
	step = 1.0
	if !q.init {
		step = 1 / math.Sqrt(-dg)
	}
	ls.Init(fx, dg, step)
	for {
		if floats.Equal(floats.AddScaledTo(xt, x, step, d), x) {
			return 0, 0, optimize.ErrNoProgress
		}
		r.lsEvals++
		e := r.at(xt)
		if st, _ := r.Status(); st != optimize.NotTerminated {
			return 0, 0, optimize.ErrLinesearcherFailure
		}
		copy(gt, e.g)
		op, next, err := ls.Iterate(e.f, dot(gt, d))
		if err != nil {
			return 0, 0, optimize.ErrLinesearcherFailure
		}
		if op == optimize.MajorIteration {
			return step, e.f, nil
		}
		step = next
	}
}
