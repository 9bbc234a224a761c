package timeseries

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
)

// minuteSeries makes a series of channels channels at 1-minute cadence from t0, leaving out
// the minutes in gaps; sample k (by minute) holds k + 1000·channel.
func minuteSeries(n, channels int, gaps ...int) *Series[float64] {
	t0 := time.Date(2021, 5, 15, 0, 0, 0, 0, time.UTC)
	s := &Series[float64]{Channels: channels}
	for k := range n {
		if slices.Contains(gaps, k) {
			continue
		}
		s.Times = append(s.Times, t0.Add(time.Duration(k)*time.Minute))
		for c := range channels {
			s.Values = append(s.Values, float64(k+1000*c))
		}
	}
	return s
}

func TestWindowsGapRule(t *testing.T) {
	// Minutes 0..19 without 7 and 8: 18 samples. Windows of 5 minutes fit in 0..6 (starts
	// 0, 1, 2) and 9..19 (starts 9..15); the windows over the gap span 6 or 7 minutes.
	s := minuteSeries(20, 2, 7, 8)
	w, err := NewWindows(s, 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if w.Cadence != time.Minute {
		t.Errorf("cadence %v", w.Cadence)
	}
	var startMinutes []int
	for i := range w.NumRows() {
		startMinutes = append(startMinutes, int(w.Start(i).Sub(s.Times[0])/time.Minute))
		if w.End(i).Sub(w.Start(i)) != 4*time.Minute {
			t.Errorf("window %d spans %v", i, w.End(i).Sub(w.Start(i)))
		}
	}
	if want := []int{0, 1, 2, 9, 10, 11, 12, 13, 14, 15}; !slices.Equal(startMinutes, want) {
		t.Errorf("window starts (minutes) %v, want %v", startMinutes, want)
	}
	if w.NumFeatures() != 10 || w.NumTargets() != 10 {
		t.Errorf("features %d targets %d", w.NumFeatures(), w.NumTargets())
	}
	// Gather: time-major, channel fastest; y is x; the window is a view, not a copy.
	x, y := make([]float64, 20), make([]float64, 20)
	w.Gather([]int{3, 0}, x, y)
	want := []float64{9, 1009, 10, 1010, 11, 1011, 12, 1012, 13, 1013, 0, 1000, 1, 1001, 2, 1002, 3, 1003, 4, 1004}
	if !slices.Equal(x, want) || !slices.Equal(y, want) {
		t.Errorf("gather\n x %v\n y %v\nwant %v", x, y, want)
	}
	w.Window(0)[0] = -1
	if s.Values[0] != -1 {
		t.Error("Window copies the series")
	}
	clear(x)
	w.Gather([]int{1}, x[:10], nil)
	if x[0] != 1 {
		t.Error("Gather with no y")
	}

	// An explicit cadence: at 2 minutes, the 3-minute step over the missing minutes is no gap
	// (it is not longer than 1.5 cadences). A series shorter than a window; errors.
	if w, _ := NewWindows(s, 5, 2*time.Minute); w.NumRows() != 14 {
		t.Errorf("2-minute cadence: %d windows, want 14", w.NumRows())
	}
	if w, _ := NewWindows(s, 30, 0); w.NumRows() != 0 {
		t.Errorf("too short: %d windows", w.NumRows())
	}
	if w, _ := NewWindows(s, 1, 0); w.NumRows() != s.Len() {
		t.Errorf("length 1: %d windows", w.NumRows())
	}
	if _, err := NewWindows(s, 0, 0); err == nil {
		t.Error("length 0 accepted")
	}
	if _, err := NewWindows[float64](nil, 3, 0); err == nil {
		t.Error("nil series accepted")
	}
}

// Jittered timestamps (a 48-s record rounded to the second steps by 47 and 49 s) split no
// window; a step longer than 1.5 cadences does.
func TestWindowsJitter(t *testing.T) {
	steps := []int{48, 47, 49, 48, 48, 49, 47, 48, 73, 48, 47, 49, 48, 48}
	s := &Series[float64]{Channels: 1}
	tm := time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Times = append(s.Times, tm)
	for _, d := range steps {
		tm = tm.Add(time.Duration(d) * time.Second)
		s.Times = append(s.Times, tm)
	}
	s.Values = make([]float64, s.Len())
	w, err := NewWindows(s, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	if w.Cadence != 48*time.Second {
		t.Fatalf("cadence %v", w.Cadence)
	}
	// Samples 0..8 and 9..14 (the 73-s step after sample 8 is a gap): 6 + 3 windows.
	if want := []int{0, 1, 2, 3, 4, 5, 9, 10, 11}; !slices.Equal(w.Starts, want) {
		t.Errorf("starts %v, want %v", w.Starts, want)
	}
	if !IsGap(73*time.Second, 48*time.Second) || IsGap(72*time.Second, 48*time.Second) {
		t.Error("IsGap: the rule is a step longer than 1.5 cadences")
	}
}

func TestChannelScaler(t *testing.T) {
	s := &Series[float32]{Channels: 3, Values: []float32{1, 10, 5, 2, 20, 5, 3, 30, 5, 4, 40, 5}}
	s.Times = make([]time.Time, 4)
	sc := FitChannelScaler(s)
	std := math.Sqrt(5.0 / 3) // sample std (ddof 1) of 1, 2, 3, 4
	if !slices.Equal(sc.Mean, []float64{2.5, 25, 5}) || math.Abs(sc.Std[0]-std) > 1e-12 || math.Abs(sc.Std[1]-10*std) > 1e-12 || sc.Std[2] != 1 || !slices.Equal(sc.Constant, []int{2}) {
		t.Fatalf("mean %v std %v constant %v", sc.Mean, sc.Std, sc.Constant)
	}
	c := s.Clone()
	sc.Apply(c)
	for i := range 4 {
		want := (float64(i) + 1 - 2.5) / std
		if math.Abs(float64(c.Values[3*i])-want) > 1e-6 || math.Abs(float64(c.Values[3*i+1])-want) > 1e-6 || c.Values[3*i+2] != 0 {
			t.Errorf("row %d: %v", i, c.Values[3*i:3*i+3])
		}
	}
	sc.InvertValues(c.Values)
	for i, v := range c.Values {
		if math.Abs(float64(v-s.Values[i])) > 1e-5 {
			t.Errorf("invert: %d: %v, want %v", i, v, s.Values[i])
		}
	}
}

// scaleAE is a hand-written autoencoder over windows of steps×channels: per channel,
// x̂ = a·x + b, loss mse(x̂, x). Its ideal is a = 1, b = 0 (zero loss).
type scaleAE struct {
	steps, ch, maxB int
	p, g            []float64 // a[ch] then b[ch]
	out             []float64
}

func newScaleAE(steps, ch, maxB int) *scaleAE {
	return &scaleAE{steps: steps, ch: ch, maxB: maxB, p: make([]float64, 2*ch), g: make([]float64, 2*ch), out: make([]float64, maxB*steps*ch)}
}

func (m *scaleAE) Params() []float64  { return m.p }
func (m *scaleAE) Grads() []float64   { return m.g }
func (m *scaleAE) NumInputs() int     { return m.steps * m.ch }
func (m *scaleAE) NumOutputs() int    { return m.steps * m.ch }
func (m *scaleAE) MaxBatch() int      { return m.maxB }
func (m *scaleAE) Init(rng *mlrt.RNG) { clear(m.p) }
func (m *scaleAE) Predict(dst, x []float64, n int) {
	for i, v := range x[:n*m.steps*m.ch] {
		c := i % m.ch
		dst[i] = m.p[c]*v + m.p[m.ch+c]
	}
}
func (m *scaleAE) Loss(x, _ []float64, n int, pred []float64) float64 {
	f := n * m.steps * m.ch
	m.Predict(m.out, x, n)
	if pred != nil {
		copy(pred, m.out[:f])
	}
	s := 0.0
	for i, v := range x[:f] {
		d := m.out[i] - v
		s += d * d
	}
	return s / float64(f)
}
func (m *scaleAE) LossGrad(x, y []float64, n int, _ *mlrt.RNG, pred []float64) float64 {
	l := m.Loss(x, y, n, pred)
	clear(m.g)
	f := n * m.steps * m.ch
	for i, v := range x[:f] {
		c := i % m.ch
		r := 2 * (m.out[i] - v) / float64(f)
		m.g[c] += r * v
		m.g[m.ch+c] += r
	}
	return l
}

func TestTrainOnWindows(t *testing.T) {
	// A standardized sine in 2 channels with a gap; windows of 12 minutes.
	s := minuteSeries(400, 2, 100, 101, 250)
	for i := range s.Values {
		s.Values[i] = math.Sin(float64(i) / 7)
	}
	FitChannelScaler(s).Apply(s)
	w, err := NewWindows(s, 12, 0)
	if err != nil {
		t.Fatal(err)
	}
	if w.NumRows() != 400-3-3*11 {
		t.Fatalf("%d windows", w.NumRows())
	}
	m := newScaleAE(12, 2, 16)
	opt := mlrt.NewAdam[float64](0)
	opt.LR = 0.05
	cfg := mlrt.TrainConfig{Epochs: 30, BatchSize: 16, ValidationSplit: 0.1, Shuffle: true, Seed: 3, Metrics: []string{"mae"}}
	h, err := mlrt.Train[float64](m, opt, w, quiet(cfg))
	if err != nil {
		t.Fatal(err)
	}
	nVal := mlrt.ValidationRows(w.NumRows(), 0.1)
	if h.TrainRows != w.NumRows()-nVal || h.ValRows != nVal {
		t.Errorf("rows %d + %d", h.TrainRows, h.ValRows)
	}
	first, last := h.Epochs[0], h.Epochs[len(h.Epochs)-1]
	if !(last.Loss < first.Loss/100) || !(last.ValLoss < 1e-3) {
		t.Errorf("loss %v → %v, val_loss %v → %v", first.Loss, last.Loss, first.ValLoss, last.ValLoss)
	}
	// Validation is the last windows: the evaluation of exactly those gives the same loss.
	tail := &Windows[float64]{Series: s, Len: 12, Cadence: time.Minute, Starts: w.Starts[w.NumRows()-nVal:]}
	loss, vals, err := mlrt.EvaluateSource[float64](m, tail, 7, []string{"mae"})
	if err != nil || math.Abs(loss-last.ValLoss) > 1e-12*max(1, loss) || math.Abs(vals["mae"]-last.ValMetrics["mae"]) > 1e-12 {
		t.Errorf("mlrt.EvaluateSource on the tail: %v %v %v; Train's val_loss %v %v", loss, vals, err, last.ValLoss, last.ValMetrics)
	}
	// mlrt.PredictSource equals Predict on the gathered rows.
	all := make([]int, w.NumRows())
	for i := range all {
		all[i] = i
	}
	x := make([]float64, w.NumRows()*24)
	w.Gather(all, x, nil)
	want, got := make([]float64, len(x)), make([]float64, len(x))
	m.Predict(want, x, w.NumRows())
	if err := mlrt.PredictSource[float64](m, w, got); err != nil || !slices.Equal(got, want) {
		t.Errorf("mlrt.PredictSource differs from Predict (%v)", err)
	}
	if err := mlrt.PredictSource[float64](m, w, got[:10]); err == nil || !strings.Contains(err.Error(), "dst holds 10 values") {
		t.Errorf("short dst: %v", err)
	}
	if _, err := mlrt.Train[float64](newScaleAE(10, 2, 16), mlrt.NewAdam[float64](0), w, quiet(cfg)); err == nil || !strings.Contains(err.Error(), "data has 24 features, the model takes 20 inputs") {
		t.Errorf("wrong window size: %v", err)
	}
	var nilW *Windows[float64]
	if _, err := mlrt.Train[float64](m, mlrt.NewAdam[float64](0), nilW, quiet(cfg)); err == nil || !strings.Contains(err.Error(), "must not be nil") {
		t.Errorf("nil windows: %v", err)
	}
	empty := &Windows[float64]{Series: s, Len: 12}
	if _, err := mlrt.Train[float64](m, mlrt.NewAdam[float64](0), empty, quiet(cfg)); err == nil || !strings.Contains(err.Error(), "data has no rows") {
		t.Errorf("no windows: %v", err)
	}
}

// TestTrainWindowsNoAllocsPerBatch: training on windows allocates nothing per batch either.
func TestTrainWindowsNoAllocsPerBatch(t *testing.T) {
	allocs := func(n int) float64 {
		w, _ := NewWindows(minuteSeries(n, 2), 8, 0)
		m := newScaleAE(8, 2, 8)
		opt := mlrt.NewAdam[float64](len(m.p))
		cfg := quiet(mlrt.TrainConfig{Epochs: 2, BatchSize: 8, Shuffle: true, ValidationSplit: 0.2, Metrics: []string{"mae"}})
		return testing.AllocsPerRun(10, func() {
			if _, err := mlrt.Train[float64](m, opt, w, cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	if small, large := allocs(60), allocs(600); small != large {
		t.Errorf("mlrt.Train allocates %v times for 60 samples, %v for 600", small, large)
	}
}

func quiet(cfg mlrt.TrainConfig) mlrt.TrainConfig { cfg.Quiet = true; return cfg }
