package runtime

import "fmt"

// Folds deals the rows of t into k folds for cross-validation, drawn with seed: each fold's
// row indices, in the order drawn. For a classifier (classes > 0) the folds are stratified,
// as scikit-learn's StratifiedKFold is: the rows of each class (a label, or the largest of
// one value per class) are shuffled and dealt in turn, so every fold holds each class in
// nearly the proportion of the whole; otherwise the shuffled rows are cut into k runs of
// nearly equal size.
func Folds[T Float](t *Table[T], k, classes int, seed uint64) ([][]int, error) {
	if k < 2 || k > t.Rows {
		return nil, fmt.Errorf("cross-validation: %d folds of %d rows; want 2 to %d", k, t.Rows, t.Rows)
	}
	rng := NewRNG(deriveSeed(seed, 3))
	folds := make([][]int, k)
	if classes <= 0 {
		idx := make([]int, t.Rows)
		for i := range idx {
			idx[i] = i
		}
		rng.Shuffle(idx)
		for f := range folds {
			folds[f] = idx[f*t.Rows/k : (f+1)*t.Rows/k]
		}
		return folds, nil
	}
	byClass := make([][]int, classes)
	for r := range t.Rows {
		y := t.Y[r*t.Targets : (r+1)*t.Targets]
		c := Argmax(y)
		if t.Targets == 1 {
			c = int(y[0])
		}
		if c < 0 || c >= classes || T(c) != y[0] && t.Targets == 1 {
			return nil, fmt.Errorf("cross-validation: row %d has class %v; want 0 to %d", r, y[0], classes-1)
		}
		byClass[c] = append(byClass[c], r)
	}
	next := 0 // the fold the next row goes to: classes continue where the last one stopped
	for _, rows := range byClass {
		rng.Shuffle(rows)
		for _, r := range rows {
			folds[next] = append(folds[next], r)
			next = (next + 1) % k
		}
	}
	return folds, nil
}

// Pick is a table of the rows idx of t, in that order (copied).
func (t *Table[T]) Pick(idx []int) *Table[T] {
	f, o := t.Features, t.Targets
	p := &Table[T]{X: make([]T, 0, len(idx)*f), Y: make([]T, 0, len(idx)*o), Rows: len(idx), Features: f, Targets: o,
		FeatureNames: t.FeatureNames, TargetNames: t.TargetNames}
	for _, r := range idx {
		p.X = append(p.X, t.X[r*f:(r+1)*f]...)
		p.Y = append(p.Y, t.Y[r*o:(r+1)*o]...)
	}
	return p
}
