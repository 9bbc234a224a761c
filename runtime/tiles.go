package runtime

// TilePasses is what a generated point-set model (a PINN) hands Tiles: the size of a tile
// of points, the number of loss terms, and the passes it computes on one tile. W is the
// model's worker type, the scratch space of one goroutine.
type TilePasses[T Float, W any] struct {
	Tile, Terms int
	// Predict computes the outputs at points r0 … r0+n-1 of the current Predict call;
	// Residuals, if not nil, the residuals at points of the current Residuals call.
	Predict, Residuals func(w *W, r0, n int)
	// Loss and LossGrad add the tile's share of the loss to sums[0] and of term i to
	// sums[1+i]; LossGrad adds its share of the gradient to Grads(w).
	Loss, LossGrad func(w *W, r0, n int, sums []float64)
	Grads          func(w *W) []T
	// LossConst and TermConsts are the constant parts of the loss and its terms, which the
	// passes leave out: added once, not once per tile.
	LossConst  float64
	TermConsts []float64
}

// Tiles runs a generated point-set model's passes on its workers: the code every generated
// model would otherwise repeat. The loss and its gradient give each worker a fixed share of
// the tiles and add the shares in a fixed order, so a seed gives the same result on one core
// or two; Predict deals its tiles to whichever worker is free (a point's outputs are its
// own). Nothing is allocated per call.
type Tiles[T Float, W any] struct {
	p       TilePasses[T, W]
	workers []W
	sums    [][]float64 // per worker: the loss, then the terms
	terms   []float64   // the terms of the last Loss or LossGrad
	team    Team
	chunks  Chunks // Predict's tiles
	job     int
	rows    int
}

// Init sets the passes and the workers, one goroutine each.
func (t *Tiles[T, W]) Init(p TilePasses[T, W], workers []W) {
	t.p, t.workers = p, workers
	t.sums = make([][]float64, len(workers))
	for k := range t.sums {
		t.sums[k] = make([]float64, 1+p.Terms)
	}
	t.terms = make([]float64, p.Terms)
	t.team.Init(len(workers), t.part)
}

// Predict runs the Predict pass over points 0 … n-1.
func (t *Tiles[T, W]) Predict(n int) {
	t.chunks.Reset(n, t.p.Tile)
	t.run(jobPredict, n)
}

// Residuals runs the Residuals pass over points 0 … n-1.
func (t *Tiles[T, W]) Residuals(n int) {
	t.chunks.Reset(n, t.p.Tile)
	t.run(jobResiduals, n)
}

// Loss evaluates the loss and its terms on rows points.
func (t *Tiles[T, W]) Loss(rows int) float64 {
	t.run(jobLoss, rows)
	return t.sum()
}

// LossGrad evaluates the loss and its terms on rows points and writes its gradient into grads.
func (t *Tiles[T, W]) LossGrad(rows int, grads []T) float64 {
	t.run(jobLossGrad, rows)
	copy(grads, t.p.Grads(&t.workers[0]))
	for k := 1; k < len(t.workers); k++ {
		for i, g := range t.p.Grads(&t.workers[k]) {
			grads[i] += g
		}
	}
	return t.sum()
}

// Terms are the values of the loss's terms at the last Loss or LossGrad.
func (t *Tiles[T, W]) Terms() []float64 { return t.terms }

// Close stops the worker goroutines; a later call starts them again.
func (t *Tiles[T, W]) Close() { t.team.Close() }

// sum adds up the workers' shares in a fixed order.
func (t *Tiles[T, W]) sum() float64 {
	loss := 0.0
	clear(t.terms)
	for _, s := range t.sums {
		loss += s[0]
		for i, v := range s[1:] {
			t.terms[i] += v
		}
	}
	for i, c := range t.p.TermConsts {
		t.terms[i] += c
	}
	return loss + t.p.LossConst
}

// run has every worker do its part of job, in parallel when there is more than one tile.
func (t *Tiles[T, W]) run(job, rows int) {
	t.job, t.rows = job, rows
	t.team.Run(rows > t.p.Tile)
}

// part runs worker k's tiles: a fixed share for the loss and its gradient; for Predict,
// whichever tiles are left when the worker asks.
func (t *Tiles[T, W]) part(k int) {
	w, p, nw := &t.workers[k], &t.p, len(t.workers)
	if t.job == jobPredict || t.job == jobResiduals {
		pass := p.Predict
		if t.job == jobResiduals {
			pass = p.Residuals
		}
		for {
			r0, end, ok := t.chunks.Next()
			if !ok {
				return
			}
			pass(w, r0, end-r0)
		}
	}
	if t.job == jobLossGrad {
		clear(p.Grads(w))
	}
	sums := t.sums[k]
	clear(sums)
	tiles := (t.rows + p.Tile - 1) / p.Tile
	for i := k * tiles / nw; i < (k+1)*tiles/nw; i++ {
		r0 := i * p.Tile
		n := min(p.Tile, t.rows-r0)
		if t.job == jobLoss {
			p.Loss(w, r0, n, sums)
		} else {
			p.LossGrad(w, r0, n, sums)
		}
	}
}
