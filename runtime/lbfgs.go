package runtime

// The L-BFGS and BFGS stages of Fit: gonum's optimize.LBFGS (or mlc's BFGS, bfgs.go) with a
// strong-Wolfe line search, in float64, sharing each evaluation between Func and Grad.

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/optimize"
)

// lbfgsRun is the float64 view of the model that gonum's L-BFGS (or the BFGS of bfgs.go)
// minimises. Func and Grad at
// the same point share one LossGrad: the last point evaluated (and the best one, which the
// Moré–Thuente line search returns to when it gives up) are cached with their loss, gradient
// and terms.
type lbfgsRun[T Float] struct {
	f     *fitter[T]
	stage int

	last, best evalPoint
	majors     int     // MajorIterations seen by the recorder; the first is the start
	lsEvals    int     // evaluations gonum asked for since the last major iteration
	lsStuck    bool    // lsEvals passed lbfgsMaxLineSearch
	bad        float64 // a non-finite loss (or gradient component) met, else 0
	badWhat    string
	lineEvery  int
	steps      int
	done       int // iterations of the stage before this segment
}

// evalPoint is one evaluated point.
type evalPoint struct {
	ok    bool
	x, g  []float64
	f     float64
	terms []float64
}

func newEvalPoint(n, nt int) evalPoint {
	return evalPoint{x: make([]float64, n), g: make([]float64, n), terms: make([]float64, nt)}
}

func (e *evalPoint) set(o *evalPoint) {
	e.ok, e.f = o.ok, o.f
	copy(e.x, o.x)
	copy(e.g, o.g)
	copy(e.terms, o.terms)
}

// at returns the cached point at x, if any.
func (r *lbfgsRun[T]) at(x []float64) *evalPoint {
	switch {
	case r.last.ok && slices.Equal(r.last.x, x):
		return &r.last
	case r.best.ok && slices.Equal(r.best.x, x):
		return &r.best
	}
	return r.eval(x)
}

func (r *lbfgsRun[T]) eval(x []float64) *evalPoint {
	f := r.f
	for i, v := range x {
		f.params[i] = T(v)
	}
	loss := f.m.LossGrad()
	freeze(f.bal, f.grads)
	f.h.Evaluations++
	e := &r.last
	copy(e.x, x)
	for i, g := range f.grads {
		e.g[i] = float64(g)
	}
	e.f, e.ok = loss, true
	copy(e.terms, f.m.Terms())
	if !isFinite(loss) {
		r.bad, r.badWhat = loss, "loss"
		return e
	}
	for _, g := range e.g {
		if !isFinite(g) {
			r.bad, r.badWhat = g, "gradient"
			return e
		}
	}
	f.last = loss
	if !r.best.ok || loss < r.best.f {
		r.best.set(e)
	}
	return e
}

// Status is called by gonum after every evaluation: it stops the run on a non-finite loss
// and when the fit's time is up (measured without Observe, unlike Settings.Runtime).
func (r *lbfgsRun[T]) Status() (optimize.Status, error) {
	if r.bad != 0 {
		return optimize.Failure, nil
	}
	if r.lsEvals > lbfgsMaxLineSearch {
		r.lsStuck = true
		return optimize.Failure, nil
	}
	if r.f.outOfTime() {
		return optimize.RuntimeLimit, nil
	}
	return optimize.NotTerminated, nil
}

// Init and Record make lbfgsRun gonum's Recorder: each major iteration is a step.
func (r *lbfgsRun[T]) Init() error { return nil }

func (r *lbfgsRun[T]) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if op != optimize.MajorIteration {
		return nil
	}
	r.majors++
	r.lsEvals = 0
	if r.majors == 1 { // the starting point
		return nil
	}
	f := r.f
	f.step++
	k := r.done + r.majors - 1
	e := r.at(loc.X) // the line search's last point, in practice: no new evaluation
	if f.step%f.cfg.Every == 0 {
		if !slices.Equal(e.x, r.last.x) {
			for i, v := range e.x {
				f.params[i] = T(v)
			}
		}
		f.record(r.stage, e.f, e.terms)
	}
	if p := f.p; p != nil {
		switch {
		case p.tty:
			p.fitStep(f.cfg.Stages[r.stage].Optimizer, k, r.steps, e.f, f.names, e.terms, f.clock.seconds())
		case k%r.lineEvery == 0:
			p.fitLine(f.cfg.Stages[r.stage].Optimizer, k, r.steps, e.f, f.names, e.terms, f.clock.seconds())
		}
	}
	return nil
}

