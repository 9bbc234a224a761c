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

// newMetrics builds one metric per name for a model of outputs and targets values a row;
// shared by Train and Evaluate. For a classifier (classes > 0, see Classes) accuracy
// compares classes, as categorical_accuracy does, and top_K_accuracy is known.
func newMetrics[T Float](names []string, outputs, targets, classes int) ([]Metric[T], error) {
	ms := make([]Metric[T], len(names))
	for i, n := range names {
		k := TopK(n)
		switch {
		case classes > 0 && (n == "accuracy" || n == "acc" || n == "categorical_accuracy" || n == "sparse_categorical_accuracy" || k > 0):
			if outputs != classes || targets != 1 && targets != classes {
				return nil, fmt.Errorf("%s compares the class of the largest of %d outputs with a class label or one value per class, but the model has %d outputs and %d targets", n, classes, outputs, targets)
			}
			ms[i] = NewClassAccuracy[T](n, max(k, 1), classes, targets == 1)
			continue
		case k > 0 || n == "categorical_accuracy" || n == "sparse_categorical_accuracy":
			return nil, fmt.Errorf("%s compares classes: it needs a classifier (a model with a Classes method)", n)
		case targets != outputs:
			return nil, fmt.Errorf("metrics compare outputs with targets, but the model has %d outputs and %d targets", outputs, targets)
		}
		m, err := NewMetric[T](n)
		if err != nil {
			return nil, err
		}
		ms[i] = m
	}
	return ms, nil
}

// Classes is the number of classes of a classifier, a model whose loss is a categorical
// cross-entropy: its Classes method, which generated classifiers have (0 for other models).
// Its outputs are one value per class; its targets a class label (0 … classes-1) or one
// value per class.
func Classes[T Float](m Model[T]) int {
	if c, ok := m.(interface{ Classes() int }); ok {
		return c.Classes()
	}
	return 0
}

// TopK reads a metric named top_K_accuracy and returns K, or 0 for any other name.
func TopK(name string) int {
	var k int
	var rest string
	if n, _ := fmt.Sscanf(name, "top_%d_%s", &k, &rest); n != 2 || rest != "accuracy" || k < 1 || name != fmt.Sprintf("top_%d_accuracy", k) {
		return 0
	}
	return k
}

// ClassAccuracy is the fraction of samples whose class is among the K largest of the
// classes' outputs (K = 1: the largest, Keras' categorical accuracy; top_K_accuracy
// otherwise). The class is the label y (sparse: one value a row) or the largest of y's
// values. Ties count for the sample, as tf.math.in_top_k does: the class is among the K
// largest when fewer than K outputs are larger than its own.
type ClassAccuracy[T Float] struct {
	meanAcc
	k, classes int
	labels     bool
}

// NewClassAccuracy returns the top-k accuracy of a classifier of the given classes, with
// y a class label per row (labels) or one value per class.
func NewClassAccuracy[T Float](name string, k, classes int, labels bool) *ClassAccuracy[T] {
	return &ClassAccuracy[T]{meanAcc: meanAcc{name: name}, k: k, classes: classes, labels: labels}
}

// Add counts the hits in one batch of rows.
func (a *ClassAccuracy[T]) Add(pred, y []T) {
	rows := len(pred) / a.classes
	for r := range rows {
		p := pred[r*a.classes : (r+1)*a.classes]
		class := -1
		if a.labels {
			if c := int(y[r]); T(c) == y[r] && c >= 0 && c < a.classes {
				class = c
			}
		} else {
			class = Argmax(y[r*a.classes : (r+1)*a.classes])
		}
		if class >= 0 {
			larger := 0
			for _, v := range p {
				if v > p[class] {
					larger++
				}
			}
			if larger < a.k {
				a.sum++
			}
		}
	}
	a.count += float64(rows)
}

// Argmax is the index of the first largest value of v (0 when v is empty or all NaN).
func Argmax[T Float](v []T) int {
	best := 0
	for i, x := range v {
		if x > v[best] || v[best] != v[best] && x == x {
			best = i
		}
	}
	return best
}

// Confusion counts, for a classifier's predictions pred (rows of classes values) and
// targets y (a class label per row, or one value per class), how many samples of each
// true class (the matrix's row) were given each class (its column: the largest output). A
// label that is no class is not counted.
func Confusion[T Float](pred, y []T, rows, classes int) [][]int {
	c := make([][]int, classes)
	for i := range c {
		c[i] = make([]int, classes)
	}
	labels := len(y) < rows*classes
	for r := range rows {
		got := Argmax(pred[r*classes : (r+1)*classes])
		var want int
		if labels {
			want = int(y[r])
			if T(want) != y[r] || want < 0 || want >= classes {
				continue
			}
		} else {
			want = Argmax(y[r*classes : (r+1)*classes])
		}
		c[want][got]++
	}
	return c
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
