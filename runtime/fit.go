package runtime

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// FullBatch is a model trained on all its points at once (a physics-informed network):
// the generated package's Model for a .ml file with `points` statements.
type FullBatch[T Float] interface {
	Params() []T
	Grads() []T
	// LossGrad evaluates the loss on all points and writes its gradient into Grads.
	LossGrad() float64
	// Loss evaluates the loss without the gradient.
	Loss() float64
	// Terms are the values of the loss's named terms at the last Loss or LossGrad.
	Terms() []float64
	TermNames() []string
}

// Stage is one step of an optimizer schedule: `optimizer adam(lr = 1e-3, steps = 1000) then lbfgs`.
type Stage struct {
	Optimizer string // "adam", "sgd", "lbfgs" or "bfgs"
	// Steps is the number of iterations of this stage; 0: FitConfig.Epochs for adam/sgd,
	// unlimited (until converged or out of time) for lbfgs.
	Steps int
	// LR, Beta1, Beta2, Epsilon, Momentum are the adam/sgd settings (Keras semantics; zero
	// means Keras' default: adam lr 1e-3, β1 0.9, β2 0.999, ε 1e-7; sgd lr 0.01, no momentum).
	LR, Beta1, Beta2, Epsilon, Momentum float64
	// Memory is the lbfgs history size (0: 100, as the PyTorch reference uses). bfgs keeps
	// the whole inverse Hessian instead, and takes at most MaxBFGSParams parameters.
	Memory int
}

// FitConfig is how Fit trains: the optimizer schedule and when to stop.
type FitConfig struct {
	Stages []Stage
	// Epochs is the default number of steps of a first-order stage without Steps.
	Epochs int
	// StopRelChange and StopPatience are the tutorial's convergence stop for first-order
	// stages: with patience p, stage step k stops the stage when k > p+1 and
	// |loss(k) − loss(k−j)| < StopRelChange·loss(k) for every j in 1…p (its
	// `e > patience and max(abs(losses[e-patience:e] - loss)) < threshold*loss`, e = k−1).
	// Either being 0 disables the rule. L-BFGS stages have their own convergence test.
	StopRelChange float64
	StopPatience  int
	// TimeLimit bounds the training time (Observe excluded) of the whole fit; 0: none. A stage
	// running when it expires stops; later stages do not start.
	TimeLimit time.Duration
	Out       io.Writer // progress; nil: os.Stderr
	Quiet     bool
	// Every is how often (in steps/iterations, counted across stages) a record is kept and,
	// if set, Observe is called; 0: 10. The last step of every stage is recorded too.
	Every int
	// Observe is called with each record, e.g. to compute the error against an exact solution
	// into rec.Extra (nil until Observe sets it). The model's parameters are those at which
	// rec.Loss was computed; Observe may call Loss or predict with the model but not LossGrad.
	// Its time is not counted as training time.
	Observe func(rec *FitRecord)
	// Balance weighs the loss terms by their gradient norms; the zero value: fixed weights.
	Balance Balance
	// Resample draws a Resampler's sampled points again by their residuals; the zero
	// value: fixed points.
	Resample Resample
	// Causal weighs a CausalWeighter's sampled points by time chunk; the zero value: not.
	Causal Causal
}

// FitRecord is the state of a fit at one step.
type FitRecord struct {
	Step    int       `json:"step"`    // counting across stages, from 1
	Stage   int       `json:"stage"`   // index into FitConfig.Stages (and FitHistory.Stops)
	Seconds float64   `json:"seconds"` // training time so far (excluding Observe)
	Loss    float64   `json:"loss"`    // at the parameters the step started from (adam/sgd) or reached (lbfgs)
	Terms   []float64 `json:"terms"`   // in the order of TermNames
	// Coefficients are the model's trainable coefficients (param statements), in the order
	// of FitHistory.CoefficientNames; nil for a model without them.
	Coefficients []float64          `json:"coefficients,omitempty"`
	Extra        map[string]float64 `json:"extra,omitempty"` // set by Observe
}

