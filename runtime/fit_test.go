package runtime

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// expFit fits a·exp(b·x) + c to 20 points, with terms "fit" (mean squared error) and "reg"
// (1e-4·(a²+b²+c²)), computed in T with an analytic gradient. It allocates nothing.
type expFit[T Float] struct {
	p, g  [3]T
	x, y  [20]T
	terms [2]float64
}

func newExpFit[T Float]() *expFit[T] {
	m := &expFit[T]{p: [3]T{1, 0, 0}}
	for i := range m.x {
		x := float64(i) / float64(len(m.x)-1)
		m.x[i] = T(x)
		m.y[i] = T(2*math.Exp(-1.5*x) + 0.5 + 0.01*math.Sin(7*float64(i)))
	}
	return m
}

const expFitLambda = 1e-4

func (m *expFit[T]) Params() []T         { return m.p[:] }
func (m *expFit[T]) Grads() []T          { return m.g[:] }
func (m *expFit[T]) Terms() []float64    { return m.terms[:] }
func (m *expFit[T]) TermNames() []string { return []string{"fit", "reg"} }
func (m *expFit[T]) Loss() float64       { return m.eval(false) }
func (m *expFit[T]) LossGrad() float64   { return m.eval(true) }

func (m *expFit[T]) eval(grad bool) float64 {
	a, b, c := m.p[0], m.p[1], m.p[2]
	n := T(len(m.x))
	var fit, ga, gb, gc T
	for i, x := range m.x {
		e := T(math.Exp(float64(b * x)))
		r := a*e + c - m.y[i]
		fit += r * r
		ga += r * e
		gb += r * a * x * e
		gc += r
	}
	fit /= n
	lam := T(expFitLambda)
	reg := lam * (a*a + b*b + c*c)
	if grad {
		m.g = [3]T{2*ga/n + 2*lam*a, 2*gb/n + 2*lam*b, 2*gc/n + 2*lam*c}
	}
	m.terms = [2]float64{float64(fit), float64(reg)}
	return float64(fit + reg)
}

// quad is ½·Σ d_i (x_i − c_i)² with d_i = 1…n: convex, minimum 0 at c.
type quad struct {
	p, g, c []float64
	terms   [1]float64
}

func newQuad(n int) *quad {
	q := &quad{p: make([]float64, n), g: make([]float64, n), c: make([]float64, n)}
	for i := range q.c {
		q.c[i] = math.Sin(float64(i + 1))
		q.p[i] = 1
	}
	return q
}

func (q *quad) Params() []float64   { return q.p }
func (q *quad) Grads() []float64    { return q.g }
func (q *quad) Terms() []float64    { return q.terms[:] }
func (q *quad) TermNames() []string { return []string{"q"} }
func (q *quad) Loss() float64       { return q.eval(false) }
func (q *quad) LossGrad() float64   { return q.eval(true) }
func (q *quad) eval(grad bool) float64 {
	f := 0.0
	for i, x := range q.p {
		d := float64(i + 1)
		f += 0.5 * d * (x - q.c[i]) * (x - q.c[i])
		if grad {
			q.g[i] = d * (x - q.c[i])
		}
	}
	q.terms[0] = f
	return f
}

// rosen is the Rosenbrock function from (−1.2, 1): L-BFGS's line searches on it try points
// worse than the one they start from.
type rosen struct {
	p, g  [2]float64
	terms [1]float64
}

func (r *rosen) Params() []float64   { return r.p[:] }
func (r *rosen) Grads() []float64    { return r.g[:] }
func (r *rosen) Terms() []float64    { return r.terms[:] }
func (r *rosen) TermNames() []string { return []string{"f"} }
func (r *rosen) Loss() float64       { return r.eval() }
func (r *rosen) LossGrad() float64   { return r.eval() }
func (r *rosen) eval() float64 {
	x, y := r.p[0], r.p[1]
	f := (1-x)*(1-x) + 100*(y-x*x)*(y-x*x)
	r.g = [2]float64{-2*(1-x) - 400*x*(y-x*x), 200 * (y - x*x)}
	r.terms[0] = f
	return f
}

