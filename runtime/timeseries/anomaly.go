package timeseries

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
)

// The tutorial's anomaly detector for an autoencoder over the windows of a series:
//
//   - the reconstruction error of a window is its mean absolute error per channel
//     (WindowMAE), in the units the model sees (standardized);
//   - the threshold is the largest error over the training windows (Threshold with q = 1;
//     a lower quantile q makes a more sensitive detector);
//   - a test window is anomalous when its largest channel error exceeds the threshold;
//   - a sample is anomalous when every window that covers it is anomalous (and at least one
//     does), and runs of anomalous samples without a gap become intervals (Detect).

// WindowMAE runs m over every window (inference mode, batches of MaxBatch) and returns the
// mean absolute error between each window and its reconstruction, per channel:
// NumRows × Channels values, row-major, in float64.
func WindowMAE[T mlrt.Float](m mlrt.Model[T], w *Windows[T]) ([]float64, error) {
	if m == nil || w == nil {
		return nil, errors.New("window MAE: model and windows must not be nil")
	}
	c, l := w.Series.Channels, w.Len
	if m.NumOutputs() != l*c {
		return nil, fmt.Errorf("window MAE: the model has %d outputs, a window of %d samples × %d channels needs %d", m.NumOutputs(), l, c, l*c)
	}
	mae := make([]float64, w.NumRows()*c)
	acc := make([]float64, c)
	err := mlrt.PredictBatches[T](m, w, func(lo, n int, x, pred []T) {
		for r := range n {
			clear(acc)
			xr, pr := x[r*l*c:(r+1)*l*c], pred[r*l*c:(r+1)*l*c]
			for t := range l {
				for j := range c {
					acc[j] += math.Abs(float64(pr[t*c+j]) - float64(xr[t*c+j]))
				}
			}
			for j := range c {
				mae[(lo+r)*c+j] = acc[j] / float64(l)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("window MAE: %w", err)
	}
	return mae, nil
}

// RowMax returns the largest of each row of channels values (the largest channel error of
// each window).
func RowMax(v []float64, channels int) []float64 {
	if channels < 1 {
		return nil
	}
	out := make([]float64, len(v)/channels)
	for i := range out {
		out[i] = slices.Max(v[i*channels : (i+1)*channels])
	}
	return out
}

// Quantile is the q-quantile of v with linear interpolation between order statistics
// (numpy's default): q = 1 is the maximum, q = 0 the minimum. NaN when v is empty or q is
// outside [0, 1].
func Quantile(v []float64, q float64) float64 {
	if len(v) == 0 || !(q >= 0 && q <= 1) {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i] + f*(s[i+1]-s[i])
}

// Threshold is the q-quantile of the training windows' largest channel errors (mae as
// WindowMAE returns it). q = 1 is the tutorial's threshold, the largest training error.
func Threshold(mae []float64, channels int, q float64) (float64, error) {
	if !(q >= 0 && q <= 1) {
		return 0, fmt.Errorf("threshold: quantile must be in [0, 1], got %g", q)
	}
	if channels < 1 || len(mae) < channels {
		return 0, errors.New("threshold: no training windows")
	}
	return Quantile(RowMax(mae, channels), q), nil
}

// Interval is a run of anomalous samples: First and Last are their indices in the series,
// Start and End their times.
type Interval struct {
	Start, End  time.Time
	First, Last int
}

// Anomalies is what Detect found in the windows of a test series.
type Anomalies struct {
	Threshold float64
	// MAE is the per-window, per-channel error (WindowMAE); Max its largest channel per window.
	MAE, Max []float64
	// Window flags the windows whose largest channel error exceeds Threshold.
	Window []bool
	// Sample flags the series' samples all of whose covering windows are anomalous.
	Sample []bool
	// Intervals are the runs of anomalous samples, split where the series has a gap (a step
	// longer than the windows' cadence).
	Intervals []Interval
}

// Detect applies the tutorial's rule to the windows w of a test series with per-window
// per-channel errors mae (WindowMAE) and a threshold (Threshold).
func Detect[T mlrt.Float](w *Windows[T], mae []float64, threshold float64) (*Anomalies, error) {
	if w == nil {
		return nil, errors.New("detect: windows must not be nil")
	}
	c := w.Series.Channels
	if len(mae) != w.NumRows()*c {
		return nil, fmt.Errorf("detect: %d errors for %d windows of %d channels", len(mae), w.NumRows(), c)
	}
	a := &Anomalies{Threshold: threshold, MAE: mae, Max: RowMax(mae, c)}
	a.Window = make([]bool, w.NumRows())
	for i, m := range a.Max {
		a.Window[i] = m > threshold
	}
	// Count, for every sample, the windows covering it and the anomalous ones among them,
	// with difference arrays: window i covers samples Starts[i] … Starts[i]+Len−1.
	n := w.Series.Len()
	cover, bad := make([]int, n+1), make([]int, n+1)
	for i, s := range w.Starts {
		cover[s]++
		cover[s+w.Len]--
		if a.Window[i] {
			bad[s]++
			bad[s+w.Len]--
		}
	}
	a.Sample = make([]bool, n)
	cv, bd := 0, 0
	for k := range n {
		cv += cover[k]
		bd += bad[k]
		a.Sample[k] = cv > 0 && bd == cv
	}
	times := w.Series.Times
	for k := 0; k < n; k++ {
		if !a.Sample[k] {
			continue
		}
		j := k
		for j+1 < n && a.Sample[j+1] && times[j+1].Sub(times[j]) <= w.Cadence {
			j++
		}
		a.Intervals = append(a.Intervals, Interval{Start: times[k], End: times[j], First: k, Last: j})
		k = j
	}
	return a, nil
}
