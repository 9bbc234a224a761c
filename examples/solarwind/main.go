// Command solarwind is the tutorial's anomaly detector for spacecraft magnetometer data: a
// convolutional autoencoder (solarwind.ml, compiled by mlc into ../../generated/solarwind)
// learns to rebuild windows of 240 one-minute samples of the three field components from a
// quiet training period; windows of a test period it cannot rebuild as well as the worst
// training window are anomalous, and so are the minutes all of whose windows are.
//
// With no files it synthesizes a realistic field with known events injected into the test
// period and reports whether it found them (see synth.go). With -train and -test it reads CSV
// files (a time column, then the components; NaN or fill values mark missing minutes):
//
//	go run ./examples/solarwind -seed 1
//	go run ./examples/solarwind -train ace.csv -train-range /2001-11-06T00:00:00Z -test-range 2001-11-06T00:00:00Z/
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlc-go/mlc/generated/solarwind"
	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/timeseries"
)

// steps and channels are the window the model takes: 240 minutes × 3 components.
const (
	steps    = 240
	channels = 3
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "solarwind:", err)
		os.Exit(1)
	}
}

// summary is the -json line.
type summary struct {
	Data      string  `json:"data"` // "synthetic" or the file names
	Seed      uint64  `json:"seed"`
	Threshold float64 `json:"threshold"`
	Quantile  float64 `json:"quantile"`
	// Intervals are the anomalous intervals, [first, last] anomalous sample, ISO 8601.
	Intervals [][2]string `json:"intervals"`
	// IntervalMinutes is the length of each interval, last − first + one cadence.
	IntervalMinutes []float64 `json:"interval_minutes"`

	TrainSamples     int     `json:"train_samples"`
	TestSamples      int     `json:"test_samples"`
	TrainWindows     int     `json:"train_windows"` // validation included
	ValWindows       int     `json:"val_windows"`
	TestWindows      int     `json:"test_windows"`
	AnomalousWindows int     `json:"anomalous_windows"`
	FlaggedFraction  float64 `json:"flagged_fraction"` // of the test samples
	Epochs           int     `json:"epochs"`
	BestEpoch        int     `json:"best_epoch"`
	Loss             float64 `json:"loss"`
	ValLoss          float64 `json:"val_loss"`
	TrainMAEMedian   float64 `json:"train_mae_median"`

	DataSeconds  float64 `json:"data_seconds"`
	TrainSeconds float64 `json:"train_seconds"`
	EpochSeconds float64 `json:"epoch_seconds"` // median
	MAESeconds   float64 `json:"mae_seconds"`   // inference over training and test windows

	// Synthetic default only.
	Events               [][2]string `json:"events,omitempty"`
	EventNames           []string    `json:"event_names,omitempty"`
	EventsCovered        []bool      `json:"events_covered,omitempty"`
	EventFlaggedFraction []float64   `json:"event_flagged_fraction,omitempty"`
	FlaggedFractionQuiet *float64    `json:"flagged_fraction_quiet,omitempty"`

	WeightsFile   string   `json:"weights_file,omitempty"`
	PNGs          []string `json:"pngs,omitempty"`
	ReloadMatches bool     `json:"reload_matches"`
}

type options struct {
	train, test, cols, timeCol, fill string
	trainRange, testRange            string
	trainMinutes, testMinutes        int
	seed                             uint64
	epochs, patience                 int
	quantile                         float64
	jsonOut, quiet, noFiles          bool
	outDir, synthCSV                 string
}

