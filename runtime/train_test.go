package runtime

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// linReg is a hand-written Model[float64]: y = w·x + b with mean squared error and its
// analytic gradient. It draws one number from the dropout stream per batch, as a model with
// dropout would, so determinism covers that stream too.
type linReg struct {
	nin, maxB int
	p, g      []float64 // w then b
	out       []float64 // scratch, MaxBatch long
}

func newLinReg(nin, maxB int) *linReg {
	return &linReg{nin: nin, maxB: maxB, p: make([]float64, nin+1), g: make([]float64, nin+1), out: make([]float64, maxB)}
}

func (m *linReg) Params() []float64 { return m.p }
func (m *linReg) Grads() []float64  { return m.g }
func (m *linReg) NumInputs() int    { return m.nin }
func (m *linReg) NumOutputs() int   { return 1 }
func (m *linReg) MaxBatch() int     { return m.maxB }
func (m *linReg) Init(rng *RNG) {
	GlorotUniform(m.p[:m.nin], m.nin, 1, rng)
	Zeros(m.p[m.nin:])
}

func (m *linReg) Predict(dst, x []float64, n int) {
	w, b := m.p[:m.nin], m.p[m.nin]
	for i := range n {
		s := b
		for j, wj := range w {
			s += wj * x[i*m.nin+j]
		}
		dst[i] = s
	}
}

func (m *linReg) Loss(x, y []float64, n int, pred []float64) float64 {
	m.Predict(m.out, x, n)
	if pred != nil {
		copy(pred, m.out[:n])
	}
	s := 0.0
	for i := range n {
		d := m.out[i] - y[i]
		s += d * d
	}
	return s / float64(n)
}

func (m *linReg) LossGrad(x, y []float64, n int, rng *RNG, pred []float64) float64 {
	rng.Float64()
	loss := m.Loss(x, y, n, pred)
	clear(m.g)
	for i := range n {
		r := 2 * (m.out[i] - y[i]) / float64(n)
		for j := range m.nin {
			m.g[j] += r * x[i*m.nin+j]
		}
		m.g[m.nin] += r
	}
	return loss
}

// lineData is y = x·(1, −2, 0.5) + 0.3 on rows drawn from a seeded RNG.
func lineData(rows int) *Table[float64] {
	w := []float64{1, -2, 0.5}
	r := NewRNG(99)
	t := &Table[float64]{Rows: rows, Features: 3, Targets: 1}
	for range rows {
		y := 0.3
		for _, wj := range w {
			x := r.Normal()
			t.X = append(t.X, x)
			y += wj * x
		}
		t.Y = append(t.Y, y)
	}
	return t
}

func quiet(cfg TrainConfig) TrainConfig { cfg.Quiet = true; return cfg }

