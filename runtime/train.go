package runtime

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	goruntime "runtime"
	"slices"
	"time"
)

// TrainConfig is what Keras' compile and fit take, minus the model and the data.
type TrainConfig struct {
	Epochs int
	// BatchSize is the mini-batch size; 0 means Keras' default of 32 (or MaxBatch if smaller).
	// It may not exceed the model's MaxBatch.
	BatchSize int
	// ValidationSplit holds out the last ValidationRows(Rows, ValidationSplit) rows for
	// validation, chosen before any shuffling, as Keras' validation_split does. 0: none.
	ValidationSplit float64
	// Shuffle reshuffles the training rows every epoch. Keras does so by default; here the
	// zero value does not, so set it to train as the tutorial does.
	Shuffle bool
	// Seed seeds the shuffling and the dropout masks (separate streams derived from it). It
	// does not initialise the model: call m.Init yourself, so that loaded weights can be
	// trained further.
	Seed uint64
	// Patience > 0 stops training after that many epochs without a new minimum of val_loss
	// (of loss, without validation), as Keras' EarlyStopping(patience, min_delta=0) does.
	Patience int
	// RestoreBest puts back the parameters of the best epoch (by the same monitor) when
	// training ends, whether or not it stopped early. Keras restores only on an early stop,
	// which silently leaves the last rather than the best weights when patience never runs out.
	RestoreBest bool
	// Metrics names the metrics to report besides the loss (see NewMetric).
	Metrics []string
	// Schedule, if not nil, changes the optimizer's learning rate from epoch to epoch.
	Schedule *Schedule
	// Out receives the progress report; nil means os.Stderr, as Keras prints by default.
	Out io.Writer
	// Quiet prints nothing.
	Quiet bool
}

// EpochStats is one epoch of History; metric maps are keyed by the names in
// TrainConfig.Metrics. ValLoss and ValMetrics are zero when there is no validation.
type EpochStats struct {
	Epoch      int                `json:"epoch"` // from 1
	Loss       float64            `json:"loss"`
	Metrics    map[string]float64 `json:"metrics,omitempty"`
	ValLoss    float64            `json:"val_loss,omitempty"`
	ValMetrics map[string]float64 `json:"val_metrics,omitempty"`
	Seconds    float64            `json:"seconds"` // wall time, validation included
	// LR is the learning rate of the epoch, under a schedule (0 without one).
	LR float64 `json:"lr,omitempty"`
}

// History is what Train returns: Keras' history plus what early stopping decided.
type History struct {
	Epochs       []EpochStats `json:"epochs"`
	StoppedEarly bool         `json:"stopped_early"`
	// BestEpoch is the epoch (from 1) with the lowest Monitor value; 0 if none was finite.
	BestEpoch int `json:"best_epoch"`
	// Monitor is "val_loss", or "loss" when there is no validation.
	Monitor   string `json:"monitor"`
	TrainRows int    `json:"train_rows"`
	ValRows   int    `json:"val_rows"`
}

// MedianEpochSeconds is the median wall time of an epoch (NaN for no epochs): the median
// resists the first epoch's page faults and a noisy machine.
func (h *History) MedianEpochSeconds() float64 {
	if len(h.Epochs) == 0 {
		return math.NaN()
	}
	s := make([]float64, len(h.Epochs))
	for i, e := range h.Epochs {
		s[i] = e.Seconds
	}
	slices.Sort(s)
	return s[len(s)/2]
}

// keras default batch size, used when TrainConfig.BatchSize is 0.
const defaultBatch = 32