// FitHistory is what Fit returns.
type FitHistory struct {
	Records []FitRecord `json:"records"`
	// Stops says, for each stage that ran, why it stopped ("3000 steps", "rel_change < 1e-4
	// over 10 steps", "L-BFGS: function converged", "time limit", …).
	Stops       []string `json:"stops"`
	Steps       int      `json:"steps"`               // steps and iterations of all stages
	Evaluations int      `json:"evaluations"`         // loss+gradient evaluations (LossGrad calls)
	Resamples   int      `json:"resamples,omitempty"` // times the sampled points were drawn again
	// CausalWeights are the time chunks' weights at the last causal update (train causal).
	CausalWeights []float64 `json:"causal_weights,omitempty"`
	Seconds       float64   `json:"seconds"` // training time (excluding Observe)
	// FinalLoss is the loss at the parameters Fit leaves in the model (one Loss call at the
	// end). After a divergence it is the last finite loss seen.
	FinalLoss float64 `json:"final_loss"`
	// CoefficientNames name FitRecord.Coefficients: the model's `param` statements.
	CoefficientNames []string `json:"coefficient_names,omitempty"`
}

// Defaults and L-BFGS settings.
const (
	defaultEvery       = 10
	defaultLBFGSMemory = 100 // the history_size of the PyTorch reference (torch_burgers.py)
	// lbfgsConvergeIterations is the window of gonum's FunctionConverge: L-BFGS stops when
	// this many iterations in a row brought no significant decrease (see lbfgsRelTol). A PINN's
	// L-BFGS often crawls along a plateau for tens of iterations and then drops again, so the
	// window is long; at 1–2 evaluations an iteration it costs little when the run is over.
	lbfgsConvergeIterations = 100
	// Line search: strong Wolfe with PyTorch's constants (c1 1e-4, c2 0.9). gonum's MoreThuente
	// defaults c1 to 0, which accepts any step that does not increase the loss.
	lbfgsDecrease  = 1e-4
	lbfgsCurvature = 0.9
	// lbfgsMaxLineSearch bounds the evaluations of one line search, as PyTorch's max_ls. Without
	// it gonum's Moré–Thuente can ask for the same point forever when the loss is flat at the
	// precision of T (a float32 model near its minimum).
	lbfgsMaxLineSearch = 25
	// progressEveryUnlimited is the plain-output line interval of a stage without a step count.
	progressEveryUnlimited = 100
)

// fitNow is the clock; tests replace it to make time limits deterministic.
var fitNow = time.Now

// Fit trains m on all its points with cfg's optimizer schedule, stage after stage, each
// stage continuing from the parameters the previous one left. It does not initialise m.
//
// Adam and SGD stages take one LossGrad and one optimizer step per step, and allocate nothing
// per step but on the steps that update causal weights or redraw points (cfg.Causal,
// cfg.Resample: a buffer of residuals and new columns); balancing the loss terms
// (cfg.Balance) costs one LossGrad per term on its steps and allocates nothing. The records
// are appended to a slice and term store preallocated for the planned
// steps (amortised growth beyond, e.g. for L-BFGS without a step count). An L-BFGS stage runs
// gonum's L-BFGS in float64 with a strong-Wolfe (Moré–Thuente) line search; each point it
// evaluates costs one LossGrad, and the stage leaves the model at the best point it evaluated.
//
// If the loss turns NaN or ±Inf, Fit stops with an error naming the stage and step, and
// returns the history so far (an L-BFGS stage first puts back its best point; a first-order
// stage leaves the parameters that gave the bad loss).
func Fit[T Float](m FullBatch[T], cfg FitConfig) (*FitHistory, error) {
	if m == nil {
		return nil, errors.New("fit: model must not be nil")
	}
	params, grads := m.Params(), m.Grads()
	switch {
	case len(params) == 0:
		return nil, errors.New("fit: the model has no parameters")
	case len(grads) != len(params):
		return nil, fmt.Errorf("fit: model has %d parameters but %d gradients", len(params), len(grads))
	}
	if err := checkFitConfig(&cfg); err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	for i, s := range cfg.Stages {
		if s.Optimizer == "bfgs" && len(params) > MaxBFGSParams {
			return nil, fmt.Errorf("fit: stage %d (bfgs): %d parameters need an inverse Hessian of %.1f GB; bfgs takes up to %d, lbfgs any number",
				i+1, len(params), 8*float64(len(params))*float64(len(params))/1e9, MaxBFGSParams)
		}
	}
	f := newFitter(m, &cfg)
	defer f.release()
	for si := range cfg.Stages {
		if f.outOfTime() {
			break
		}
		var err error
		if QuasiNewton(cfg.Stages[si].Optimizer) {
			if f.causal != nil {
				// (L-)BFGS needs one loss throughout: the plain one, every weight 1.
				if err := f.causal.CausalWeights(cfg.Causal.Chunks, 0, nil); err != nil {
					f.finish(false)
					return f.h, err
				}
			}
			err = f.lbfgs(si)
		} else {
			err = f.firstOrder(si)
		}
		if err != nil {
			f.finish(false)
			return f.h, err
		}
	}
	if err := f.finish(true); err != nil {
		return f.h, err
	}
	return f.h, nil
}