func TestTrainLossDecreases(t *testing.T) {
	m := newLinReg(3, 16)
	m.Init(NewRNG(1))
	opt := NewAdam[float64](0)
	opt.LR = 0.05
	cfg := TrainConfig{Epochs: 40, BatchSize: 16, ValidationSplit: 0.1, Shuffle: true, Seed: 5, Metrics: []string{"mae", "mse"}}
	h, err := Train[float64](m, opt, lineData(200), quiet(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 40 || h.StoppedEarly || h.TrainRows != 180 || h.ValRows != 20 || h.Monitor != "val_loss" {
		t.Fatalf("history: %d epochs, stopped %v, rows %d+%d, monitor %s", len(h.Epochs), h.StoppedEarly, h.TrainRows, h.ValRows, h.Monitor)
	}
	first, last := h.Epochs[0], h.Epochs[39]
	if !(last.Loss < first.Loss/100) || !(last.ValLoss < first.ValLoss/100) {
		t.Errorf("loss %v → %v, val_loss %v → %v: want a 100-fold drop", first.Loss, last.Loss, first.ValLoss, last.ValLoss)
	}
	for i, e := range h.Epochs {
		if e.Epoch != i+1 || e.Seconds <= 0 {
			t.Errorf("epoch %d: %+v", i+1, e)
		}
	}
	// Training-set MSE metric is the mean of the per-sample squared errors: the same as the
	// epoch loss, which is the batch losses weighted by batch size.
	if math.Abs(last.Metrics["mse"]-last.Loss) > 1e-12 || math.Abs(last.ValMetrics["mse"]-last.ValLoss) > 1e-12 {
		t.Errorf("mse metric %v / %v differs from loss %v / %v", last.Metrics["mse"], last.ValMetrics["mse"], last.Loss, last.ValLoss)
	}
	if _, ok := last.ValMetrics["mae"]; !ok {
		t.Error("no val mae")
	}
	if _, err := json.Marshal(h); err != nil {
		t.Errorf("history does not marshal: %v", err)
	}
}

func TestTrainDeterministic(t *testing.T) {
	run := func(seed uint64) []float64 {
		m := newLinReg(3, 8)
		m.Init(NewRNG(1))
		if _, err := Train[float64](m, NewAdam[float64](0), lineData(50), quiet(TrainConfig{Epochs: 3, BatchSize: 8, Shuffle: true, Seed: seed})); err != nil {
			t.Fatal(err)
		}
		return slices.Clone(m.p)
	}
	a, b, c := run(1), run(1), run(2)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different weights")
	}
	if slices.Equal(a, c) {
		t.Error("seeds 1 and 2 gave the same weights: is the shuffle seeded?")
	}
}

// scripted is linReg with a validation loss read from a script, one value per epoch, to drive
// early stopping; it records the parameters it saw at each evaluation.
type scripted struct {
	*linReg
	script []float64
	calls  int
	seen   [][]float64
}

func (s *scripted) Loss(x, y []float64, n int, pred []float64) float64 {
	s.linReg.Loss(x, y, n, pred)
	s.seen = append(s.seen, slices.Clone(s.p))
	v := s.script[min(s.calls, len(s.script)-1)]
	s.calls++
	return v
}

func TestTrainEarlyStopping(t *testing.T) {
	data := lineData(40) // 36 training rows, 4 validation rows: one validation batch per epoch
	newModel := func() *scripted {
		m := &scripted{linReg: newLinReg(3, 8), script: []float64{1, 0.5, 0.6, 0.5, 0.7, 0.4}}
		m.Init(NewRNG(1))
		return m
	}
	cfg := TrainConfig{Epochs: 20, BatchSize: 8, ValidationSplit: 0.1, Patience: 3, Seed: 1}

	// Best is 0.5 at epoch 2; 0.6, 0.5 (not below 0.5: min_delta 0) and 0.7 make 3 epochs
	// without improvement, so training stops after epoch 5.
	m := newModel()
	var out bytes.Buffer
	cfg.Out = &out
	h, err := Train[float64](m, NewSGD[float64](0), data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 5 || !h.StoppedEarly || h.BestEpoch != 2 {
		t.Errorf("%d epochs, stopped early %v, best epoch %d; want 5, true, 2", len(h.Epochs), h.StoppedEarly, h.BestEpoch)
	}
	if !slices.Equal(m.p, m.seen[4]) {
		t.Error("without RestoreBest the weights are not the last epoch's")
	}
	if !strings.Contains(out.String(), "early stopping at epoch 5: val_loss has not improved for 3 epochs; best 0.5 at epoch 2") {
		t.Errorf("output does not report the stop:\n%s", out.String())
	}

	m = newModel()
	cfg.RestoreBest, cfg.Quiet = true, true
	if _, err := Train[float64](m, NewSGD[float64](0), data, cfg); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.p, m.seen[1]) {
		t.Errorf("RestoreBest left %v, want epoch 2's %v", m.p, m.seen[1])
	}

	// Patience 0 never stops; RestoreBest still restores the best epoch (6, val_loss 0.4 —
	// the last, so nothing moves) and BestEpoch is reported.
	m = newModel()
	cfg.Patience, cfg.Epochs = 0, 8
	h, err = Train[float64](m, NewSGD[float64](0), data, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 8 || h.StoppedEarly || h.BestEpoch != 6 {
		t.Errorf("patience 0: %d epochs, stopped %v, best %d; want 8, false, 6", len(h.Epochs), h.StoppedEarly, h.BestEpoch)
	}
	if !slices.Equal(m.p, m.seen[5]) {
		t.Error("RestoreBest without early stopping did not restore epoch 6")
	}
}

func TestTrainMonitorsLossWithoutValidation(t *testing.T) {
	// Plain SGD at a step far too large for this data makes the training loss grow, so with
	// no validation (monitor "loss") patience 2 stops at epoch 3.
	m := newLinReg(3, 8)
	m.Init(NewRNG(1))
	opt := NewSGD[float64](0)
	opt.LR = 1.2
	h, err := Train[float64](m, opt, lineData(64), quiet(TrainConfig{Epochs: 10, BatchSize: 64 / 8, Patience: 2}))
	if err != nil && !strings.Contains(err.Error(), "diverged") {
		t.Fatal(err)
	}
	if h.Monitor != "loss" || h.ValRows != 0 {
		t.Errorf("monitor %q with %d validation rows", h.Monitor, h.ValRows)
	}
	if err == nil && (!h.StoppedEarly || len(h.Epochs) != 3 || h.BestEpoch != 1) {
		t.Errorf("losses %v: stopped %v after %d epochs, best %d; want true, 3, 1", losses(h), h.StoppedEarly, len(h.Epochs), h.BestEpoch)
	}
}

func losses(h *History) []float64 {
	var l []float64
	for _, e := range h.Epochs {
		l = append(l, e.Loss)
	}
	return l
}

// nanAt is linReg whose training loss is NaN (or +Inf) on one call.
type nanAt struct {
	*linReg
	call, at int
	val      float64
}

func (m *nanAt) LossGrad(x, y []float64, n int, rng *RNG, pred []float64) float64 {
	l := m.linReg.LossGrad(x, y, n, rng, pred)
	m.call++
	if m.call == m.at {
		return m.val
	}
	return l
}

func TestTrainDivergence(t *testing.T) {
	// 40 rows, batch 8: 5 batches per epoch; call 12 is epoch 3, batch 2.
	for _, c := range []struct {
		val  float64
		want string
	}{
		{math.NaN(), "training diverged: loss is NaN at epoch 3, batch 2"},
		{math.Inf(1), "training diverged: loss is +Inf at epoch 3, batch 2"},
	} {
		m := &nanAt{linReg: newLinReg(3, 8), at: 12, val: c.val}
		h, err := Train[float64](m, NewAdam[float64](0), lineData(40), quiet(TrainConfig{Epochs: 10, BatchSize: 8}))
		if err == nil || err.Error() != c.want {
			t.Errorf("error %v, want %q", err, c.want)
		}
		if h == nil || len(h.Epochs) != 2 {
			t.Errorf("history after divergence: %+v, want the 2 finished epochs", h)
		}
	}
}

func TestTrainConfigErrors(t *testing.T) {
	data := lineData(20)
	cases := []struct {
		name string
		m    Model[float64]
		opt  Optimizer[float64]
		data *Table[float64]
		cfg  TrainConfig
		want string
	}{
		{"batch too big", newLinReg(3, 8), NewAdam[float64](0), data, TrainConfig{Epochs: 1, BatchSize: 9}, "batch size 9 exceeds the model's maximum batch 8"},
		{"negative batch", newLinReg(3, 8), NewAdam[float64](0), data, TrainConfig{Epochs: 1, BatchSize: -1}, "batch size must be positive"},
		{"no epochs", newLinReg(3, 8), NewAdam[float64](0), data, TrainConfig{}, "epochs must be at least 1"},
		{"split", newLinReg(3, 8), NewAdam[float64](0), data, TrainConfig{Epochs: 1, ValidationSplit: 1}, "validation split must be in [0, 1)"},
		{"split NaN", newLinReg(3, 8), NewAdam[float64](0), data, TrainConfig{Epochs: 1, ValidationSplit: math.NaN()}, "validation split must be in [0, 1)"},
		{"patience", newLinReg(3, 8), NewAdam[float64](0), data, TrainConfig{Epochs: 1, Patience: -1}, "patience must not be negative"},
		{"metric", newLinReg(3, 8), NewAdam[float64](0), data, TrainConfig{Epochs: 1, Metrics: []string{"auc"}}, `unknown metric "auc"`},
		{"features", newLinReg(4, 8), NewAdam[float64](0), data, TrainConfig{Epochs: 1}, "data has 3 features, the model takes 4 inputs"},
		{"optimizer size", newLinReg(3, 8), NewAdam[float64](7), data, TrainConfig{Epochs: 1}, "optimizer is sized for 7 parameters, model has 4"},
		{"no rows", newLinReg(3, 8), NewAdam[float64](0), &Table[float64]{Features: 3, Targets: 1}, TrainConfig{Epochs: 1}, "data has no rows"},
		{"ragged", newLinReg(3, 8), NewAdam[float64](0), &Table[float64]{X: []float64{1}, Y: []float64{1}, Rows: 1, Features: 3, Targets: 1}, TrainConfig{Epochs: 1}, "data X holds 1 values"},
		{"nil", nil, NewAdam[float64](0), data, TrainConfig{Epochs: 1}, "must not be nil"},
	}
	for _, c := range cases {
		_, err := Train(c.m, c.opt, c.data, quiet(c.cfg))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// TestTrainNoAllocsPerBatch shows the per-batch path allocates nothing: ten times the batches
// cost no extra allocation.
func TestTrainNoAllocsPerBatch(t *testing.T) {
	allocs := func(rows int) float64 {
		data := lineData(rows)
		m := newLinReg(3, 8)
		opt := NewAdam[float64](len(m.p))
		cfg := quiet(TrainConfig{Epochs: 2, BatchSize: 8, Shuffle: true, ValidationSplit: 0.2, Metrics: []string{"mae"}})
		return testing.AllocsPerRun(20, func() {
			if _, err := Train[float64](m, opt, data, cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(40), allocs(400)
	if small != large {
		t.Errorf("Train allocates %v times for 40 rows, %v for 400: something allocates per batch", small, large)
	}
}

func TestEvaluate(t *testing.T) {
	m := newLinReg(3, 4)
	copy(m.p, []float64{1, -2, 0.5, 0.3}) // the exact line: zero loss on lineData
	data := lineData(10)
	loss, vals, err := Evaluate[float64](m, data.X, data.Y, 10, 3, []string{"mae"})
	if err != nil || loss > 1e-24 || vals["mae"] > 1e-12 {
		t.Fatalf("exact weights: loss %v, %v, %v", loss, vals, err)
	}
	// Off by 1 in the bias: every error is 1, whatever the batching (3 does not divide 10,
	// and 9 > MaxBatch is capped to 4).
	m.p[3] += 1
	for _, b := range []int{0, 3, 9} {
		loss, vals, err = Evaluate[float64](m, data.X, data.Y, 10, b, []string{"mae", "mse"})
		if err != nil || math.Abs(loss-1) > 1e-12 || math.Abs(vals["mae"]-1) > 1e-12 || math.Abs(vals["mse"]-1) > 1e-12 {
			t.Errorf("batch %d: loss %v, %v, %v; want 1", b, loss, vals, err)
		}
	}
	for _, c := range []struct {
		rows, batch int
		x           []float64
		metrics     []string
		want        string
	}{
		{0, 4, data.X, nil, "need at least 1 row"},
		{11, 4, data.X, nil, "x holds 30 values, 11 rows of 3 inputs need 33"},
		{10, -1, data.X, nil, "batch size must be positive"},
		{10, 4, data.X, []string{"r2"}, `unknown metric "r2"`},
	} {
		if _, _, err := Evaluate[float64](m, c.x, data.Y, c.rows, c.batch, c.metrics); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}

func TestMedianEpochSeconds(t *testing.T) {
	h := &History{}
	if s := h.MedianEpochSeconds(); !math.IsNaN(s) {
		t.Errorf("no epochs: %v, want NaN", s)
	}
	for _, s := range []float64{0.9, 0.1, 0.3, 0.2, 0.25} {
		h.Epochs = append(h.Epochs, EpochStats{Seconds: s})
	}
	if s := h.MedianEpochSeconds(); s != 0.25 {
		t.Errorf("median of 0.9 0.1 0.3 0.2 0.25 = %v, want 0.25", s)
	}
	if h.Epochs[0].Seconds != 0.9 {
		t.Error("MedianEpochSeconds reordered the epochs")
	}
}
