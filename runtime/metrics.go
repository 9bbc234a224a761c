package runtime

import (
	"fmt"
	"math"
	"strings"
)

// Metric accumulates a figure over mini-batches, the way Keras' stateful metrics do: Add each
// batch's predictions and targets (same length, row-major), read Value at the end of the epoch,
// Reset before the next. Sums are kept in float64 so a long epoch loses no precision.
type Metric[T Float] interface {
	// Name is the name the user asked for ("accuracy" stays "accuracy"), as in Keras' history.
	Name() string
	Add(pred, y []T)
	// Value is the mean over all elements added so far, 0 before any.
	Value() float64
	Reset()
}

// knownMetrics lists every accepted name, sorted, for the error on an unknown one.
var knownMetrics = []string{"acc", "accuracy", "binary_accuracy", "mae", "mean_absolute_error", "mean_squared_error", "mse"}

// NewMetric returns the metric called name. "accuracy" and "acc" mean binary accuracy, as
// they do in Keras for a binary cross-entropy model (the only classifier mlc builds so far);
// "mean_absolute_error" and "mean_squared_error" are Keras' long names for "mae" and "mse".
func NewMetric[T Float](name string) (Metric[T], error) {
	switch name {
	case "binary_accuracy", "accuracy", "acc":
		return &BinaryAccuracy[T]{meanAcc{name: name}}, nil
	case "mae", "mean_absolute_error":
		return &MAE[T]{meanAcc{name: name}}, nil
	case "mse", "mean_squared_error":
		return &MSE[T]{meanAcc{name: name}}, nil
	}
	return nil, fmt.Errorf("unknown metric %q: known metrics are %s", name, strings.Join(knownMetrics, ", "))
}

// newMetrics builds one metric per name; shared by Train and Evaluate.
func newMetrics[T Float](names []string) ([]Metric[T], error) {
	ms := make([]Metric[T], len(names))
	for i, n := range names {
		m, err := NewMetric[T](n)
		if err != nil {
			return nil, err
		}
		ms[i] = m
	}
	return ms, nil
}

// meanAcc is the running sum and count behind every metric here.
type meanAcc struct {
	name       string
	sum, count float64
}

func (a *meanAcc) Name() string { return a.name }
func (a *meanAcc) Reset()       { a.sum, a.count = 0, 0 }
func (a *meanAcc) Value() float64 {
	if a.count == 0 {
		return 0
	}
	return a.sum / a.count
}

// BinaryAccuracy is the fraction of outputs whose class (pred > 0.5 is 1, else 0) equals y.
// As in Keras, y is compared exactly, so targets must be 0 or 1.
type BinaryAccuracy[T Float] struct{ meanAcc }

// Add counts the matches in one batch.
func (b *BinaryAccuracy[T]) Add(pred, y []T) {
	y = y[:len(pred)]
	hits := 0
	for i, p := range pred {
		var c T
		if p > 0.5 {
			c = 1
		}
		if c == y[i] {
			hits++
		}
	}
	b.sum += float64(hits)
	b.count += float64(len(pred))
}

// MAE is the mean absolute error.
type MAE[T Float] struct{ meanAcc }

// Add accumulates |pred − y| over one batch.
func (a *MAE[T]) Add(pred, y []T) {
	y = y[:len(pred)]
	s := 0.0
	for i, p := range pred {
		s += math.Abs(float64(p) - float64(y[i]))
	}
	a.sum += s
	a.count += float64(len(pred))
}

// MSE is the mean squared error.
type MSE[T Float] struct{ meanAcc }

// Add accumulates (pred − y)² over one batch.
func (a *MSE[T]) Add(pred, y []T) {
	y = y[:len(pred)]
	s := 0.0
	for i, p := range pred {
		d := float64(p) - float64(y[i])
		s += d * d
	}
	a.sum += s
	a.count += float64(len(pred))
}
