package runtime

// Source is a data set the training loop draws batches from: NumRows rows of NumFeatures
// inputs and NumTargets targets. Gather copies the given rows, in that order, into x
// (len(rows)·NumFeatures values, row-major) and y (len(rows)·NumTargets values); an empty y
// asks for the inputs only (inference).
//
// A *Table holds its rows; *Windows makes them on demand from a series, so that 110 000
// overlapping windows of 240×3 values cost one series, not 300 MB.
//
// (The methods are NumRows, not Rows, because Table's fields already have those names.)
type Source[T Float] interface {
	NumRows() int
	NumFeatures() int
	NumTargets() int
	Gather(rows []int, x, y []T)
}

// NumRows is t.Rows.
func (t *Table[T]) NumRows() int { return t.Rows }

// NumFeatures is t.Features.
func (t *Table[T]) NumFeatures() int { return t.Features }

// NumTargets is t.Targets.
func (t *Table[T]) NumTargets() int { return t.Targets }

// Gather copies rows of X into x and, when y is not empty, of Y into y.
func (t *Table[T]) Gather(rows []int, x, y []T) {
	f, o := t.Features, t.Targets
	for i, r := range rows {
		copy(x[i*f:(i+1)*f], t.X[r*f:(r+1)*f])
		if len(y) > 0 {
			copy(y[i*o:(i+1)*o], t.Y[r*o:(r+1)*o])
		}
	}
}