func run(args []string, stdout, stderr io.Writer) error {
	cfg := solarwind.TrainConfig()
	var o options
	fs := flag.NewFlagSet("solarwind", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.train, "train", "", "training CSV `file` (default: synthesize a field)")
	fs.StringVar(&o.test, "test", "", "test CSV `file` (default: the -train file)")
	fs.StringVar(&o.cols, "cols", "", "the three value `columns`, by header name or field number from 1, comma-separated (default: the three after the time)")
	fs.StringVar(&o.timeCol, "timecol", "", "the time `column`, by name or field number from 1 (default: the first)")
	fs.StringVar(&o.fill, "fill", "", "comma-separated `values` that mark missing data besides NaN, empty and |v| ≥ 1e30 (e.g. 9999.99 for OMNI)")
	fs.StringVar(&o.trainRange, "train-range", "", "train on `START/END` only (ISO 8601, end excluded; either may be empty)")
	fs.StringVar(&o.testRange, "test-range", "", "test on `START/END` only")
	fs.IntVar(&o.trainMinutes, "train-minutes", 20000, "synthetic training period, minutes (the tutorial's is about 110 000)")
	fs.IntVar(&o.testMinutes, "test-minutes", 10000, "synthetic test period, minutes")
	fs.Uint64Var(&o.seed, "seed", cfg.Seed, "seed for the synthetic data, initialisation, shuffling and dropout")
	fs.IntVar(&o.epochs, "epochs", cfg.Epochs, "training epochs (early stopping as solarwind.ml says)")
	fs.IntVar(&o.patience, "patience", cfg.Patience, "early stopping: stop after this many epochs without a new best val_loss (0: never)")
	fs.Float64Var(&o.quantile, "quantile", 1, "threshold = this quantile of the training windows' largest channel MAE (1: the largest, the tutorial's)")
	fs.BoolVar(&o.jsonOut, "json", false, "print a JSON summary as the last line")
	fs.BoolVar(&o.quiet, "quiet", false, "no per-epoch progress")
	fs.StringVar(&o.outDir, "out", ".", "`dir`ectory for the PNGs and solarwind.weights")
	fs.BoolVar(&o.noFiles, "nofiles", false, "write no PNG or weights")
	fs.StringVar(&o.synthCSV, "synth-csv", "", "also write the synthetic series as CSV into `dir` (readable with -train/-test)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	if o.epochs < 1 {
		return fmt.Errorf("-epochs %d: want at least 1", o.epochs)
	}
	if o.patience < 0 {
		return fmt.Errorf("-patience %d: want 0 (no early stopping) or more", o.patience)
	}
	if !(o.quantile >= 0 && o.quantile <= 1) {
		return fmt.Errorf("-quantile %g: want a value in [0, 1]", o.quantile)
	}
	if o.train == "" && (o.test != "" || o.cols != "" || o.fill != "" || o.trainRange != "" || o.testRange != "" || o.timeCol != "") {
		return errors.New("-test, -cols, -timecol, -fill and the ranges need -train")
	}

	// The data, in physical units.
	t0 := time.Now()
	var sum summary
	sum.Seed, sum.Quantile = o.seed, o.quantile
	var train, test *timeseries.Series[solarwind.T]
	var events []event
	var err error
	if o.train == "" {
		train, test, events, err = synthesize(o.trainMinutes, o.testMinutes, o.seed)
		if err != nil {
			return err
		}
		sum.Data = "synthetic"
		fmt.Fprintf(stderr, "solarwind: synthetic 1-min field (seed %d): %d training minutes from %s (%d missing), %d test minutes from %s (%d missing), %d injected events\n",
			o.seed, o.trainMinutes, stamp(trainStart), train.Dropped, o.testMinutes, stamp(testStart), test.Dropped, len(events))
		if o.synthCSV != "" {
			if err := os.MkdirAll(o.synthCSV, 0o755); err != nil {
				return err
			}
			for _, f := range []struct {
				name string
				s    *timeseries.Series[solarwind.T]
			}{{"synthetic_train.csv", train}, {"synthetic_test.csv", test}} {
				p := filepath.Join(o.synthCSV, f.name)
				if err := writeSeriesCSV(p, fmt.Sprintf("synthetic 1-min field from examples/solarwind, seed %d (NOT real data)", o.seed), f.s, time.Minute); err != nil {
					return err
				}
				fmt.Fprintf(stderr, "solarwind: wrote %s\n", p)
			}
		}
	} else {
		if train, test, err = load(&o, stderr); err != nil {
			return err
		}
		sum.Data = o.train
		if o.test != "" && o.test != o.train {
			sum.Data += " + " + o.test
		}
	}
	for _, s := range []struct {
		what string
		s    *timeseries.Series[solarwind.T]
	}{{"training", train}, {"test", test}} {
		if s.s.Len() < steps {
			return fmt.Errorf("the %s series has %d samples; a window needs %d", s.what, s.s.Len(), steps)
		}
	}

	// Standardize with the training statistics, then cut the windows.
	scaler := timeseries.FitChannelScaler(train)
	trainN, testN := train.Clone(), test.Clone()
	scaler.Apply(trainN)
	scaler.Apply(testN)
	cadence := timeseries.Cadence(train.Times)
	if tc := timeseries.Cadence(test.Times); tc != cadence {
		fmt.Fprintf(stderr, "solarwind: warning: the test cadence %v differs from the training cadence %v; windows use %v\n", tc, cadence, cadence)
	}
	wTrain, err := timeseries.NewWindows(trainN, steps, cadence)
	if err != nil {
		return err
	}
	wTest, err := timeseries.NewWindows(testN, steps, cadence)
	if err != nil {
		return err
	}
	if wTrain.NumRows() < 2 || wTest.NumRows() < 1 {
		return fmt.Errorf("%d training and %d test windows of %d samples without a gap: need at least 2 and 1", wTrain.NumRows(), wTest.NumRows(), steps)
	}
	sum.DataSeconds = time.Since(t0).Seconds()
	sum.TrainSamples, sum.TestSamples = train.Len(), test.Len()
	sum.TrainWindows, sum.TestWindows = wTrain.NumRows(), wTest.NumRows()
	sum.ValWindows = mlrt.ValidationRows(wTrain.NumRows(), cfg.ValidationSplit)
	fmt.Fprintf(stderr, "solarwind: training %s … %s: %d samples, %d windows (%d for validation); test %s … %s: %d samples, %d windows; cadence %v\n",
		stamp(train.Times[0]), stamp(train.Times[train.Len()-1]), train.Len(), wTrain.NumRows(), sum.ValWindows,
		stamp(test.Times[0]), stamp(test.Times[test.Len()-1]), test.Len(), wTest.NumRows(), cadence)
	fmt.Fprintf(stderr, "solarwind: channels %s; training mean %s nT, std %s nT\n", strings.Join(train.Names, ", "), fmtVec(scaler.Mean), fmtVec(scaler.Std))

	// Train.
	m := solarwind.New()
	defer m.Close()
	m.Init(mlrt.NewRNG(o.seed))
	cfg.Epochs, cfg.Patience, cfg.Seed, cfg.Out, cfg.Quiet = o.epochs, o.patience, o.seed, stderr, o.quiet
	start := time.Now()
	hist, err := mlrt.Train(m, solarwind.NewOptimizer(), wTrain, cfg)
	if err != nil {
		return err
	}
	sum.TrainSeconds = time.Since(start).Seconds()
	last := hist.Epochs[len(hist.Epochs)-1]
	sum.Epochs, sum.BestEpoch, sum.Loss, sum.ValLoss = len(hist.Epochs), hist.BestEpoch, last.Loss, last.ValLoss
	sum.EpochSeconds = hist.MedianEpochSeconds()

	// The detector.
	start = time.Now()
	trainMAE, err := timeseries.WindowMAE[solarwind.T](m, wTrain)
	if err != nil {
		return err
	}
	threshold, err := timeseries.Threshold(trainMAE, channels, o.quantile)
	if err != nil {
		return err
	}
	testMAE, err := timeseries.WindowMAE[solarwind.T](m, wTest)
	if err != nil {
		return err
	}
	sum.MAESeconds = time.Since(start).Seconds()
	an, err := timeseries.Detect(wTest, testMAE, threshold)
	if err != nil {
		return err
	}
	trainMax := timeseries.RowMax(trainMAE, channels)
	sum.Threshold = threshold
	sum.TrainMAEMedian = timeseries.Quantile(trainMax, 0.5)
	for _, f := range an.Window {
		if f {
			sum.AnomalousWindows++
		}
	}
	flagged := 0
	for _, f := range an.Sample {
		if f {
			flagged++
		}
	}
	sum.FlaggedFraction = float64(flagged) / float64(test.Len())
	sum.Intervals = [][2]string{}
	for _, iv := range an.Intervals {
		sum.Intervals = append(sum.Intervals, [2]string{stamp(iv.Start), stamp(iv.End)})
		sum.IntervalMinutes = append(sum.IntervalMinutes, (iv.End.Sub(iv.Start) + cadence).Minutes())
	}

	fmt.Fprintf(stdout, "\nthreshold %.4f (quantile %g of the %d training windows' largest channel MAE, standardized units; median %.4f)\n",
		threshold, o.quantile, wTrain.NumRows(), sum.TrainMAEMedian)
	fmt.Fprintf(stdout, "test: %d of %d windows anomalous; %d anomalous intervals, %d of %d samples (%.2f %%):\n",
		sum.AnomalousWindows, wTest.NumRows(), len(an.Intervals), flagged, test.Len(), 100*sum.FlaggedFraction)
	for i, iv := range an.Intervals {
		peak := 0.0
		for w, s := range wTest.Starts {
			if s <= iv.Last && s+steps-1 >= iv.First {
				peak = math.Max(peak, an.Max[w])
			}
		}
		fmt.Fprintf(stdout, "  %s … %s  %6.0f min  peak window MAE %.3f%s\n", stamp(iv.Start), stamp(iv.End), sum.IntervalMinutes[i], peak, eventNote(iv, events))
	}

	if events != nil {
		report(stdout, &sum, an, test, events)
	}
	fmt.Fprintf(stdout, "timings: data %.2f s, training %.1f s (%d epochs, %.2f s/epoch median), detector inference %.2f s (%d windows)\n",
		sum.DataSeconds, sum.TrainSeconds, sum.Epochs, sum.EpochSeconds, sum.MAESeconds, wTrain.NumRows()+wTest.NumRows())

	if !o.noFiles {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			return err
		}
		fig := figures{dir: o.outDir, train: train, test: test, wTrain: wTrain, wTest: wTest, scaler: scaler,
			m: m, hist: hist, trainMax: trainMax, an: an, events: events, cadence: cadence}
		if sum.PNGs, err = fig.write(); err != nil {
			return err
		}
		sum.WeightsFile = filepath.Join(o.outDir, "solarwind.weights")
		if err := mlrt.SaveWeights(sum.WeightsFile, "SolarWind", m.Params()); err != nil {
			return err
		}
		// Reload into a fresh model and check that it rebuilds the test windows identically.
		m2 := solarwind.New()
		defer m2.Close()
		if err := mlrt.LoadWeights(sum.WeightsFile, "SolarWind", m2.Params()); err != nil {
			return err
		}
		mae2, err := timeseries.WindowMAE[solarwind.T](m2, wTest)
		if err != nil {
			return err
		}
		sum.ReloadMatches = slices.Equal(mae2, testMAE)
		fmt.Fprintf(stdout, "wrote %s and %s (reloaded weights reproduce the test errors: %v)\n", strings.Join(sum.PNGs, ", "), sum.WeightsFile, sum.ReloadMatches)
		if !sum.ReloadMatches {
			return fmt.Errorf("weights reloaded from %s predict differently", sum.WeightsFile)
		}
	}
	if o.jsonOut {
		b, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

// load reads the -train and -test files and cuts the ranges.
func load(o *options, stderr io.Writer) (train, test *timeseries.Series[solarwind.T], err error) {
	opts := timeseries.SeriesOptions{TimeColumn: o.timeCol}
	if o.cols != "" {
		opts.Columns = splitList(o.cols)
		if len(opts.Columns) != channels {
			return nil, nil, fmt.Errorf("-cols %q: the model takes %d components", o.cols, channels)
		}
	}
	for _, f := range splitList(o.fill) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, nil, fmt.Errorf("-fill: %q is not a number", f)
		}
		opts.Fill = append(opts.Fill, v)
	}
	trainFrom, trainTo, err := parseRange(o.trainRange)
	if err != nil {
		return nil, nil, err
	}
	testFrom, testTo, err := parseRange(o.testRange)
	if err != nil {
		return nil, nil, err
	}
	read := func(path string) (*timeseries.Series[solarwind.T], error) {
		s, err := timeseries.LoadSeriesCSV[solarwind.T](path, opts)
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
			if s, err = timeseries.LoadSeriesCSV[solarwind.T](path, o); err != nil {
				return nil, err
			}
		}
		if s.Channels != channels {
			return nil, fmt.Errorf("%s: %d value columns (%s); the model takes %d: choose them with -cols", path, s.Channels, strings.Join(s.Names, ", "), channels)
		}
		fmt.Fprintf(stderr, "solarwind: %s: %d rows, %d of them dropped for a missing value\n", path, s.Len()+s.Dropped, s.Dropped)
		return s, nil
	}
	full, err := read(o.train)
	if err != nil {
		return nil, nil, err
	}
	train = full.Between(trainFrom, trainTo)
	if o.test != "" && o.test != o.train {
		if full, err = read(o.test); err != nil {
			return nil, nil, err
		}
	}
	test = full.Between(testFrom, testTo)
	return train, test, nil
}