// scriptedFB returns a fixed loss sequence (the last value repeats) and zero gradients.
type scriptedFB struct {
	losses []float64
	calls  int
	p, g   [1]float64
	terms  [1]float64
}

func (s *scriptedFB) Params() []float64   { return s.p[:] }
func (s *scriptedFB) Grads() []float64    { return s.g[:] }
func (s *scriptedFB) Terms() []float64    { return s.terms[:] }
func (s *scriptedFB) TermNames() []string { return []string{"s"} }
func (s *scriptedFB) Loss() float64       { return s.terms[0] }
func (s *scriptedFB) LossGrad() float64 {
	s.calls++
	v := s.losses[min(s.calls, len(s.losses))-1]
	s.terms[0] = v
	return v
}

// fakeClock replaces fitNow for a test; probe advances it.
type fakeClock struct{ t time.Time }

func useFakeClock(t *testing.T) *fakeClock {
	c := &fakeClock{t: time.Unix(1e9, 0)}
	old := fitNow
	fitNow = func() time.Time { return c.t }
	t.Cleanup(func() { fitNow = old })
	return c
}

// probe wraps a model: it counts LossGrad calls, logs the points and losses, advances a fake
// clock by tick per LossGrad, and turns the loss NaN from call nanAt on.
type probe[T Float] struct {
	FullBatch[T]
	clock  *fakeClock
	tick   time.Duration
	nanAt  int
	calls  int
	xs     [][]T
	losses []float64
}

func (p *probe[T]) LossGrad() float64 {
	p.calls++
	if p.clock != nil {
		p.clock.t = p.clock.t.Add(p.tick)
	}
	l := p.FullBatch.LossGrad()
	if p.nanAt > 0 && p.calls >= p.nanAt {
		l = math.NaN()
	}
	p.xs = append(p.xs, slices.Clone(p.Params()))
	p.losses = append(p.losses, l)
	return l
}

func fitQuiet(stages ...Stage) FitConfig { return FitConfig{Stages: stages, Quiet: true} }

func TestFitAdamReducesLoss(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testAdamReduces(t, newExpFit[float64]()) })
	t.Run("float32", func(t *testing.T) { testAdamReduces(t, newExpFit[float32]()) })
}

func testAdamReduces[T Float](t *testing.T, m *expFit[T]) {
	start := m.Loss()
	h, err := Fit[T](m, fitQuiet(Stage{Optimizer: "adam", LR: 0.05, Steps: 500}))
	if err != nil {
		t.Fatal(err)
	}
	if !(h.FinalLoss < start/100) {
		t.Errorf("loss %g → %g: not reduced 100-fold", start, h.FinalLoss)
	}
	if h.FinalLoss != m.Loss() {
		t.Errorf("FinalLoss %g, but the model's loss is %g", h.FinalLoss, m.Loss())
	}
	if h.Steps != 500 || h.Evaluations != 500 || !slices.Equal(h.Stops, []string{"500 steps"}) {
		t.Errorf("steps %d, evaluations %d, stops %q", h.Steps, h.Evaluations, h.Stops)
	}
	if len(h.Records) != 50 || h.Records[0].Step != 10 || h.Records[49].Step != 500 {
		t.Fatalf("%d records, want 50 at steps 10, 20, …, 500", len(h.Records))
	}
	for i, r := range h.Records {
		if len(r.Terms) != 2 || math.Abs(r.Terms[0]+r.Terms[1]-r.Loss) > 1e-6*r.Loss {
			t.Errorf("record %d: terms %v do not add up to loss %g", i, r.Terms, r.Loss)
		}
	}
	if _, err := json.Marshal(h); err != nil {
		t.Errorf("history does not marshal: %v", err)
	}
}