// QuasiNewton says whether an optimizer is L-BFGS or BFGS: a full-batch stage with a line
// search, counted in iterations, not Adam/SGD steps.
func QuasiNewton(optimizer string) bool {
	return optimizer == "lbfgs" || optimizer == "bfgs"
}

// checkFitConfig validates cfg and fills in the defaults.
func checkFitConfig(cfg *FitConfig) error {
	if len(cfg.Stages) == 0 {
		return errors.New("no optimizer stages")
	}
	switch {
	case cfg.Epochs < 0:
		return fmt.Errorf("epochs must not be negative, got %d", cfg.Epochs)
	case cfg.Every < 0:
		return fmt.Errorf("every must not be negative, got %d", cfg.Every)
	case cfg.StopPatience < 0:
		return fmt.Errorf("stop patience must not be negative, got %d", cfg.StopPatience)
	case !(cfg.StopRelChange >= 0) || math.IsInf(cfg.StopRelChange, 0):
		return fmt.Errorf("stop rel_change must be a non-negative number, got %g", cfg.StopRelChange)
	case cfg.TimeLimit < 0:
		return fmt.Errorf("time limit must not be negative, got %v", cfg.TimeLimit)
	}
	if cfg.Every == 0 {
		cfg.Every = defaultEvery
	}
	for i, s := range cfg.Stages {
		where := fmt.Sprintf("stage %d (%s)", i+1, s.Optimizer)
		switch s.Optimizer {
		case "adam", "sgd":
			if s.Steps == 0 && cfg.Epochs == 0 {
				return fmt.Errorf("%s: no step count: set its steps or the epochs", where)
			}
			if s.Memory != 0 {
				return fmt.Errorf("%s: memory is an lbfgs setting", where)
			}
		case "lbfgs", "bfgs":
			if s.LR != 0 || s.Beta1 != 0 || s.Beta2 != 0 || s.Epsilon != 0 || s.Momentum != 0 {
				return fmt.Errorf("%s: lr, beta1, beta2, epsilon and momentum are adam/sgd settings", where)
			}
			if s.Memory < 0 {
				return fmt.Errorf("%s: memory must not be negative, got %d", where, s.Memory)
			}
			if s.Memory != 0 && s.Optimizer == "bfgs" {
				return fmt.Errorf("%s: memory is an lbfgs setting (bfgs keeps the whole inverse Hessian)", where)
			}
		default:
			return fmt.Errorf("stage %d: unknown optimizer %q (adam, sgd, lbfgs or bfgs)", i+1, s.Optimizer)
		}
		if s.Steps < 0 {
			return fmt.Errorf("%s: steps must not be negative, got %d", where, s.Steps)
		}
		for _, v := range []struct {
			name string
			v    float64
		}{{"lr", s.LR}, {"beta1", s.Beta1}, {"beta2", s.Beta2}, {"epsilon", s.Epsilon}, {"momentum", s.Momentum}} {
			if !(v.v >= 0) || math.IsInf(v.v, 0) {
				return fmt.Errorf("%s: %s must be a non-negative number, got %g", where, v.name, v.v)
			}
		}
		if s.Beta1 >= 1 || s.Beta2 >= 1 {
			return fmt.Errorf("%s: beta1 and beta2 must be below 1, got %g and %g", where, s.Beta1, s.Beta2)
		}
	}
	return nil
}

// fitter is one Fit's state, shared by its stages.
type fitter[T Float] struct {
	m      FullBatch[T]
	cfg    *FitConfig
	params []T
	grads  []T
	names  []string
	h      *FitHistory
	clock  fitClock
	p      *progress
	terms  termStore
	coefs  *coefReader // nil for a model without coefficients
	cslab  termStore   // the records' coefficients
	step   int         // global steps done
	qn     *bfgsState  // a bfgs stage's inverse Hessian, made when one starts
	last   float64     // last finite loss seen
	bal    *balancer   // nil: fixed loss weights
	rad    Resampler   // nil: fixed points
	radRNG *rand.Rand
	causal CausalWeighter // nil: no causal weights
}