// lbfgs runs an L-BFGS stage. With residual-based resampling (cfg.Resample) the stage runs
// in segments of Resample.Every iterations: after each the points are drawn again and L-BFGS
// starts afresh from where it stopped, its curvature memory being that of the old points.
func (f *fitter[T]) lbfgs(si int) error {
	s := f.cfg.Stages[si]
	stepsBefore := f.step
	for {
		seg := s.Steps - (f.step - stepsBefore) // 0 or less: no step count
		if s.Steps <= 0 {
			seg = 0
		}
		resample := f.rad != nil && f.cfg.Resample.Every > 0
		if resample && (seg <= 0 || seg > f.cfg.Resample.Every) {
			seg = f.cfg.Resample.Every
		}
		end, err := f.lbfgsSegment(si, seg, f.step-stepsBefore)
		if err != nil {
			return err
		}
		if !resample || !end.full || (s.Steps > 0 && f.step-stepsBefore >= s.Steps) {
			if f.p != nil {
				f.p.fitEnd(s.Optimizer, f.step-stepsBefore, s.Steps, end.loss, f.names, end.terms, f.clock.seconds(), end.stop)
			}
			f.h.Stops = append(f.h.Stops, end.stop)
			return nil
		}
		if err := f.rad.Resample(f.radRNG, f.cfg.Resample.K, f.cfg.Resample.C); err != nil {
			return err
		}
		f.h.Resamples++
	}
}

// lbfgsEnd is how an L-BFGS segment ended: why, whether it ran all its steps, and the loss
// and terms at the best point it evaluated.
type lbfgsEnd struct {
	stop  string
	full  bool
	loss  float64
	terms []float64
}

// lbfgsSegment runs the stage's L-BFGS or BFGS for up to steps iterations (0: no limit), done
// iterations of the stage being behind it. It says why it stopped and whether it ran all
// its steps; it leaves the model at the best point evaluated.
func (f *fitter[T]) lbfgsSegment(si, steps, done int) (lbfgsEnd, error) {
	s := f.cfg.Stages[si]
	n, nt := len(f.params), len(f.names)
	r := &lbfgsRun[T]{f: f, stage: si, last: newEvalPoint(n, nt), best: newEvalPoint(n, nt), steps: s.Steps, done: done}
	r.lineEvery = max(f.cfg.Every, progressEveryUnlimited)
	if s.Steps > 0 {
		r.lineEvery = max(f.cfg.Every, s.Steps/50)
	}
	x0 := make([]float64, n)
	for i, v := range f.params {
		x0[i] = float64(v)
	}
	// FunctionConverge stops after lbfgsConvergeIterations iterations without a decrease of
	// more than relTol·|loss| below the best so far. relTol sits just above the rounding noise
	// of a loss summed over thousands of points in T (about 10 ulp of T, and not below 1e-12
	// in float64), so the stage stops when it truly stalls, not when it merely slows: a PINN's
	// last digits come slowly but are worth having. A user who wants less bounds the stage
	// with steps or the fit with a time limit. No absolute tolerance: the loss of a PINN can
	// legitimately be 1e-8.
	conv := &optimize.FunctionConverge{Relative: lbfgsRelTol[T](), Iterations: lbfgsConvergeIterations}
	stepsBefore := f.step
	var res *optimize.Result
	var err error
	if s.Optimizer == "bfgs" {
		if f.qn == nil {
			f.qn = newBFGSState(n)
		}
		var st optimize.Status
		if st, err = r.bfgs(f.qn, x0, steps, conv); err == nil {
			res = &optimize.Result{Status: st}
		}
	} else {
		res, err = r.minimizeLBFGS(x0, steps, s.Memory, conv)
	}

	// The iterations done: gonum counts the start as a major iteration, and does not show
	// the recorder the one that ends the run.
	iters := max(r.majors-1, 0)
	if res != nil {
		iters = max(iters, res.MajorIterations-1)
	}
	f.step = stepsBefore + iters
	// Put the model at the best point evaluated: the last evaluation may be a rejected
	// line-search trial, and res.X (the last major iteration) is never better than it.
	if r.best.ok {
		for i, v := range r.best.x {
			f.params[i] = T(v)
		}
		f.last = r.best.f
	} else if res != nil {
		for i, v := range res.X {
			f.params[i] = T(v)
		}
	}
	if r.bad != 0 {
		f.step = stepsBefore + iters + 1 // the iteration under way
		return lbfgsEnd{}, f.diverged(r.bad, r.badWhat, si)
	}
	name := quasiNewtonName[s.Optimizer]
	stop, err := lbfgsStop(res, err, s.Steps, name)
	if r.lsStuck {
		stop, err = name+": line search failed ("+strconv.Itoa(lbfgsMaxLineSearch)+" evaluations without an acceptable step)", nil
	}
	if err != nil {
		return lbfgsEnd{}, fmt.Errorf("fit: stage %d (%s): %w", si+1, s.Optimizer, err)
	}
	if r.best.ok && f.step > stepsBefore {
		last := len(f.h.Records) - 1
		if last < 0 || f.h.Records[last].Step != f.step || f.h.Records[last].Loss != r.best.f {
			f.record(si, r.best.f, r.best.terms)
		}
	}
	b := &r.best
	if !b.ok {
		b = &r.last
	}
	return lbfgsEnd{stop, res != nil && res.Status == optimize.IterationLimit, b.f, b.terms}, nil
}

