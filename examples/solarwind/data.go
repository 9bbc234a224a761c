package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mlc-go/mlc/generated/solarwind"
	"github.com/mlc-go/mlc/runtime/timeseries"
)

// dataset is the series the detector works on: the training series, the test series with
// its context, and the judged samples judgeFrom … judgeTo−1 of it.
type dataset struct {
	train, test        *timeseries.Series[solarwind.T]
	judgeFrom, judgeTo int
	cadence            time.Duration
	resampled          bool
	interpolated       int      // samples filled in (both files)
	sameFile           bool     // train and test come from one file
	warnings           []string // what reading them found worth a warning
}

// load reads the -train and -test files, averages them onto the window's step if -window
// asks for it, and cuts the ranges: the test series keeps up to a window's length of samples
// on either side of its range as context.
func load(o *options, stderr io.Writer) (*dataset, error) {
	opts := timeseries.SeriesOptions{TimeColumn: o.timeCol}
	if o.cols != "" {
		opts.Columns = splitList(o.cols)
		if len(opts.Columns) != channels && len(opts.Columns) != 1 {
			return nil, fmt.Errorf("-cols %q: the model takes %d components", o.cols, channels)
		}
	}
	for _, f := range splitList(o.fill) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("-fill: %q is not a number", f)
		}
		opts.Fill = append(opts.Fill, v)
	}
	trainFrom, trainTo, err := timeseries.ParseRange(o.trainRange)
	if err != nil {
		return nil, err
	}
	testFrom, testTo, err := timeseries.ParseRange(o.testRange)
	if err != nil {
		return nil, err
	}
	read := func(path string) (*timeseries.Series[solarwind.T], error) {
		s, err := timeseries.LoadSeries[solarwind.T](path, opts)
		if err != nil {
			return nil, err
		}
		if opts.Columns == nil && s.Channels > channels {
			// The first three value columns; read again so that a NaN in a column not used
			// (n_samples, a quality flag, the plasma) does not drop the row.
			o := opts
			for _, n := range s.Names[:channels] {
				if k, ok := strings.CutPrefix(n, "field "); ok { // a file without a header
					n = k
				}
				o.Columns = append(o.Columns, n)
			}
			if s, err = timeseries.LoadSeries[solarwind.T](path, o); err != nil {
				return nil, err
			}
		}
		if s.Channels != channels {
			return nil, fmt.Errorf("%s: %d value columns (%s); the model takes %d: choose them with -cols", path, s.Channels, strings.Join(s.Names, ", "), channels)
		}
		fmt.Fprintf(stderr, "solarwind: %s: %d samples, %d of them dropped for a missing value\n", path, s.Len()+s.Dropped, s.Dropped)
		return s, nil
	}
	d := &dataset{sameFile: o.test == "" || o.test == o.train}
	trainFull, err := read(o.train)
	if err != nil {
		return nil, err
	}
	testFull := trainFull
	if !d.sameFile {
		if testFull, err = read(o.test); err != nil {
			return nil, err
		}
	}
	d.cadence = timeseries.Cadence(trainFull.Between(trainFrom, trainTo).Times)
	if d.cadence == 0 {
		return nil, fmt.Errorf("%s: the training range holds fewer than two samples", o.train)
	}
	if tc := timeseries.Cadence(testFull.Times); tc != d.cadence && o.window == 0 {
		d.warnings = append(d.warnings, fmt.Sprintf("the test cadence %v differs from the training cadence %v; windows use %v", tc, d.cadence, d.cadence))
	}
	if o.window != 0 {
		step := o.window / steps
		switch {
		case o.window%steps != 0:
			return nil, fmt.Errorf("-window %v: want a multiple of %d ns, so that its %d samples are evenly spaced", o.window, steps, steps)
		case step < d.cadence*99/100:
			return nil, fmt.Errorf("-window %v puts the %d samples of a window %v apart, finer than the data's cadence %v: want -window %v or more",
				o.window, steps, step, d.cadence, steps*d.cadence)
		case step > d.cadence*101/100:
			if trainFull, err = timeseries.Resample(trainFull, step); err != nil {
				return nil, err
			}
			if testFull, err = timeseries.Resample(testFull, step); err != nil {
				return nil, err
			}
			if d.sameFile {
				testFull = trainFull
			}
			fmt.Fprintf(stderr, "solarwind: averaged the %v samples onto a %v step: %d training-file samples\n", d.cadence, step, trainFull.Len())
			d.cadence, d.resampled = step, true
		}
	}
	var n int
	trainFull, n = timeseries.FillGaps(trainFull, d.cadence, o.interpolate)
	d.interpolated += n
	if d.sameFile {
		testFull = trainFull
	} else {
		testFull, n = timeseries.FillGaps(testFull, d.cadence, o.interpolate)
		d.interpolated += n
	}
	if d.interpolated > 0 {
		fmt.Fprintf(stderr, "solarwind: filled %d missing samples in gaps of at most %d by linear interpolation\n", d.interpolated, o.interpolate)
	}
	d.train = trainFull.Between(trainFrom, trainTo)
	lo, hi := 0, testFull.Len()
	if !testFrom.IsZero() {
		lo = testFull.Search(testFrom)
	}
	if !testTo.IsZero() {
		hi = max(testFull.Search(testTo), lo)
	}
	ctxLo, ctxHi := max(lo-(steps-1), 0), min(hi+steps-1, testFull.Len())
	d.test = testFull.Slice(ctxLo, ctxHi)
	d.judgeFrom, d.judgeTo = lo-ctxLo, hi-ctxLo
	return d, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// globList expands a comma-separated list of files and globs; a glob that matches nothing is
// an error.
func globList(list string) ([]string, error) {
	var out []string
	for _, p := range splitList(list) {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("-members %q: %v", p, err)
		}
		if m == nil {
			return nil, fmt.Errorf("-members: no file matches %q", p)
		}
		out = append(out, m...)
	}
	return out, nil
}