func newFitter[T Float](m FullBatch[T], cfg *FitConfig) *fitter[T] {
	names := m.TermNames()
	// Records planned: one per Every steps and one per stage end; a stage without a step
	// count gets a guess, and the slices grow (amortised) past it.
	est := 0
	for _, s := range cfg.Stages {
		n := s.Steps
		if n == 0 && !QuasiNewton(s.Optimizer) {
			n = cfg.Epochs
		}
		if n == 0 {
			n = 64 * cfg.Every
		}
		est += n/cfg.Every + 2
	}
	est = min(est, 1<<16)
	f := &fitter[T]{
		m: m, cfg: cfg, params: m.Params(), grads: m.Grads(), names: names,
		h: &FitHistory{
			Records: make([]FitRecord, 0, est),
			Stops:   make([]string, 0, len(cfg.Stages)),
		},
		p:     newProgress(cfg.Out, cfg.Quiet, 0),
		terms: termStore{width: len(names), slab: make([]float64, est*len(names))},
		last:  math.NaN(),
		coefs: newCoefReader(m),
		bal:   newBalancer(cfg.Balance, len(m.Params())),
	}
	if c, ok := m.(CausalWeighter); ok && cfg.Causal.Every > 0 {
		f.causal = c
		f.h.CausalWeights = make([]float64, cfg.Causal.Chunks)
	}
	if r, ok := m.(Resampler); ok && cfg.Resample.Every > 0 {
		f.rad, f.radRNG = r, rand.New(rand.NewPCG(cfg.Resample.Seed, 0x524144))
	}
	if f.p != nil && cfg.Observe != nil {
		f.p.hist = f.h // the errors Observe records end the progress lines
	}
	if c := f.coefs; c != nil {
		f.h.CoefficientNames = c.names
		f.cslab = termStore{width: len(c.names), slab: make([]float64, est*len(c.names))}
		if f.p != nil {
			f.p.coefs = c
		}
	}
	f.clock.start = fitNow()
	return f
}

// finish sets the totals; with final it evaluates the loss at the parameters left in the
// model, so that FinalLoss and m.Terms() describe them.
func (f *fitter[T]) finish(final bool) error {
	f.h.Steps = f.step
	if final {
		loss := f.m.Loss()
		if !isFinite(loss) {
			f.h.Seconds = f.clock.seconds()
			f.h.FinalLoss = f.last
			return fmt.Errorf("training diverged: loss is %v after the last step (%d)", loss, f.step)
		}
		f.last = loss
	}
	f.h.Seconds = f.clock.seconds()
	f.h.FinalLoss = f.last
	return nil
}

// release stops the goroutines of a bfgs stage's passes over H, which would otherwise keep
// H (up to 800 MB) alive after Fit returns.
func (f *fitter[T]) release() {
	if f.qn != nil {
		f.qn.team.Close()
	}
}

func (f *fitter[T]) outOfTime() bool {
	return f.cfg.TimeLimit > 0 && f.clock.elapsed() >= f.cfg.TimeLimit
}

// record keeps a record of global step f.step and calls Observe. If the last record is of
// the same step (an L-BFGS stage's end), it is replaced.
func (f *fitter[T]) record(stage int, loss float64, terms []float64) {
	recs := f.h.Records
	var r *FitRecord
	if n := len(recs); n > 0 && recs[n-1].Step == f.step {
		r = &recs[n-1]
		r.Extra = nil
	} else {
		f.h.Records = append(recs, FitRecord{Step: f.step, Terms: f.terms.next()})
		r = &f.h.Records[len(f.h.Records)-1]
	}
	r.Stage, r.Seconds, r.Loss = stage, f.clock.seconds(), loss
	copy(r.Terms, terms)
	if c := f.coefs; c != nil {
		if r.Coefficients == nil {
			r.Coefficients = f.cslab.next()
		}
		c.vals = c.m.Coefficients(c.vals[:0])
		copy(r.Coefficients, c.vals)
	}
	if f.cfg.Observe != nil {
		t0 := fitNow()
		f.cfg.Observe(r)
		f.clock.excluded += fitNow().Sub(t0)
	}
}

func (f *fitter[T]) diverged(loss float64, what string, stage int) error {
	if f.p != nil {
		f.p.abort()
	}
	where := ""
	if len(f.cfg.Stages) > 1 {
		where = fmt.Sprintf(" (stage %d)", stage+1)
	}
	return fmt.Errorf("training diverged: %s is %v at %s step %d%s", what, loss, f.cfg.Stages[stage].Optimizer, f.step, where)
}