// minimizeLBFGS runs gonum's L-BFGS from x0 for up to steps iterations (0: no limit) with
// history memory (0: defaultLBFGSMemory) and the stop rule conv.
func (r *lbfgsRun[T]) minimizeLBFGS(x0 []float64, steps, memory int, conv *optimize.FunctionConverge) (*optimize.Result, error) {
	prob := optimize.Problem{
		Func: func(x []float64) float64 {
			r.lsEvals++
			return r.at(x).f
		},
		Grad:   func(g, x []float64) { copy(g, r.at(x).g) },
		Status: r.Status,
	}
	// The time limit is enforced by r.Status against the fit's clock, which excludes
	// Observe; Settings.Runtime would count it.
	settings := &optimize.Settings{Converger: conv, Recorder: r}
	if steps > 0 {
		settings.MajorIterations = steps + 1 // gonum counts the starting point as one
	}
	if memory == 0 {
		memory = defaultLBFGSMemory
	}
	method := &optimize.LBFGS{
		Store: memory,
		// gonum's LBFGS defaults to a bisection line search; ask for Moré–Thuente, as
		// PyTorch's line_search_fn="strong_wolfe".
		Linesearcher: &optimize.MoreThuente{DecreaseFactor: lbfgsDecrease, CurvatureFactor: lbfgsCurvature},
	}
	return optimize.Minimize(prob, x0, settings, method)
}

// quasiNewtonName names the quasi-Newton optimizers in stop reasons.
var quasiNewtonName = map[string]string{"lbfgs": "L-BFGS", "bfgs": "BFGS"}

// lbfgsStop turns gonum's status and error into a stop reason. Errors that only say the line
// search could not make further progress are normal ends of the stage, not failures.
func lbfgsStop(res *optimize.Result, err error, steps int, name string) (string, error) {
	switch {
	case errors.Is(err, optimize.ErrLinesearcherFailure):
		return name + ": line search failed (no further decrease found)", nil
	case errors.Is(err, optimize.ErrNoProgress):
		return name + ": no progress (steps too small to change the parameters)", nil
	case errors.Is(err, optimize.ErrNonDescentDirection):
		return name + ": no descent direction", nil
	case errors.Is(err, optimize.ErrLinesearcherBound):
		return name + ": line search step out of bounds", nil
	case err != nil:
		return "", err
	case res == nil:
		return "", errors.New("optimize returned no result")
	}
	switch res.Status {
	case optimize.FunctionConvergence:
		return name + ": function converged", nil
	case optimize.GradientThreshold:
		return name + ": gradient converged", nil
	case optimize.IterationLimit:
		return count(steps, "iteration"), nil
	case optimize.RuntimeLimit:
		return "time limit", nil
	}
	return name + ": " + res.Status.String(), nil
}

// lbfgsRelTol is the relative decrease FunctionConverge asks for: 10 ulp of T, at least 1e-12.
func lbfgsRelTol[T Float]() float64 {
	tiny := 1e-10
	if T(1+tiny) == 1 { // float32
		return 10 * 0x1p-23
	}
	return 1e-12
}