// tutorialStop is the tutorial's loop, transcribed (e from 0): the epoch index at which it
// breaks, or -1.
func tutorialStop(losses []float64, patience int, threshold float64) int {
	hist := make([]float64, len(losses))
	for e, loss := range losses {
		hist[e] = loss
		if e > patience {
			mx := 0.0
			for _, h := range hist[e-patience : e] {
				mx = math.Max(mx, math.Abs(h-loss))
			}
			if mx < threshold*loss {
				return e
			}
		}
	}
	return -1
}

func TestFitRelChangeStop(t *testing.T) {
	n := 400
	wobbly := make([]float64, n)
	for k := range wobbly {
		// decaying towards 1 with an oscillation, so the max over the window matters
		wobbly[k] = 1 + math.Pow(0.9, float64(k)) + 3e-5*math.Sin(float64(k))
	}
	flat := make([]float64, n)
	for k := range flat {
		flat[k] = 2
	}
	for _, tc := range []struct {
		name   string
		losses []float64
		want   int // step, from 1
	}{
		{"wobbly", wobbly, tutorialStop(wobbly, 10, 1e-4) + 1},
		{"flat", flat, 12}, // the first step at which the tutorial tests (e = 11 > patience)
	} {
		if tc.want < 12 || tc.want >= n {
			t.Fatalf("%s: the tutorial does not stop in range: %d", tc.name, tc.want)
		}
		m := &scriptedFB{losses: tc.losses}
		cfg := fitQuiet(Stage{Optimizer: "adam"}, Stage{Optimizer: "sgd", Steps: 5})
		cfg.Epochs, cfg.StopRelChange, cfg.StopPatience = 10000, 1e-4, 10
		h, err := Fit[float64](m, cfg)
		if err != nil {
			t.Fatal(err)
		}
		// The sgd stage restarts the window: the repeated last value stops it at its 5 steps.
		wantStops := []string{"rel_change < 1e-4 over 10 steps", "5 steps"}
		if h.Steps != tc.want+5 || !slices.Equal(h.Stops, wantStops) {
			t.Errorf("%s: %d steps, stops %q; want %d+5, %q", tc.name, h.Steps, h.Stops, tc.want, wantStops)
		}
		if got := h.Records[len(h.Records)-2]; got.Step != tc.want || got.Stage != 0 || got.Loss != tc.losses[tc.want-1] {
			t.Errorf("%s: adam's last record %+v", tc.name, got)
		}
	}
}

