package timeseries

import (
	"errors"
	"fmt"
	"math"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
)

// GapFactor is the gap rule of windows and intervals: a step between consecutive samples longer
// than GapFactor cadences is a data gap. Shorter steps are jitter — a 48-s record rounded to
// the second steps by 47 and 49 s, a 16-s one now and then by 15 s — and never split anything.
const GapFactor = 1.5

// IsGap says whether the step d between consecutive samples of a series of the given cadence
// is a data gap (see GapFactor).
func IsGap(d, cadence time.Duration) bool { return float64(d) > GapFactor*float64(cadence) }

// Windows are the windows of Len consecutive samples of a series, taken with stride 1 and kept
// only when they hold no data gap: no step inside is longer than GapFactor cadences (the
// tutorial asked for exactly (Len−1) cadences from first to last, which jittered timestamps
// never give). Only the start indices are held; a window is a view of the series.
//
// As a Source a window is both the input and the target (an autoencoder): a row is the
// window's Len·Channels values, time-major, channel fastest.
type Windows[T mlrt.Float] struct {
	Series  *Series[T]
	Len     int
	Cadence time.Duration
	// Starts are the series indices where the kept windows start, increasing.
	Starts []int
}

// NewWindows finds the gap-free windows of length samples in s; cadence 0 means Cadence(s.Times).
// No window (a series shorter than length, or all gaps) is not an error; NumRows is then 0.
func NewWindows[T mlrt.Float](s *Series[T], length int, cadence time.Duration) (*Windows[T], error) {
	if s == nil {
		return nil, errors.New("windows: series must not be nil")
	}
	if length < 1 {
		return nil, fmt.Errorf("windows: length must be at least 1, got %d", length)
	}
	if len(s.Values) != s.Len()*s.Channels || s.Channels < 1 {
		return nil, fmt.Errorf("windows: series has %d values for %d samples of %d channels", len(s.Values), s.Len(), s.Channels)
	}
	if cadence == 0 {
		cadence = Cadence(s.Times)
	}
	if cadence < 0 {
		return nil, fmt.Errorf("windows: cadence must be positive, got %v", cadence)
	}
	w := &Windows[T]{Series: s, Len: length, Cadence: cadence}
	// run is the number of samples up to and including i with no gap before them.
	run := 0
	for i := range s.Len() {
		if i > 0 && IsGap(s.Times[i].Sub(s.Times[i-1]), cadence) {
			run = 0
		}
		run++
		if run >= length {
			w.Starts = append(w.Starts, i-length+1)
		}
	}
	return w, nil
}

// NumRows is the number of windows.
func (w *Windows[T]) NumRows() int { return len(w.Starts) }

// NumFeatures is Len·Channels.
func (w *Windows[T]) NumFeatures() int { return w.Len * w.Series.Channels }

// NumTargets is Len·Channels: the target of a window is the window.
func (w *Windows[T]) NumTargets() int { return w.Len * w.Series.Channels }

// Window returns window i's values, a view into the series.
func (w *Windows[T]) Window(i int) []T {
	c := w.Series.Channels
	s := w.Starts[i]
	return w.Series.Values[s*c : (s+w.Len)*c]
}

// Start and End are the times of window i's first and last samples.
func (w *Windows[T]) Start(i int) time.Time { return w.Series.Times[w.Starts[i]] }
func (w *Windows[T]) End(i int) time.Time   { return w.Series.Times[w.Starts[i]+w.Len-1] }

// Gather copies the windows rows into x and, when y is not empty, into y as well.
func (w *Windows[T]) Gather(rows []int, x, y []T) {
	f := w.NumFeatures()
	for i, r := range rows {
		src := w.Window(r)
		copy(x[i*f:(i+1)*f], src)
		if len(y) > 0 {
			copy(y[i*f:(i+1)*f], src)
		}
	}
}

// ChannelScaler standardizes each channel of a series: (v − Mean)/Std, with the mean and the
// sample standard deviation (ddof 1, pandas' DataFrame.std, which the tutorial uses) of the
// training series. A constant channel is left unscaled (Std 1) and listed in Constant: the
// model learns nothing from it, and any change of it in a test series is off the scale. Mean
// and Std are float64 whatever T is.
type ChannelScaler[T mlrt.Float] struct {
	Mean, Std []float64
	Constant  []int // indices of the channels constant over the training series
}

// FitChannelScaler measures s; fit on the training series only, then Apply to training and
// test series alike.
func FitChannelScaler[T mlrt.Float](s *Series[T]) *ChannelScaler[T] {
	c, n := s.Channels, s.Len()
	sc := &ChannelScaler[T]{Mean: make([]float64, c), Std: make([]float64, c)}
	for j := range c {
		sum := 0.0
		for i := range n {
			sum += float64(s.Values[i*c+j])
		}
		mean := 0.0
		if n > 0 {
			mean = sum / float64(n)
		}
		ss := 0.0
		for i := range n {
			d := float64(s.Values[i*c+j]) - mean
			ss += d * d
		}
		std := 0.0
		if n > 1 {
			std = math.Sqrt(ss / float64(n-1))
		}
		if std == 0 || math.IsNaN(std) {
			std = 1
			sc.Constant = append(sc.Constant, j)
		}
		sc.Mean[j], sc.Std[j] = mean, std
	}
	return sc
}

// Apply standardizes s in place.
func (sc *ChannelScaler[T]) Apply(s *Series[T]) { sc.ApplyValues(s.Values) }

// ApplyValues standardizes row-major values of len(Mean) channels in place.
func (sc *ChannelScaler[T]) ApplyValues(v []T) {
	c := len(sc.Mean)
	for i := 0; i+c <= len(v); i += c {
		for j := range c {
			v[i+j] = T((float64(v[i+j]) - sc.Mean[j]) / sc.Std[j])
		}
	}
}

// InvertValues undoes ApplyValues in place (back to physical units, for plots).
func (sc *ChannelScaler[T]) InvertValues(v []T) {
	c := len(sc.Mean)
	for i := 0; i+c <= len(v); i += c {
		for j := range c {
			v[i+j] = T(float64(v[i+j])*sc.Std[j] + sc.Mean[j])
		}
	}
}
