package runtime

import "fmt"

// BatchPasses is what a generated mini-batch model hands Batches: its sizes and the passes
// it computes on one worker's share of a call. W is the model's worker type, the scratch
// space of one goroutine.
type BatchPasses[T Float, W any] struct {
	Name                             string // the model's, for messages
	Inputs, Outputs, Targets         int    // values a row of x, of the predictions, of y
	MaxBatch, PredictBatch, MinSplit int
	PredictRow                       func(dst, x []T)              // one row, on the caller's goroutine
	Predict                          func(w *W, dst, x []T, n int) // n ≤ PredictBatch rows
	Loss                             func(w *W, x, y []T, n, total int, pred []T) T
	LossGrad                         func(w *W, x, y []T, n, total int, rng *RNG, pred []T) T
	Grads                            func(w *W) []T // where LossGrad leaves w's share of the gradient
	// LossConst is the loss's constant term, which the passes leave out: added once, not
	// once per worker.
	LossConst float64
	// Penalty, if not nil, is the loss's terms of the parameters alone (the layers' l2
	// penalties), added once per call, not once per worker: it returns their value and,
	// when grads is not nil, adds their gradient to it.
	Penalty func(grads []T) float64
}

// Batches runs a generated mini-batch model's passes on its workers: the code every
// generated model would otherwise repeat. Predict deals batches of rows to whichever
// worker is free (a row's outputs do not depend on which computes it); Loss and LossGrad
// split a batch of MinSplit rows or more between the workers in a fixed way and add their
// parts in a fixed order, so a seed gives the same result on one core or two. Nothing is
// allocated per call.
type Batches[T Float, W any] struct {
	p       BatchPasses[T, W]
	workers []W
	losses  []float64
	rngs    []RNG  // the dropout streams of workers 1 …
	crng    []*RNG // each worker's stream in the current call (nil: no dropout)
	team    Team
	chunks  Chunks // Predict's batches
	job     int
	x, y    []T
	pred    []T
	n       int
}

const (
	jobPredict = iota
	jobLoss
	jobLossGrad
	jobResiduals // a point-set model's residuals (Tiles)
)

// Init sets the passes and the workers, one goroutine each.
func (b *Batches[T, W]) Init(p BatchPasses[T, W], workers []W) {
	b.p, b.workers = p, workers
	b.losses = make([]float64, len(workers))
	b.rngs = make([]RNG, len(workers))
	b.crng = make([]*RNG, len(workers))
	b.team.Init(len(workers), b.part)
}

// Predict writes the outputs of n rows of x into dst.
func (b *Batches[T, W]) Predict(dst, x []T, n int) {
	checkRows(b.p.Name, "Predict", "x", len(x), n, b.p.Inputs)
	checkRows(b.p.Name, "Predict", "dst", len(dst), n, b.p.Outputs)
	switch n {
	case 0:
		return
	case 1:
		b.p.PredictRow(dst, x)
		return
	}
	b.x, b.pred, b.n = x, dst, n
	// Batches of PredictBatch rows, or of n/workers when that is fewer: every worker gets some.
	nw := len(b.workers)
	b.chunks.Reset(n, min(b.p.PredictBatch, (n+nw-1)/nw))
	b.run(jobPredict, n >= b.p.MinSplit)
	b.x, b.pred = nil, nil
}

// Loss is the inference-mode mean loss of n ≤ MaxBatch rows.
func (b *Batches[T, W]) Loss(x, y []T, n int, pred []T) float64 {
	b.check("Loss", x, y, n, pred)
	b.x, b.y, b.n, b.pred = x, y, n, pred
	b.run(jobLoss, n >= b.p.MinSplit)
	b.x, b.y, b.pred = nil, nil, nil
	loss := 0.0
	for _, l := range b.losses {
		loss += l
	}
	if b.p.Penalty != nil {
		loss += b.p.Penalty(nil)
	}
	return loss + b.p.LossConst
}

// LossGrad runs the training pass on n ≤ MaxBatch rows, writes the gradient of the mean
// loss into grads and returns the loss. Worker 0 draws its dropout masks from rng, the
// others from streams seeded by it; nil turns dropout off.
func (b *Batches[T, W]) LossGrad(x, y []T, n int, rng *RNG, pred, grads []T) float64 {
	b.check("LossGrad", x, y, n, pred)
	b.x, b.y, b.n, b.pred = x, y, n, pred
	b.crng[0] = rng
	for k := 1; k < len(b.workers); k++ {
		b.crng[k] = nil
		if rng != nil {
			b.rngs[k].Seed(rng.Uint64())
			b.crng[k] = &b.rngs[k]
		}
	}
	b.run(jobLossGrad, n >= b.p.MinSplit)
	b.x, b.y, b.pred = nil, nil, nil
	copy(grads, b.p.Grads(&b.workers[0]))
	loss := b.losses[0]
	for k := 1; k < len(b.workers); k++ {
		loss += b.losses[k]
		for i, g := range b.p.Grads(&b.workers[k]) {
			grads[i] += g
		}
	}
	if b.p.Penalty != nil {
		loss += b.p.Penalty(grads)
	}
	return loss + b.p.LossConst
}

// Close stops the worker goroutines; a later call starts them again.
func (b *Batches[T, W]) Close() { b.team.Close() }

func (b *Batches[T, W]) check(method string, x, y []T, n int, pred []T) {
	if n < 1 || n > b.p.MaxBatch {
		panic(fmt.Sprintf("%s.%s: batch of %d rows; want 1 to %d", b.p.Name, method, n, b.p.MaxBatch))
	}
	checkRows(b.p.Name, method, "x", len(x), n, b.p.Inputs)
	checkRows(b.p.Name, method, "y", len(y), n, b.p.Targets)
	if pred != nil {
		checkRows(b.p.Name, method, "pred", len(pred), n, b.p.Outputs)
	}
}

// run has every worker do its part of job, in parallel when it pays. The parts are the
// same either way, so the result does not depend on the number of cores.
func (b *Batches[T, W]) run(job int, parallel bool) {
	b.job = job
	b.team.Run(parallel)
}

// part runs worker k's share of the current call: rows lo … hi-1 (Predict: the batches it
// is dealt).
func (b *Batches[T, W]) part(k int) {
	w, p, nw := &b.workers[k], &b.p, len(b.workers)
	if b.job == jobPredict {
		for {
			i, end, ok := b.chunks.Next()
			if !ok {
				return
			}
			p.Predict(w, b.pred[i*p.Outputs:], b.x[i*p.Inputs:], end-i)
		}
	}
	lo, hi := k*b.n/nw, (k+1)*b.n/nw
	if b.n < p.MinSplit {
		// A small batch is not split: worker 0 takes it whole.
		lo, hi = 0, b.n
		if k > 0 {
			lo = hi
		}
	}
	if lo == hi {
		clear(p.Grads(w))
		b.losses[k] = 0
		return
	}
	pred := b.pred
	if pred != nil {
		pred = pred[lo*p.Outputs:]
	}
	x, y := b.x[lo*p.Inputs:], b.y[lo*p.Targets:]
	if b.job == jobLoss {
		b.losses[k] = float64(p.Loss(w, x, y, hi-lo, b.n, pred))
		return
	}
	b.losses[k] = float64(p.LossGrad(w, x, y, hi-lo, b.n, b.crng[k], pred))
}
