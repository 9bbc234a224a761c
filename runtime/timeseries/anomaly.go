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

// MergeCadences is the default merge rule of Detect: anomalous samples at most this many
// cadences apart, with no normal sample between them, are one interval — jittered steps and
// one missing sample do not split an interval, two missing samples do.
const MergeCadences = 2.5

// DetectOptions say which samples Detect judges and how it joins them into intervals.
type DetectOptions struct {
	// From and To are the series indices of the judged samples, [From, To); To 0 means the
	// end. The samples outside are context: the windows over them are judged and count for
	// the samples inside, so that a test range's first minutes are judged by every window that
	// covers them, as in the middle of the range.
	From, To int
	// Merge is the longest time between two anomalous samples, with no normal sample between
	// them, that keeps them in one interval; 0 means MergeCadences cadences.
	Merge time.Duration
}

// Anomalies is what Detect found in the windows of a test series.
type Anomalies struct {
	Threshold float64
	// MAE is the per-window, per-channel error (WindowMAE); Max its largest channel per window.
	// Both are nil when the verdicts came from DetectWindows.
	MAE, Max []float64
	// Window flags the anomalous windows.
	Window []bool
	// Sample flags the judged samples all of whose covering windows are anomalous; samples
	// outside the judged range are never flagged.
	Sample []bool
	// Seen marks the judged samples at least one window covers: the samples the verdict is
	// about.
	Seen []bool
	// Judged is the number of judged samples, Covered those of them at least one window
	// covers (a sample no window covers cannot be judged: it lies within a window's length of
	// a data gap on both sides), Flagged those flagged.
	Judged, Covered, Flagged int
	// Intervals are the runs of anomalous samples, joined by the merge rule (DetectOptions).
	Intervals []Interval
}

// Detect applies the tutorial's rule to the windows w of a test series with per-window
// per-channel errors mae (WindowMAE) and a threshold (Threshold): a window is anomalous when
// its largest channel error exceeds the threshold, a sample when every window covering it is.
func Detect[T mlrt.Float](w *Windows[T], mae []float64, threshold float64, opts DetectOptions) (*Anomalies, error) {
	if w == nil {
		return nil, errors.New("detect: windows must not be nil")
	}
	c := w.Series.Channels
	if len(mae) != w.NumRows()*c {
		return nil, fmt.Errorf("detect: %d errors for %d windows of %d channels", len(mae), w.NumRows(), c)
	}
	mx := RowMax(mae, c)
	flags := make([]bool, len(mx))
	for i, m := range mx {
		flags[i] = m > threshold
	}
	a, err := DetectWindows(w, flags, opts)
	if err != nil {
		return nil, err
	}
	a.Threshold, a.MAE, a.Max = threshold, mae, mx
	return a, nil
}

// DetectWindows is Detect with the windows' verdicts given (an ensemble's vote, say).
func DetectWindows[T mlrt.Float](w *Windows[T], flags []bool, opts DetectOptions) (*Anomalies, error) {
	if w == nil {
		return nil, errors.New("detect: windows must not be nil")
	}
	if len(flags) != w.NumRows() {
		return nil, fmt.Errorf("detect: %d verdicts for %d windows", len(flags), w.NumRows())
	}
	n := w.Series.Len()
	lo, hi := opts.From, opts.To
	if hi == 0 {
		hi = n
	}
	if lo < 0 || hi > n || lo > hi {
		return nil, fmt.Errorf("detect: judged samples [%d, %d) outside the series' %d", lo, hi, n)
	}
	merge := opts.Merge
	if merge == 0 {
		merge = time.Duration(MergeCadences * float64(w.Cadence))
	}
	a := &Anomalies{Window: flags, Judged: hi - lo}
	// Count, for every sample, the windows covering it and the anomalous ones among them,
	// with difference arrays: window i covers samples Starts[i] … Starts[i]+Len−1.
	cover, bad := make([]int, n+1), make([]int, n+1)
	for i, s := range w.Starts {
		cover[s]++
		cover[s+w.Len]--
		if flags[i] {
			bad[s]++
			bad[s+w.Len]--
		}
	}
	a.Sample, a.Seen = make([]bool, n), make([]bool, n)
	times := w.Series.Times
	open := false // an interval is open: its last sample is a.Intervals[len−1].Last
	cv, bd := 0, 0
	for k := range hi {
		cv += cover[k]
		bd += bad[k]
		if k < lo || cv == 0 {
			continue
		}
		a.Covered++
		a.Seen[k] = true
		if bd < cv {
			open = false // a normal sample ends the interval
			continue
		}
		a.Sample[k] = true
		a.Flagged++
		if open {
			last := &a.Intervals[len(a.Intervals)-1]
			if times[k].Sub(times[last.Last]) <= merge {
				last.Last, last.End = k, times[k]
				continue
			}
		}
		a.Intervals = append(a.Intervals, Interval{Start: times[k], End: times[k], First: k, Last: k})
		open = true
	}
	return a, nil
}