// firstOrder runs an adam or sgd stage.
func (f *fitter[T]) firstOrder(si int) error {
	s := f.cfg.Stages[si]
	steps := s.Steps
	if steps == 0 {
		steps = f.cfg.Epochs
	}
	var opt Optimizer[T]
	if s.Optimizer == "adam" {
		a := NewAdam[T](len(f.params))
		setIf(&a.LR, s.LR)
		setIf(&a.Beta1, s.Beta1)
		setIf(&a.Beta2, s.Beta2)
		setIf(&a.Epsilon, s.Epsilon)
		opt = a
	} else {
		g := NewSGD[T](len(f.params))
		setIf(&g.LR, s.LR)
		g.Momentum = s.Momentum
		opt = g
	}
	// The tutorial's stop: the last patience losses, in a ring.
	patience := f.cfg.StopPatience
	if f.cfg.StopRelChange == 0 {
		patience = 0
	}
	prev := make([]float64, patience)
	every, lineEvery := f.cfg.Every, max(f.cfg.Every, steps/50)

	for k := 1; ; k++ {
		f.step++
		if f.causal != nil && (k-1)%f.cfg.Causal.Every == 0 {
			if err := f.causal.CausalWeights(f.cfg.Causal.Chunks, f.cfg.Causal.Epsilon, f.h.CausalWeights); err != nil {
				return err
			}
		}
		if f.bal != nil && f.bal.b.Every > 0 && (k-1)%f.bal.b.Every == 0 {
			f.h.Evaluations += rebalance(f.bal, f.m, f.params, f.grads)
		}
		loss := f.m.LossGrad()
		freeze(f.bal, f.grads)
		f.h.Evaluations++
		if !isFinite(loss) {
			return f.diverged(loss, "loss", si)
		}
		f.last = loss

		stop := ""
		switch {
		case patience > 0 && k > patience+1 && relChangeBelow(prev, loss, f.cfg.StopRelChange):
			stop = "rel_change < " + fmtG(f.cfg.StopRelChange) + " over " + strconv.Itoa(patience) + " steps"
		case k >= steps:
			stop = count(steps, "step")
		case f.outOfTime():
			stop = "time limit"
		}
		if patience > 0 {
			prev[k%patience] = loss
		}
		if f.step%every == 0 || stop != "" {
			f.record(si, loss, f.m.Terms())
		}
		opt.Step(f.params, f.grads)
		if f.rad != nil && stop == "" && k%f.cfg.Resample.Every == 0 {
			if err := f.rad.Resample(f.radRNG, f.cfg.Resample.K, f.cfg.Resample.C); err != nil {
				return err
			}
			f.h.Resamples++
		}

		if f.p != nil {
			secs := f.clock.seconds()
			switch {
			case stop != "":
				f.p.fitEnd(s.Optimizer, k, steps, loss, f.names, f.m.Terms(), secs, stop)
			case f.p.tty:
				f.p.fitStep(s.Optimizer, k, steps, loss, f.names, f.m.Terms(), secs)
			case k%lineEvery == 0:
				f.p.fitLine(s.Optimizer, k, steps, loss, f.names, f.m.Terms(), secs)
			}
		}
		if stop != "" {
			f.h.Stops = append(f.h.Stops, stop)
			return nil
		}
	}
}

// relChangeBelow is the tutorial's test: every previous loss within tol·loss of loss.
func relChangeBelow(prev []float64, loss, tol float64) bool {
	lim := tol * loss
	for _, p := range prev {
		if !(math.Abs(p-loss) < lim) {
			return false
		}
	}
	return true
}

// fitClock measures training time: wall time minus the time spent in Observe.
type fitClock struct {
	start    time.Time
	excluded time.Duration
}

func (c *fitClock) elapsed() time.Duration { return fitNow().Sub(c.start) - c.excluded }

func (c *fitClock) seconds() float64 { return c.elapsed().Seconds() }

// termStore hands out the records' term slices from slabs, so a record costs no allocation
// until the preallocated slab runs out; a full slab is left to the records that use it.
type termStore struct {
	width int
	slab  []float64
	grown int // records' worth allocated after the first slab; doubles
}

func (s *termStore) next() []float64 {
	if len(s.slab) < s.width {
		n := max(64, s.grown)
		s.grown += n
		s.slab = make([]float64, n*s.width)
	}
	t := s.slab[:s.width:s.width]
	s.slab = s.slab[s.width:]
	return t
}

func setIf(dst *float64, v float64) {
	if v != 0 {
		*dst = v
	}
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