func TestFitLBFGSQuadratic(t *testing.T) {
	q := newQuad(10)
	m := &probe[float64]{FullBatch: q}
	h, err := Fit[float64](m, fitQuiet(Stage{Optimizer: "lbfgs"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d iterations, %d evaluations, loss %g, stop %q", h.Steps, h.Evaluations, h.FinalLoss, h.Stops)
	if !(h.FinalLoss < 1e-25) {
		t.Errorf("final loss %g on a convex quadratic (start %g)", h.FinalLoss, m.losses[0])
	}
	if h.Steps > 40 {
		t.Errorf("%d iterations on a 10-dimensional quadratic", h.Steps)
	}
	if len(h.Stops) != 1 || !strings.HasPrefix(h.Stops[0], "L-BFGS: ") {
		t.Errorf("stops %q", h.Stops)
	}
	// One LossGrad per point: the count matches, and no point is evaluated twice running
	// (gonum asks Func and then Grad at each point).
	if h.Evaluations != m.calls {
		t.Errorf("history counts %d evaluations, the model saw %d", h.Evaluations, m.calls)
	}
	for i := 1; i < len(m.xs); i++ {
		if slices.Equal(m.xs[i], m.xs[i-1]) {
			t.Errorf("evaluations %d and %d at the same point", i, i+1)
		}
	}
	if m.calls > 3*h.Steps+3 {
		t.Errorf("%d evaluations for %d iterations", m.calls, h.Steps)
	}
	for i, x := range q.p {
		if math.Abs(x-q.c[i]) > 1e-12 {
			t.Errorf("x[%d] = %.17g, want %.17g", i, x, q.c[i])
		}
	}
}

func TestFitLBFGSFloat32(t *testing.T) {
	m64 := newExpFit[float64]()
	if _, err := Fit[float64](m64, fitQuiet(Stage{Optimizer: "lbfgs"})); err != nil {
		t.Fatal(err)
	}
	min64 := m64.Loss()
	m := newExpFit[float32]()
	start := m.Loss()
	h, err := Fit[float32](m, fitQuiet(Stage{Optimizer: "lbfgs", Steps: 200}))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d iterations, %d evaluations, loss %g → %g (float64: %g), stop %q", h.Steps, h.Evaluations, start, h.FinalLoss, min64, h.Stops)
	// float32 gets the minimum to about float32 precision.
	if math.Abs(h.FinalLoss-min64) > 1e-5*min64 || h.FinalLoss != m.Loss() {
		t.Errorf("loss %g → %g (model %g), float64 minimum %g", start, h.FinalLoss, m.Loss(), min64)
	}
}

// TestFitLBFGSBestPoint stops L-BFGS (by the time limit, on a fake clock) right after a
// line-search trial that is worse than the best point so far: the model must end at the best.
func TestFitLBFGSBestPoint(t *testing.T) {
	clock := useFakeClock(t)
	run := func(limit time.Duration) (*probe[float64], *FitHistory) {
		r := &rosen{p: [2]float64{-1.2, 1}}
		m := &probe[float64]{FullBatch: r, clock: clock, tick: time.Second}
		cfg := fitQuiet(Stage{Optimizer: "lbfgs"})
		cfg.TimeLimit = limit
		h, err := Fit[float64](m, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return m, h
	}
	full, _ := run(0)
	n := 0
	for i := 2; i < len(full.losses); i++ {
		if full.losses[i] > slices.Min(full.losses[:i]) {
			n = i + 1
			break
		}
	}
	if n == 0 {
		t.Fatal("no evaluation worse than an earlier one: the test needs another function")
	}
	m, h := run(time.Duration(n) * time.Second)
	if m.calls != n || !slices.Equal(h.Stops, []string{"time limit"}) {
		t.Fatalf("%d evaluations, stops %q; want %d, time limit", m.calls, h.Stops, n)
	}
	best := slices.Index(m.losses, slices.Min(m.losses))
	if m.losses[n-1] <= m.losses[best] {
		t.Fatalf("the last evaluation (%g) is not worse than the best (%g)", m.losses[n-1], m.losses[best])
	}
	if !slices.Equal(m.Params(), m.xs[best]) || h.FinalLoss != m.losses[best] {
		t.Errorf("ended at %v (loss %g), want the best point %v (loss %g)", m.Params(), h.FinalLoss, m.xs[best], m.losses[best])
	}
	if h.Seconds != float64(n) {
		t.Errorf("seconds %g, want %d", h.Seconds, n)
	}
}

func TestFitTimeLimit(t *testing.T) {
	clock := useFakeClock(t)
	m := &probe[float64]{FullBatch: newExpFit[float64](), clock: clock, tick: time.Second}
	cfg := fitQuiet(Stage{Optimizer: "adam", Steps: 100}, Stage{Optimizer: "lbfgs"})
	cfg.TimeLimit = 10 * time.Second
	h, err := Fit[float64](m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The lbfgs stage does not start: one reason, for the one stage that ran.
	if h.Steps != 10 || m.calls != 10 || !slices.Equal(h.Stops, []string{"time limit"}) || h.Seconds != 10 {
		t.Errorf("steps %d, calls %d, stops %q, seconds %g", h.Steps, m.calls, h.Stops, h.Seconds)
	}
	if len(h.Records) != 1 || h.Records[0].Step != 10 {
		t.Errorf("records %+v", h.Records)
	}

	// A limit that expires during L-BFGS stops it there.
	m = &probe[float64]{FullBatch: newQuad(50), clock: clock, tick: time.Second}
	cfg = fitQuiet(Stage{Optimizer: "adam", Steps: 5}, Stage{Optimizer: "lbfgs"})
	cfg.TimeLimit = 12 * time.Second
	h, err = Fit[float64](m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m.calls != 12 || !slices.Equal(h.Stops, []string{"5 steps", "time limit"}) || h.Steps <= 5 {
		t.Errorf("calls %d, stops %q, steps %d", m.calls, h.Stops, h.Steps)
	}
}

func TestFitDiverges(t *testing.T) {
	m := &scriptedFB{losses: []float64{4, 3, 2, 1, math.NaN()}}
	cfg := fitQuiet(Stage{Optimizer: "adam", Steps: 100})
	cfg.Every = 2
	h, err := Fit[float64](m, cfg)
	if err == nil || err.Error() != "training diverged: loss is NaN at adam step 5" {
		t.Fatalf("error %v", err)
	}
	if h == nil || len(h.Records) != 2 || h.Records[1].Step != 4 || h.Steps != 5 || h.FinalLoss != 1 {
		t.Fatalf("history %+v", h)
	}

	// In L-BFGS (second stage): the model is put back at the best point before the error.
	p := &probe[float64]{FullBatch: newQuad(10), nanAt: 9}
	h, err = Fit[float64](p, fitQuiet(Stage{Optimizer: "sgd", Steps: 2}, Stage{Optimizer: "lbfgs"}))
	if err == nil || !strings.HasPrefix(err.Error(), "training diverged: loss is NaN at lbfgs step ") || !strings.HasSuffix(err.Error(), " (stage 2)") {
		t.Fatalf("error %v", err)
	}
	best := slices.Index(p.losses, slices.Min(p.losses[2:8]))
	if !slices.Equal(p.Params(), p.xs[best]) || h.FinalLoss != p.losses[best] {
		t.Errorf("ended at loss %g, want the best %g", h.FinalLoss, p.losses[best])
	}
	if len(h.Stops) != 1 {
		t.Errorf("stops %q", h.Stops)
	}
}

func TestFitObserve(t *testing.T) {
	clock := useFakeClock(t)
	m := &probe[float64]{FullBatch: newExpFit[float64](), clock: clock, tick: time.Second}
	cfg := fitQuiet(Stage{Optimizer: "adam", Steps: 50, LR: 0.01})
	cfg.Every = 7
	var steps []int
	cfg.Observe = func(r *FitRecord) {
		steps = append(steps, r.Step)
		clock.t = clock.t.Add(100 * time.Second) // slow, but not training time
		// The model is at the parameters the record's loss was computed at.
		if l := m.Loss(); l != r.Loss {
			t.Errorf("step %d: loss %g in the record, %g at the model's parameters", r.Step, r.Loss, l)
		}
		r.Extra = map[string]float64{"err": float64(r.Step)}
	}
	h, err := Fit[float64](m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{7, 14, 21, 28, 35, 42, 49, 50}
	if !slices.Equal(steps, want) || len(h.Records) != len(want) {
		t.Fatalf("observed at %v (%d records), want %v", steps, len(h.Records), want)
	}
	for _, r := range h.Records {
		if r.Seconds != float64(r.Step) || r.Extra["err"] != float64(r.Step) {
			t.Errorf("record %+v: seconds should be its step, extra kept", r)
		}
	}
	if h.Seconds != 50 {
		t.Errorf("training time %g s, want 50 (Observe excluded)", h.Seconds)
	}

	// L-BFGS: every Every iterations and at the end, at the point whose loss is recorded.
	steps = steps[:0]
	m = &probe[float64]{FullBatch: newQuad(10), clock: clock, tick: time.Second}
	cfg.Stages = []Stage{{Optimizer: "lbfgs", Steps: 20}}
	cfg.Every = 3
	h, err = Fit[float64](m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if h.Steps != 20 || !slices.Equal(h.Stops, []string{"20 iterations"}) {
		t.Fatalf("steps %d, stops %q", h.Steps, h.Stops)
	}
	if want := []int{3, 6, 9, 12, 15, 18, 20}; !slices.Equal(steps, want) {
		t.Errorf("observed at %v, want %v", steps, want)
	}
	if h.Seconds != float64(m.calls) {
		t.Errorf("training time %g s, want %d", h.Seconds, m.calls)
	}
}

func TestFitStagesAndStops(t *testing.T) {
	m := newExpFit[float64]()
	cfg := fitQuiet(Stage{Optimizer: "adam", LR: 0.05, Steps: 30}, Stage{Optimizer: "sgd", LR: 0.01, Momentum: 0.9}, Stage{Optimizer: "lbfgs", Memory: 5, Steps: 15})
	cfg.Epochs = 20
	h, err := Fit[float64](m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Stops) != 3 || h.Stops[0] != "30 steps" || h.Stops[1] != "20 steps" {
		t.Fatalf("stops %q", h.Stops)
	}
	if h.Steps > 65 || h.Steps < 51 {
		t.Errorf("%d steps", h.Steps)
	}
	for _, r := range h.Records {
		want := 0
		switch {
		case r.Step > 50:
			want = 2
		case r.Step > 30:
			want = 1
		}
		if r.Stage != want {
			t.Errorf("record at step %d: stage %d, want %d", r.Step, r.Stage, want)
		}
	}
}

// TestFitNoAllocs: a longer adam/sgd run allocates nothing more than a shorter one.
func TestFitNoAllocs(t *testing.T) {
	m := newExpFit[float64]()
	run := func(steps int) float64 {
		cfg := fitQuiet(Stage{Optimizer: "adam", Steps: steps}, Stage{Optimizer: "sgd", Steps: steps})
		cfg.Every = 10
		cfg.Observe = func(*FitRecord) {}
		return testing.AllocsPerRun(10, func() {
			if _, err := Fit[float64](m, cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	// Without -race the counts are equal; the race runtime adds a few allocations now and
	// then, far fewer than the 3800 a per-step allocation would add.
	if short, long := run(100), run(2000); long > short+5 {
		t.Errorf("%v allocations for 2×100 steps, %v for 2×2000", short, long)
	}
	// Progress lines do not allocate either.
	runOut := func(steps int) float64 {
		var b bytes.Buffer
		b.Grow(1 << 20)
		cfg := FitConfig{Stages: []Stage{{Optimizer: "adam", Steps: steps}}, Out: &b, Every: 1}
		return testing.AllocsPerRun(1, func() {
			b.Reset()
			if _, err := Fit[float64](m, cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	if short, long := runOut(100), runOut(1000); short+5 < long {
		t.Errorf("%v allocations for 100 steps with progress, %v for 1000", short, long)
	}
}

func TestFitProgressPlain(t *testing.T) {
	var b bytes.Buffer
	cfg := FitConfig{Stages: []Stage{{Optimizer: "adam", Steps: 100}, {Optimizer: "lbfgs", Steps: 5}}, Out: &b}
	if _, err := Fit[float64](newExpFit[float64](), cfg); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	re := regexp.MustCompile(`^(adam \d+/100|lbfgs \d/5)  loss \d\.\d{3}e[-+]\d\d  fit \d\.\de[-+]\d\d  reg \d\.\de[-+]\d\d  [\d.]+ (µs|ms|s)(  \((100 steps|5 iterations)\))?$`)
	for _, l := range lines {
		if !re.MatchString(l) {
			t.Errorf("line %q", l)
		}
	}
	// adam: every max(Every, 100/50) = 10 steps, the 100th with the stop; lbfgs: its end only.
	if len(lines) != 11 || !strings.HasSuffix(lines[9], "(100 steps)") || !strings.HasPrefix(lines[10], "lbfgs 5/5") {
		t.Errorf("%d lines:\n%s", len(lines), b.String())
	}

	b.Reset()
	cfg.Quiet = true
	if _, err := Fit[float64](newExpFit[float64](), cfg); err != nil || b.Len() != 0 {
		t.Errorf("quiet printed %q (%v)", b.String(), err)
	}
}

func TestFitProgressTerminal(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, tty: true}
	names, terms := []string{"boundary", "r"}, []float64{1e-4, 2.3e-4}
	p.fitStep("adam", 1234, 5000, 1.234e-3, names, terms, 12.3)
	want := "\radam 1234/5000  loss 1.234e-03  boundary 1.0e-04  r 2.3e-04  12.30 s\x1b[K"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	p.fitStep("adam", 1235, 5000, 1.2e-3, names, terms, 12.3) // throttled
	if b.Len() != 0 {
		t.Errorf("redrawn within %v: %q", barEvery, b.String())
	}
	p.fitEnd("lbfgs", 17, 0, 3.1e-6, names, terms, 0.5, "L-BFGS: function converged")
	want = "\r\x1b[Klbfgs 17  loss 3.100e-06  boundary 1.0e-04  r 2.3e-04  500.0 ms  (L-BFGS: function converged)\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestFitConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  FitConfig
		want string
	}{
		{FitConfig{}, "no optimizer stages"},
		{FitConfig{Stages: []Stage{{Optimizer: "rmsprop"}}}, `unknown optimizer "rmsprop"`},
		{FitConfig{Stages: []Stage{{Optimizer: "adam"}}}, "no step count"},
		{FitConfig{Stages: []Stage{{Optimizer: "adam", Steps: -1}}}, "steps must not be negative"},
		{FitConfig{Stages: []Stage{{Optimizer: "lbfgs", LR: 1}}}, "adam/sgd settings"},
		{FitConfig{Stages: []Stage{{Optimizer: "adam", Steps: 1, Beta1: 1}}}, "below 1"},
		{FitConfig{Stages: []Stage{{Optimizer: "adam", Steps: 1, LR: math.NaN()}}}, "lr must be"},
		{FitConfig{Stages: []Stage{{Optimizer: "lbfgs"}}, StopRelChange: -1}, "rel_change"},
		{FitConfig{Stages: []Stage{{Optimizer: "lbfgs"}}, TimeLimit: -1}, "time limit"},
	} {
		_, err := Fit[float64](newExpFit[float64](), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "fit: ") {
			t.Errorf("%+v: error %v, want one with %q", tc.cfg, err, tc.want)
		}
	}
}

func TestFmtG(t *testing.T) {
	for v, want := range map[float64]string{1e-4: "1e-4", 0.01: "0.01", 5e-7: "5e-7", 2.5e-12: "2.5e-12", 1e5: "1e+5", 0: "0"} {
		if got := fmtG(v); got != want {
			t.Errorf("fmtG(%g) = %q, want %q", v, got, want)
		}
	}
}

// quadCoef is quad whose first parameter is reported as a trainable coefficient c = p[0].
type quadCoef struct{ *quad }

func (q quadCoef) CoefficientNames() []string { return []string{"c"} }
func (q quadCoef) Coefficients(dst []float64) []float64 {
	return append(dst, q.p[0])
}

func TestFitRecordsCoefficients(t *testing.T) {
	q := quadCoef{newQuad(3)}
	var out bytes.Buffer
	h, err := Fit[float64](q, FitConfig{Stages: []Stage{{Optimizer: "adam", LR: 0.1, Steps: 20}}, Every: 5, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.CoefficientNames) != 1 || h.CoefficientNames[0] != "c" {
		t.Fatalf("CoefficientNames = %v", h.CoefficientNames)
	}
	// Every record holds the coefficients at which its loss was computed.
	for _, r := range h.Records {
		if len(r.Coefficients) != 1 {
			t.Fatalf("record %d: coefficients %v", r.Step, r.Coefficients)
		}
	}
	first, last := h.Records[0], h.Records[len(h.Records)-1]
	if first.Coefficients[0] == last.Coefficients[0] {
		t.Errorf("the coefficient did not move between records: %v", first.Coefficients[0])
	}
	if !strings.Contains(out.String(), "  c = ") {
		t.Errorf("progress lines do not show the coefficient:\n%s", out.String())
	}
}
