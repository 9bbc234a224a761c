package runtime

import (
	"math"
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