// Train fits m to data with opt the way Keras' fit does: the last rows are held out for
// validation before any shuffling; every epoch the training rows are reshuffled (if asked),
// cut into mini-batches gathered into preallocated buffers, and for each batch m.LossGrad runs
// and opt takes a step; the epoch loss is the mean over samples of the batch losses (weighted
// by batch size), metrics are taken on the training predictions (dropout on, before the
// step), and the validation rows are then evaluated in inference mode.
//
// The data are any Source: a *Table, or the *Windows of a series (an autoencoder, whose
// targets are its inputs); the validation rows are the last ones in the source's order.
//
// Train does not initialise m. Nothing is allocated per batch. If the loss turns NaN or ±Inf,
// Train stops with an error naming the epoch and batch; on an error after training started,
// the returned History holds the epochs that finished.
func Train[T Float](m Model[T], opt Optimizer[T], data Source[T], cfg TrainConfig) (*History, error) {
	if m == nil || opt == nil || isNilSource(data) {
		return nil, errors.New("train: model, optimizer and data must not be nil")
	}
	ni, no, nt, maxB := m.NumInputs(), m.NumOutputs(), NumTargets(m), m.MaxBatch()
	if err := checkSource(data, ni, nt); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	params, grads := m.Params(), m.Grads()
	if len(grads) != len(params) {
		return nil, fmt.Errorf("train: model has %d parameters but %d gradients", len(params), len(grads))
	}
	if s, ok := opt.(interface{ Len() int }); ok && s.Len() != 0 && s.Len() != len(params) {
		return nil, fmt.Errorf("train: optimizer is sized for %d parameters, model has %d", s.Len(), len(params))
	}
	bs, err := checkConfig(&cfg, maxB)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	trainMetrics, err := newMetrics[T](cfg.Metrics, no, nt, Classes(m))
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	valMetrics, _ := newMetrics[T](cfg.Metrics, no, nt, Classes(m))

	rows := data.NumRows()
	nVal := ValidationRows(rows, cfg.ValidationSplit)
	nTrain := rows - nVal
	if nTrain == 0 {
		return nil, fmt.Errorf("train: validation split %g of %d rows leaves no rows to train on", cfg.ValidationSplit, rows)
	}

	sched, err := newScheduler(cfg.Schedule, opt, cfg.Epochs)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}

	// Everything the epochs need is allocated here, once.
	shuf := NewRNG(deriveSeed(cfg.Seed, 1))
	drop := NewRNG(deriveSeed(cfg.Seed, 2))
	idx := make([]int, nTrain)
	xb, yb := make([]T, bs*ni), make([]T, bs*nt)
	var pred []T
	if len(trainMetrics) > 0 {
		pred = make([]T, bs*no)
	}
	ev := newEvaluator(m, bs, valMetrics)
	var best []T
	if cfg.RestoreBest {
		best = make([]T, len(params))
	}
	h := &History{
		Epochs:    make([]EpochStats, 0, min(cfg.Epochs, 1024)),
		Monitor:   "loss",
		TrainRows: nTrain,
		ValRows:   nVal,
	}
	if nVal > 0 {
		h.Monitor = "val_loss"
	}
	p := newProgress(cfg.Out, cfg.Quiet, cfg.Epochs)
	nBatches := (nTrain + bs - 1) / bs
	bestVal, wait := math.Inf(1), 0

	for e := 1; e <= cfg.Epochs; e++ {
		start := time.Now()
		lr := 0.0
		if sched != nil {
			lr = sched.before(e)
		}
		for i := range idx {
			idx[i] = i
		}
		if cfg.Shuffle {
			shuf.Shuffle(idx)
		}
		for _, mt := range trainMetrics {
			mt.Reset()
		}
		sum := 0.0
		for b := range nBatches {
			lo := b * bs
			nb := min(bs, nTrain-lo)
			data.Gather(idx[lo:lo+nb], xb[:nb*ni], yb[:nb*nt])
			var pb []T
			if pred != nil {
				pb = pred[:nb*no]
			}
			loss := m.LossGrad(xb[:nb*ni], yb[:nb*nt], nb, drop, pb)
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				if p != nil {
					p.abort()
				}
				return h, fmt.Errorf("training diverged: loss is %v at epoch %d, batch %d", loss, e, b+1)
			}
			opt.Step(params, grads)
			sum += loss * float64(nb)
			for _, mt := range trainMetrics {
				mt.Add(pb, yb[:nb*nt])
			}
			if p != nil {
				p.batch(e, b+1, nBatches, sum/float64(lo+nb))
			}
		}

		st := EpochStats{Epoch: e, Loss: sum / float64(nTrain), Metrics: metricValues(trainMetrics), LR: lr}
		monitored := st.Loss
		if nVal > 0 {
			st.ValLoss = ev.run(data, nTrain, rows)
			st.ValMetrics = metricValues(valMetrics)
			monitored = st.ValLoss
		}
		st.Seconds = time.Since(start).Seconds()
		h.Epochs = append(h.Epochs, st)
		if p != nil {
			p.epochEnd(&st, cfg.Metrics, nVal > 0)
		}

		if sched != nil {
			sched.after(monitored)
		}
		// Keras' EarlyStopping.on_epoch_end with min_delta 0: count the epoch, reset on a new
		// minimum, stop once patience epochs passed without one (never after the first epoch).
		wait++
		if monitored < bestVal {
			bestVal, h.BestEpoch, wait = monitored, e, 0
			if best != nil {
				copy(best, params)
			}
		} else if cfg.Patience > 0 && wait >= cfg.Patience && e > 1 {
			h.StoppedEarly = true
			if p != nil {
				p.line(fmt.Sprintf("early stopping at epoch %d: %s has not improved for %d epochs; best %.4g at epoch %d",
					e, h.Monitor, wait, bestVal, h.BestEpoch))
			}
			break
		}
	}
	if best != nil && h.BestEpoch > 0 && h.BestEpoch != len(h.Epochs) {
		copy(params, best)
		if p != nil {
			p.line(fmt.Sprintf("restored the weights of epoch %d (%s %.4g)", h.BestEpoch, h.Monitor, bestVal))
		}
	}
	return h, nil
}

