package timeseries

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
)

// DefaultInterpolate is how many missing samples in a row FillGaps fills by default: a
// dropout of one or two samples does not cost the windows over it.
const DefaultInterpolate = 2

// SeriesSpec is a `data train|test = series("file", ...)` statement: the file (CSV, CDF or
// OMNI listing; see LoadSeries), its value columns (comma-separated, "" for the default), its
// time column and its range of times, "START/END" in ISO 8601 (either side may be empty).
type SeriesSpec struct {
	Path, Columns, Time, Range string
}

// ParseRange reads "START/END" (either side may be empty; an empty string is everything).
func ParseRange(s string) (from, to time.Time, err error) {
	if strings.TrimSpace(s) == "" {
		return
	}
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return from, to, fmt.Errorf("range %q: want START/END in ISO 8601 (either may be empty)", s)
	}
	if a = strings.TrimSpace(a); a != "" {
		if from, err = ParseTime(a); err != nil {
			return from, to, fmt.Errorf("range %q: %v", s, err)
		}
	}
	if b = strings.TrimSpace(b); b != "" {
		if to, err = ParseTime(b); err != nil {
			return from, to, fmt.Errorf("range %q: %v", s, err)
		}
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, fmt.Errorf("range %q ends before it starts", s)
	}
	return from, to, nil
}

// LoadSeriesWindows reads the series of a model's series data statements (paths relative to
// dir) and cuts them into the windows of steps samples the model takes: the cadence is the
// training range's, gaps of up to DefaultInterpolate missing samples are filled, and with
// standardize every channel is scaled by the training series' mean and standard deviation
// (FitChannelScaler), the test series alike. test may be nil. This is what the solar-wind
// example does with its -train and -test ranges, so that models trained by `mlc train` judge
// its data the same way.
func LoadSeriesWindows[T mlrt.Float](dir string, train SeriesSpec, test *SeriesSpec, steps, channels int, standardize bool) (wTrain, wTest *Windows[T], err error) {
	read := func(sp SeriesSpec) (*Series[T], error) {
		opts := SeriesOptions{TimeColumn: sp.Time}
		for _, c := range strings.Split(sp.Columns, ",") {
			if c = strings.TrimSpace(c); c != "" {
				opts.Columns = append(opts.Columns, c)
			}
		}
		path := sp.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		s, err := LoadSeries[T](path, opts)
		if err != nil {
			return nil, err
		}
		if s.Channels != channels {
			return nil, fmt.Errorf("%s: %d value columns (%s); a window has %d channels: name them with columns = \"...\"", path, s.Channels, strings.Join(s.Names, ", "), channels)
		}
		return s, nil
	}
	cut := func(s *Series[T], rng string) (*Series[T], error) {
		from, to, err := ParseRange(rng)
		if err != nil {
			return nil, err
		}
		return s.Between(from, to), nil
	}
	full, err := read(train)
	if err != nil {
		return nil, nil, err
	}
	tr, err := cut(full, train.Range)
	if err != nil {
		return nil, nil, err
	}
	cadence := Cadence(tr.Times)
	if cadence == 0 {
		return nil, nil, fmt.Errorf("%s: the training range %q holds fewer than two samples", train.Path, train.Range)
	}
	full, _ = FillGaps(full, cadence, DefaultInterpolate)
	if tr, err = cut(full, train.Range); err != nil {
		return nil, nil, err
	}
	var te *Series[T]
	if test != nil {
		if test.Path != train.Path || test.Columns != train.Columns || test.Time != train.Time {
			if full, err = read(*test); err != nil {
				return nil, nil, err
			}
			full, _ = FillGaps(full, cadence, DefaultInterpolate)
		}
		if te, err = cut(full, test.Range); err != nil {
			return nil, nil, err
		}
	}
	tr = tr.Clone()
	if standardize {
		sc := FitChannelScaler(tr)
		sc.Apply(tr)
		if te != nil {
			te = te.Clone()
			sc.Apply(te)
		}
	}
	if wTrain, err = NewWindows(tr, steps, cadence); err != nil {
		return nil, nil, err
	}
	if wTrain.NumRows() < 2 {
		return nil, nil, fmt.Errorf("%s: the training range holds %d windows of %d samples without a gap; need at least 2", train.Path, wTrain.NumRows(), steps)
	}
	if te != nil {
		if wTest, err = NewWindows(te, steps, cadence); err != nil {
			return nil, nil, err
		}
		if wTest.NumRows() == 0 {
			return nil, nil, fmt.Errorf("%s: the test range holds no window of %d samples without a gap", test.Path, steps)
		}
	}
	return wTrain, wTest, nil
}
