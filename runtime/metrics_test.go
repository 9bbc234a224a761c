package runtime

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	pred := []float32{0.2, 0.5, 0.7, 0.9}
	y := []float32{0, 1, 1, 0}
	cases := []struct {
		name string
		want float64
	}{
		// 0.2→0 ✓, 0.5→0 (Keras counts only > 0.5 as 1) ✗, 0.7→1 ✓, 0.9→1 ✗.
		{"binary_accuracy", 0.5},
		{"accuracy", 0.5},
		{"acc", 0.5},
		{"mae", (0.2 + 0.5 + 0.3 + 0.9) / 4},
		{"mean_absolute_error", (0.2 + 0.5 + 0.3 + 0.9) / 4},
		{"mse", (0.04 + 0.25 + 0.09 + 0.81) / 4},
		{"mean_squared_error", (0.04 + 0.25 + 0.09 + 0.81) / 4},
	}
	for _, c := range cases {
		m, err := NewMetric[float32](c.name)
		if err != nil {
			t.Fatal(err)
		}
		if m.Name() != c.name {
			t.Errorf("Name() = %q, want %q", m.Name(), c.name)
		}
		if m.Value() != 0 {
			t.Errorf("%s: Value before Add = %v, want 0", c.name, m.Value())
		}
		// Two batches accumulate as one.
		m.Add(pred[:1], y[:1])
		m.Add(pred[1:], y[1:])
		if math.Abs(m.Value()-c.want) > 1e-7 {
			t.Errorf("%s = %v, want %v", c.name, m.Value(), c.want)
		}
		m.Reset()
		if m.Value() != 0 {
			t.Errorf("%s: Value after Reset = %v", c.name, m.Value())
		}
	}
}

func TestNewMetricUnknown(t *testing.T) {
	_, err := NewMetric[float64]("f1")
	if err == nil {
		t.Fatal("no error for an unknown metric")
	}
	for _, want := range []string{`"f1"`, "binary_accuracy", "accuracy", "mae", "mse"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

// TestClassAccuracy: the class of the largest output against a label or the largest of one
// value per class; top-2 counts a class among the two largest (ties count for it), and a
// label that is no class is a miss.
func TestClassAccuracy(t *testing.T) {
	pred := []float64{
		0.1, 0.7, 0.2, // class 1
		0.5, 0.3, 0.2, // class 0
		0.3, 0.3, 0.4, // class 2; 0 and 1 tie second
		0.2, 0.2, 0.6,
	}
	labels := []float64{1, 1, 0, 7}
	oneHot := []float64{0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1}
	cases := []struct {
		name   string
		k      int
		y      []float64
		labels bool
		want   float64
	}{
		{"accuracy", 1, labels, true, 1.0 / 4},
		{"top_2_accuracy", 2, labels, true, 3.0 / 4},
		{"accuracy", 1, oneHot, false, 2.0 / 4},
		{"top_2_accuracy", 2, oneHot, false, 4.0 / 4},
	}
	for _, c := range cases {
		m := NewClassAccuracy[float64](c.name, c.k, 3, c.labels)
		m.Add(pred[:6], c.y[:len(c.y)/2])
		m.Add(pred[6:], c.y[len(c.y)/2:])
		if m.Value() != c.want {
			t.Errorf("%s, labels %v: %v, want %v", c.name, c.labels, m.Value(), c.want)
		}
	}
	if TopK("top_3_accuracy") != 3 || TopK("top_0_accuracy") != 0 || TopK("top_03_accuracy") != 0 || TopK("accuracy") != 0 {
		t.Error("TopK misreads a metric name")
	}
	got := Confusion(pred, labels, 4, 3)
	want := [][]int{{0, 0, 1}, {1, 1, 0}, {0, 0, 0}} // the label 7 is not counted
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("confusion %v, want %v", got, want)
			break
		}
	}
	if _, err := newMetrics[float64]([]string{"accuracy"}, 3, 2, 3); err == nil {
		t.Error("accuracy of 3 classes against 2 targets a row: no error")
	}
	if _, err := newMetrics[float64]([]string{"top_2_accuracy"}, 3, 3, 0); err == nil {
		t.Error("top_2_accuracy of a model without classes: no error")
	}
}