// isNilSource is true for a nil interface and for a nil pointer in one (a nil *Table, a nil
// *timeseries.Windows).
func isNilSource[T Float](s Source[T]) bool {
	if s == nil {
		return true
	}
	v := reflect.ValueOf(s)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// NumTargets is the number of target values a row of m's y holds: the model's NumTargets
// method (generated models have it). A model without one, or without targets (an
// autoencoder, whose loss compares the output with the input), is given rows of
// NumOutputs values, which the metrics compare the outputs with and the loss ignores.
func NumTargets[T Float](m Model[T]) int {
	if t, ok := m.(interface{ NumTargets() int }); ok && t.NumTargets() > 0 {
		return t.NumTargets()
	}
	return m.NumOutputs()
}

// checkSource says what is wrong when data does not fit a model with ni inputs, nt targets.
func checkSource[T Float](s Source[T], ni, nt int) error {
	if t, ok := s.(*Table[T]); ok {
		return checkTable(t, ni, nt)
	}
	switch {
	case s.NumRows() < 1:
		return errors.New("data has no rows")
	case s.NumFeatures() != ni:
		return fmt.Errorf("data has %d features, the model takes %d inputs", s.NumFeatures(), ni)
	case s.NumTargets() != nt:
		return fmt.Errorf("data has %d targets a row, the model takes %d", s.NumTargets(), nt)
	}
	return nil
}

// checkTable says what is wrong when data does not fit a model with ni inputs, nt targets.
func checkTable[T Float](t *Table[T], ni, nt int) error {
	switch {
	case t.Rows < 1:
		return errors.New("data has no rows")
	case t.Features != ni:
		return fmt.Errorf("data has %d features, the model takes %d inputs", t.Features, ni)
	case t.Targets != nt:
		return fmt.Errorf("data has %d targets a row, the model takes %d", t.Targets, nt)
	case len(t.X) != t.Rows*t.Features:
		return fmt.Errorf("data X holds %d values, %d rows of %d features need %d", len(t.X), t.Rows, t.Features, t.Rows*t.Features)
	case len(t.Y) != t.Rows*t.Targets:
		return fmt.Errorf("data Y holds %d values, %d rows of %d targets need %d", len(t.Y), t.Rows, t.Targets, t.Rows*t.Targets)
	}
	return nil
}

// checkConfig validates cfg and returns the batch size to use.
func checkConfig(cfg *TrainConfig, maxB int) (int, error) {
	if maxB < 1 {
		return 0, fmt.Errorf("model's maximum batch is %d", maxB)
	}
	if cfg.Epochs < 1 {
		return 0, fmt.Errorf("epochs must be at least 1, got %d", cfg.Epochs)
	}
	bs := cfg.BatchSize
	switch {
	case bs == 0:
		bs = min(defaultBatch, maxB)
	case bs < 0:
		return 0, fmt.Errorf("batch size must be positive, got %d", bs)
	case bs > maxB:
		return 0, fmt.Errorf("batch size %d exceeds the model's maximum batch %d (raise it when building the model)", bs, maxB)
	}
	if !(cfg.ValidationSplit >= 0 && cfg.ValidationSplit < 1) {
		return 0, fmt.Errorf("validation split must be in [0, 1), got %g", cfg.ValidationSplit)
	}
	if cfg.Patience < 0 {
		return 0, fmt.Errorf("patience must not be negative, got %d", cfg.Patience)
	}
	return bs, nil
}

// Evaluate is Keras' evaluate: the inference-mode mean loss over rows rows of x and y
// (row-major), taken in batches of batch (0 means 32; capped by m.MaxBatch()), and the
// named metrics on the same predictions.
func Evaluate[T Float](m Model[T], x, y []T, rows int, batch int, metrics []string) (loss float64, values map[string]float64, err error) {
	if m == nil {
		return 0, nil, errors.New("evaluate: model must not be nil")
	}
	ni, nt := m.NumInputs(), NumTargets(m)
	switch {
	case rows < 1:
		return 0, nil, fmt.Errorf("evaluate: need at least 1 row, got %d", rows)
	case len(x) < rows*ni:
		return 0, nil, fmt.Errorf("evaluate: x holds %d values, %d rows of %d inputs need %d", len(x), rows, ni, rows*ni)
	case len(y) < rows*nt:
		return 0, nil, fmt.Errorf("evaluate: y holds %d values, %d rows of %d targets need %d", len(y), rows, nt, rows*nt)
	}
	t := &Table[T]{X: x[:rows*ni], Y: y[:rows*nt], Rows: rows, Features: ni, Targets: nt}
	return EvaluateSource[T](m, t, batch, metrics)
}

// EvaluateSource is Evaluate over every row of a Source (a Table, the windows of a series).
func EvaluateSource[T Float](m Model[T], src Source[T], batch int, metrics []string) (loss float64, values map[string]float64, err error) {
	if m == nil || isNilSource(src) {
		return 0, nil, errors.New("evaluate: model and data must not be nil")
	}
	ni, no, nt, maxB := m.NumInputs(), m.NumOutputs(), NumTargets(m), m.MaxBatch()
	switch {
	case maxB < 1:
		return 0, nil, fmt.Errorf("evaluate: model's maximum batch is %d", maxB)
	case batch < 0:
		return 0, nil, fmt.Errorf("evaluate: batch size must be positive, got %d", batch)
	}
	if src.NumRows() < 1 {
		return 0, nil, fmt.Errorf("evaluate: need at least 1 row, got %d", src.NumRows())
	}
	if err := checkSource(src, ni, nt); err != nil {
		return 0, nil, fmt.Errorf("evaluate: %w", err)
	}
	if batch == 0 {
		batch = defaultBatch
	}
	ms, err := newMetrics[T](metrics, no, nt, Classes(m))
	if err != nil {
		return 0, nil, fmt.Errorf("evaluate: %w", err)
	}
	ev := newEvaluator(m, min(batch, maxB), ms)
	loss = ev.run(src, 0, src.NumRows())
	values = metricValues(ms)
	if values == nil {
		values = map[string]float64{}
	}
	return loss, values, nil
}

// evaluator runs inference-mode loss and metrics over a range of rows with buffers it keeps,
// so that validating every epoch allocates nothing.
type evaluator[T Float] struct {
	m       Model[T]
	batch   int
	pred    []T
	metrics []Metric[T]
	// Gather buffers, made on first use by a source that is not a Table (a Table's rows are
	// used where they lie).
	xb, yb []T
	idx    []int
}

func newEvaluator[T Float](m Model[T], batch int, metrics []Metric[T]) *evaluator[T] {
	e := &evaluator[T]{m: m, batch: batch, metrics: metrics}
	if len(metrics) > 0 {
		e.pred = make([]T, batch*m.NumOutputs())
	}
	return e
}

// run returns the mean loss over rows [lo, hi) of src (batches weighted by size) and leaves
// the metrics filled.
func (e *evaluator[T]) run(src Source[T], lo, hi int) float64 {
	ni, no, nt := e.m.NumInputs(), e.m.NumOutputs(), NumTargets(e.m)
	for _, mt := range e.metrics {
		mt.Reset()
	}
	t, isTable := src.(*Table[T])
	if !isTable && e.xb == nil {
		e.xb, e.yb, e.idx = make([]T, e.batch*ni), make([]T, e.batch*nt), make([]int, e.batch)
	}
	sum := 0.0
	for b := lo; b < hi; b += e.batch {
		nb := min(e.batch, hi-b)
		var pb []T
		if e.pred != nil {
			pb = e.pred[:nb*no]
		}
		var xb, yb []T
		if isTable {
			xb, yb = t.X[b*ni:(b+nb)*ni], t.Y[b*nt:(b+nb)*nt]
		} else {
			idx := e.idx[:nb]
			for i := range idx {
				idx[i] = b + i
			}
			xb, yb = e.xb[:nb*ni], e.yb[:nb*nt]
			src.Gather(idx, xb, yb)
		}
		sum += e.m.Loss(xb, yb, nb, pb) * float64(nb)
		for _, mt := range e.metrics {
			mt.Add(pb, yb)
		}
	}
	return sum / float64(hi-lo)
}

// PredictBatches runs m's inference over every row of src in chunks of m.MaxBatch() rows
// times GOMAXPROCS (at most 8), so that a generated model can share a chunk between its
// workers, gathering each chunk into a buffer it reuses, and calls fn with the chunk's first
// row, its size n, its inputs (n·NumInputs values) and the predictions (n·NumOutputs). The
// slices are reused by the next chunk: copy what must outlive the call. It is how a
// reconstruction error is taken over 100 000 windows without holding 100 000 reconstructions.
func PredictBatches[T Float](m Model[T], src Source[T], fn func(lo, n int, x, pred []T)) error {
	if m == nil || isNilSource(src) {
		return errors.New("predict: model and data must not be nil")
	}
	ni, no, maxB := m.NumInputs(), m.NumOutputs(), m.MaxBatch()
	if maxB < 1 {
		return fmt.Errorf("predict: model's maximum batch is %d", maxB)
	}
	if src.NumFeatures() != ni {
		return fmt.Errorf("predict: data has %d features, the model takes %d inputs", src.NumFeatures(), ni)
	}
	rows := src.NumRows()
	bs := min(maxB*min(goruntime.GOMAXPROCS(0), 8), max(rows, 1))
	xb, yb, pb := make([]T, bs*ni), make([]T, 0), make([]T, bs*no)
	idx := make([]int, bs)
	for lo := 0; lo < rows; lo += bs {
		n := min(bs, rows-lo)
		for i := range n {
			idx[i] = lo + i
		}
		src.Gather(idx[:n], xb[:n*ni], yb)
		m.Predict(pb[:n*no], xb[:n*ni], n)
		fn(lo, n, xb[:n*ni], pb[:n*no])
	}
	return nil
}

// PredictSource writes m's inference outputs for every row of src into dst
// (NumRows·NumOutputs values, row-major), in chunks as PredictBatches takes them.
func PredictSource[T Float](m Model[T], src Source[T], dst []T) error {
	if m == nil || isNilSource(src) {
		return errors.New("predict: model and data must not be nil")
	}
	no := m.NumOutputs()
	if need := src.NumRows() * no; len(dst) < need {
		return fmt.Errorf("predict: dst holds %d values, %d rows of %d outputs need %d", len(dst), src.NumRows(), no, need)
	}
	return PredictBatches(m, src, func(lo, n int, _, pred []T) {
		copy(dst[lo*no:(lo+n)*no], pred)
	})
}

// metricValues reads the metrics into a map keyed by name; nil when there are none.
func metricValues[T Float](ms []Metric[T]) map[string]float64 {
	if len(ms) == 0 {
		return nil
	}
	v := make(map[string]float64, len(ms))
	for _, mt := range ms {
		v[mt.Name()] = mt.Value()
	}
	return v
}