// parseRange reads "START/END" (either may be empty).
func parseRange(s string) (from, to time.Time, err error) {
	if s == "" {
		return
	}
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return from, to, fmt.Errorf("range %q: want START/END in ISO 8601 (either may be empty)", s)
	}
	if a = strings.TrimSpace(a); a != "" {
		if from, err = timeseries.ParseTime(a); err != nil {
			return from, to, fmt.Errorf("range %q: %v", s, err)
		}
	}
	if b = strings.TrimSpace(b); b != "" {
		if to, err = timeseries.ParseTime(b); err != nil {
			return from, to, fmt.Errorf("range %q: %v", s, err)
		}
	}
	if !from.IsZero() && !to.IsZero() && !to.After(from) {
		return from, to, fmt.Errorf("range %q ends before it starts", s)
	}
	return from, to, nil
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

// report says, for the synthetic data, which events were found and how much quiet time was
// flagged.
func report(w io.Writer, sum *summary, an *timeseries.Anomalies, test *timeseries.Series[solarwind.T], events []event) {
	quiet, quietFlagged := 0, 0
	inEvent := make([]int, len(events))
	evFlagged := make([]int, len(events))
	for k, t := range test.Times {
		ev := -1
		for i, e := range events {
			if !t.Before(e.Start) && !t.After(e.End) {
				ev = i
			}
		}
		if ev < 0 {
			quiet++
			if an.Sample[k] {
				quietFlagged++
			}
			continue
		}
		inEvent[ev]++
		if an.Sample[k] {
			evFlagged[ev]++
		}
	}
	fmt.Fprintf(w, "injected events:\n")
	for i, e := range events {
		frac := float64(evFlagged[i]) / float64(max(inEvent[i], 1))
		covered := evFlagged[i] > 0
		sum.Events = append(sum.Events, [2]string{stamp(e.Start), stamp(e.End)})
		sum.EventNames = append(sum.EventNames, e.Name)
		sum.EventsCovered = append(sum.EventsCovered, covered)
		sum.EventFlaggedFraction = append(sum.EventFlaggedFraction, frac)
		fmt.Fprintf(w, "  %-38s %s … %s  %s (%d of %d minutes inside reported intervals)\n", e.Name, stamp(e.Start), stamp(e.End),
			map[bool]string{true: "FOUND", false: "MISSED"}[covered], evFlagged[i], inEvent[i])
	}
	q := float64(quietFlagged) / float64(max(quiet, 1))
	sum.FlaggedFractionQuiet = &q
	fmt.Fprintf(w, "quiet test time inside reported intervals: %d of %d minutes (%.2f %%)\n", quietFlagged, quiet, 100*q)
}

// eventNote names the injected events an interval overlaps.
func eventNote(iv timeseries.Interval, events []event) string {
	var names []string
	for _, e := range events {
		if !iv.End.Before(e.Start) && !iv.Start.After(e.End) {
			names = append(names, e.Name)
		}
	}
	if events == nil {
		return ""
	}
	if names == nil {
		return "  (no injected event: a false alarm)"
	}
	return "  (" + strings.Join(names, "; ") + ")"
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func fmtVec(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'f', 2, 64)
	}
	return "(" + strings.Join(s, ", ") + ")"
}
