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
	Threshold float64 `json:"threshold"` // one model: in window MAE; an ensemble: 1, in score units
	Score     string  `json:"score"`     // what the windows' scores are
	Quantile  float64 `json:"quantile"`
	Margin    float64 `json:"margin"`
	// Intervals are the anomalous intervals, [first, last] anomalous sample, ISO 8601.
	Intervals [][2]string `json:"intervals"`
	// IntervalMinutes is the length of each interval, last − first + one cadence.
	IntervalMinutes []float64 `json:"interval_minutes"`

	CadenceSeconds float64   `json:"cadence_seconds"`
	WindowSeconds  float64   `json:"window_seconds"`
	MergeSeconds   float64   `json:"merge_seconds"`
	Resampled      bool      `json:"resampled"` // the data were averaged onto the window's step
	Interpolated   int       `json:"interpolated_samples"`
	TrainRange     [2]string `json:"train_range"` // first and last training sample
	TestRange      [2]string `json:"test_range"`  // first and last judged sample
	ContextSamples int       `json:"context_samples"`

	TrainSamples     int     `json:"train_samples"`
	TestSamples      int     `json:"test_samples"`    // judged
	CoveredSamples   int     `json:"covered_samples"` // judged samples at least one window covers
	CoveredFraction  float64 `json:"covered_fraction"`
	FlaggedSamples   int     `json:"flagged_samples"`
	FlaggedFraction  float64 `json:"flagged_fraction"` // of the covered samples
	TrainWindows     int     `json:"train_windows"`    // validation included
	ValWindows       int     `json:"val_windows"`
	TestWindows      int     `json:"test_windows"` // context included
	AnomalousWindows int     `json:"anomalous_windows"`
	TrainMAEMedian   float64 `json:"train_mae_median"`

	// Members are the ensemble's models (one without -ensemble); FlaggedFractionSpread the
	// least and the most any of them flags alone, Agreement the share of the covered samples
	// on which all of them agree.
	Members               []memberSummary `json:"members"`
	FlaggedFractionSpread [2]float64      `json:"flagged_fraction_spread"`
	Agreement             float64         `json:"agreement"`

	// Events are the known events (-events, or the injected ones of the synthetic default)
	// and how the detector met them.
	Events             []eventScore `json:"events,omitempty"`
	EventsHit          int          `json:"events_hit"`
	FalseAlarmMinutes  float64      `json:"false_alarm_minutes"`
	FalseAlarmFraction float64      `json:"false_alarm_fraction"` // of the covered minutes outside events

	Warnings []string `json:"warnings"`

	DataSeconds  float64 `json:"data_seconds"`
	TrainSeconds float64 `json:"train_seconds"` // all members
	MAESeconds   float64 `json:"mae_seconds"`   // inference over training and test windows, all members

	WeightsFiles  []string `json:"weights_files,omitempty"`
	PNGs          []string `json:"pngs,omitempty"`
	ReloadMatches bool     `json:"reload_matches"`
}

type options struct {
	train, test, cols, timeCol, fill string
	trainRange, testRange            string
	window, merge                    time.Duration
	events, members                  string
	ensemble, interpolate            int
	trainMinutes, testMinutes        int
	seed                             uint64
	epochs, patience                 int
	quantile, margin                 float64
	minSteps                         int
	jsonOut, quiet, noFiles          bool
	outDir, synthCSV                 string
}

func run(args []string, stdout, stderr io.Writer) error {
	cfg := solarwind.TrainConfig()
	var o options
	fs := flag.NewFlagSet("solarwind", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.train, "train", "", "training `file`: CSV, CDF (.cdf) or an OMNIWeb listing (.lst with its .fmt) (default: synthesize a field)")
	fs.StringVar(&o.test, "test", "", "test `file` (default: the -train file)")
	fs.StringVar(&o.cols, "cols", "", "the three value `columns` (CSV: header names or field numbers from 1; CDF: one variable of 3 components or three of 1; OMNI: names from the .fmt), comma-separated (default: the three after the time; in a CDF the field vector)")
	fs.StringVar(&o.cols, "vars", "", "the same as -cols, for CDF `variables`")
	fs.StringVar(&o.timeCol, "timecol", "", "the time `column`, by name or field number from 1 (default: the first; in a CDF the values' DEPEND_0)")
	fs.StringVar(&o.fill, "fill", "", "comma-separated `values` that mark missing data besides NaN, empty, FILLVAL and |v| ≥ 1e30 (e.g. 9999.99 for OMNI)")
	fs.StringVar(&o.trainRange, "train-range", "", "train on `START/END` only (ISO 8601, end excluded; either may be empty)")
	fs.StringVar(&o.testRange, "test-range", "", "judge `START/END` only; the data around it give the windows over its edges their context")
	fs.DurationVar(&o.window, "window", 0, "window `duration`: the 240 samples of a window are window/240 apart, and finer data are averaged onto that step (default: 240 samples at the data's cadence)")
	fs.DurationVar(&o.merge, "merge", 0, "join anomalous samples at most this `duration` apart, with no normal sample between them, into one interval (default: 2.5 cadences)")
	fs.IntVar(&o.interpolate, "interpolate", timeseries.DefaultInterpolate, "fill data gaps of at most `N` missing samples by linear interpolation, so that windows span them (0: never)")
	fs.StringVar(&o.events, "events", "", "CSV `file` of known events (start,end[,label], ISO 8601): score the detector against them")
	fs.IntVar(&o.ensemble, "ensemble", defaultEnsemble, "train `K` models with seeds seed, seed+1, …; a window is anomalous when the median of its error/threshold over them exceeds 1")
	fs.StringVar(&o.members, "members", "", "use these weights `files` (comma-separated, globs allowed, e.g. sweep/run-*/solarwind.weights; .safetensors files too, PyTorch's included) as the ensemble instead of training")
	fs.IntVar(&o.trainMinutes, "train-minutes", 20000, "synthetic training period, minutes (the tutorial's is about 110 000)")
	fs.IntVar(&o.testMinutes, "test-minutes", 10000, "synthetic test period, minutes")
	fs.Uint64Var(&o.seed, "seed", cfg.Seed, "seed for the synthetic data, initialisation, shuffling and dropout")
	fs.IntVar(&o.epochs, "epochs", cfg.Epochs, "training epochs (early stopping as solarwind.ml says)")
	fs.IntVar(&o.patience, "patience", cfg.Patience, "early stopping: stop after this many epochs without a new best val_loss (0: never)")
	fs.Float64Var(&o.quantile, "quantile", 1, "threshold = this quantile of the training windows' largest channel MAE (1: the largest, the tutorial's)")
	fs.Float64Var(&o.margin, "margin", 0, "threshold = this `factor` × the quantile (1: the tutorial's threshold; default 1, or 1.5 with fewer than 2000 training windows)")
	fs.IntVar(&o.minSteps, "min-steps", defaultMinSteps, "train at least `N` optimizer steps: on a small training set the epochs are raised to reach them, without early stopping (0, or -epochs or -patience given: as they say)")
	fs.BoolVar(&o.jsonOut, "json", false, "print a JSON summary as the last line")
	fs.BoolVar(&o.quiet, "quiet", false, "no per-epoch progress")
	fs.StringVar(&o.outDir, "out", ".", "`dir`ectory for the PNGs and the weights")
	fs.BoolVar(&o.noFiles, "nofiles", false, "write no PNG or weights")
	fs.StringVar(&o.synthCSV, "synth-csv", "", "also write the synthetic series as CSV into `dir` (readable with -train/-test)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "epochs" || f.Name == "patience" {
			o.minSteps = 0 // as asked
		}
	})
	if o.epochs < 1 {
		return fmt.Errorf("-epochs %d: want at least 1", o.epochs)
	}
	if o.patience < 0 {
		return fmt.Errorf("-patience %d: want 0 (no early stopping) or more", o.patience)
	}
	if !(o.quantile >= 0 && o.quantile <= 1) {
		return fmt.Errorf("-quantile %g: want a value in [0, 1]", o.quantile)
	}
	if !(o.margin >= 1 || o.margin == 0) || math.IsInf(o.margin, 0) {
		return fmt.Errorf("-margin %g: want a factor of 1 (the tutorial's threshold) or more", o.margin)
	}
	if o.minSteps < 0 {
		return fmt.Errorf("-min-steps %d: want 0 or more", o.minSteps)
	}
	if o.ensemble < 1 || o.ensemble > 64 {
		return fmt.Errorf("-ensemble %d: want 1 (one model) to 64", o.ensemble)
	}
	if o.window < 0 || o.merge < 0 || o.interpolate < 0 {
		return errors.New("-window, -merge and -interpolate must not be negative")
	}
	if o.train == "" && (o.test != "" || o.cols != "" || o.fill != "" || o.trainRange != "" || o.testRange != "" || o.timeCol != "" || o.events != "") {
		return errors.New("-test, -cols, -timecol, -fill, -events and the ranges need -train")
	}
	var memberFiles []string
	if o.members != "" {
		var err error
		if memberFiles, err = globList(o.members); err != nil {
			return err
		}
	}

	// The data, in physical units.
	t0 := time.Now()
	sum := summary{Seed: o.seed, Quantile: o.quantile, Warnings: []string{}}
	warn := func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		sum.Warnings = append(sum.Warnings, msg)
		fmt.Fprintln(stderr, "solarwind: warning:", msg)
	}
	var d *dataset
	var events []event
	var err error
	if o.train == "" {
		var train, test *timeseries.Series[solarwind.T]
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
		d = &dataset{cadence: time.Minute}
		var n1, n2 int
		d.train, n1 = timeseries.FillGaps(train, d.cadence, o.interpolate)
		d.test, n2 = timeseries.FillGaps(test, d.cadence, o.interpolate)
		d.interpolated, d.judgeTo = n1+n2, d.test.Len()
	} else {
		if d, err = load(&o, stderr); err != nil {
			return err
		}
		for _, w := range d.warnings {
			warn("%s", w)
		}
		sum.Data = o.train
		if o.test != "" && o.test != o.train {
			sum.Data += " + " + o.test
		}
		if o.events != "" {
			if events, err = readEvents(o.events); err != nil {
				return err
			}
		}
	}
	train, test := d.train, d.test
	if train.Len() < steps {
		return fmt.Errorf("the training series has %d samples; a window needs %d", train.Len(), steps)
	}
	if d.judgeTo-d.judgeFrom < 1 {
		return errors.New("the test range holds no sample")
	}
	if test.Len() < steps {
		return fmt.Errorf("the test series has %d samples (context included); a window needs %d", test.Len(), steps)
	}
	judged := test.Slice(d.judgeFrom, d.judgeTo)
	if d.sameFile && !judged.Times[0].After(train.Times[train.Len()-1]) && !judged.Times[judged.Len()-1].Before(train.Times[0]) {
		warn("the test range (%s … %s) overlaps the training range (%s … %s): the detector is judged on data it learnt from",
			stamp(judged.Times[0]), stamp(judged.Times[judged.Len()-1]), stamp(train.Times[0]), stamp(train.Times[train.Len()-1]))
	}

	// Standardize with the training statistics, then cut the windows.
	scaler := timeseries.FitChannelScaler(train)
	for _, c := range scaler.Constant {
		warn("channel %s is constant over the training series (%g): it is left unscaled, and any change of it in the test series is off the scale", train.Names[c], scaler.Mean[c])
	}
	trainN, testN := train.Clone(), test.Clone()
	scaler.Apply(trainN)
	scaler.Apply(testN)
	cadence := d.cadence
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
	if wTrain.NumRows() < minTrainWindows {
		warn("only %d training windows (%d samples): the threshold is the largest error of a few independent stretches of data; more training data helps",
			wTrain.NumRows(), train.Len())
		if o.margin == 0 {
			o.margin = smallMargin
		}
	}
	if o.margin == 0 {
		o.margin = 1
	}
	sum.Margin = o.margin
	merge := o.merge
	if merge == 0 {
		merge = time.Duration(timeseries.MergeCadences * float64(cadence))
	}
	sum.DataSeconds = time.Since(t0).Seconds()
	sum.CadenceSeconds, sum.WindowSeconds, sum.MergeSeconds, sum.Resampled = cadence.Seconds(), (steps * cadence).Seconds(), merge.Seconds(), d.resampled
	sum.Interpolated = d.interpolated
	sum.TrainRange = [2]string{stamp(train.Times[0]), stamp(train.Times[train.Len()-1])}
	sum.TestRange = [2]string{stamp(judged.Times[0]), stamp(judged.Times[judged.Len()-1])}
	sum.ContextSamples = test.Len() - judged.Len()
	sum.TrainSamples, sum.TestSamples = train.Len(), judged.Len()
	sum.TrainWindows, sum.TestWindows = wTrain.NumRows(), wTest.NumRows()
	sum.ValWindows = mlrt.ValidationRows(wTrain.NumRows(), cfg.ValidationSplit)
	fmt.Fprintf(stderr, "solarwind: training %s … %s: %d samples, %d windows (%d for validation); test %s … %s: %d samples judged, %d windows (%d samples of context around them); cadence %v, window %v, merge %v\n",
		sum.TrainRange[0], sum.TrainRange[1], train.Len(), wTrain.NumRows(), sum.ValWindows,
		sum.TestRange[0], sum.TestRange[1], judged.Len(), wTest.NumRows(), sum.ContextSamples, cadence, steps*cadence, merge)
	fmt.Fprintf(stderr, "solarwind: channels %s; training mean %s, std %s\n", strings.Join(train.Names, ", "), fmtVec(scaler.Mean), fmtVec(scaler.Std))

	// Train (or load) the members, then judge.
	cfg.Epochs, cfg.Patience, cfg.Out, cfg.Quiet = o.epochs, o.patience, stderr, o.quiet
	if perEpoch := (wTrain.NumRows() - sum.ValWindows + cfg.BatchSize - 1) / cfg.BatchSize; memberFiles == nil && cfg.Epochs*perEpoch < o.minSteps {
		cfg.Epochs, cfg.Patience = (o.minSteps+perEpoch-1)/perEpoch, 0
		fmt.Fprintf(stderr, "solarwind: %d batches an epoch: training %d epochs without early stopping, to make at least %d optimizer steps (-min-steps)\n", perEpoch, cfg.Epochs, o.minSteps)
	}
	var members []*member
	defer func() {
		for _, m := range members {
			m.m.Close()
		}
	}()
	if memberFiles != nil {
		for _, f := range memberFiles {
			m, err := loadMember(f, wTrain, wTest, o.quantile, o.margin)
			if err != nil {
				return err
			}
			members = append(members, m)
			sum.MAESeconds += m.maeSeconds
		}
	} else {
		for k := range o.ensemble {
			seed := o.seed + uint64(k)
			if o.ensemble > 1 {
				fmt.Fprintf(stderr, "solarwind: member %d of %d, seed %d\n", k+1, o.ensemble, seed)
			}
			m, err := trainMember(seed, cfg, wTrain, wTest, o.quantile, o.margin)
			if err != nil {
				return err
			}
			members = append(members, m)
			sum.TrainSeconds += m.trainSeconds
			sum.MAESeconds += m.maeSeconds
		}
	}
	opts := timeseries.DetectOptions{From: d.judgeFrom, To: d.judgeTo, Merge: merge}
	ens, err := judge(members, wTrain, wTest, opts, o.quantile)
	if err != nil {
		return err
	}
	an := ens.an
	sum.Threshold, sum.Score = an.Threshold, ens.score
	sum.TrainMAEMedian = timeseries.Quantile(ens.trainScore, 0.5)
	for _, f := range an.Window {
		if f {
			sum.AnomalousWindows++
		}
	}
	sum.CoveredSamples, sum.FlaggedSamples = an.Covered, an.Flagged
	sum.CoveredFraction = float64(an.Covered) / float64(max(an.Judged, 1))
	sum.FlaggedFraction = float64(an.Flagged) / float64(max(an.Covered, 1))
	sum.Intervals = [][2]string{}
	for _, iv := range an.Intervals {
		sum.Intervals = append(sum.Intervals, [2]string{stamp(iv.Start), stamp(iv.End)})
		sum.IntervalMinutes = append(sum.IntervalMinutes, (iv.End.Sub(iv.Start) + cadence).Minutes())
	}
	sum.Members, sum.FlaggedFractionSpread, sum.Agreement = ens.members, ens.spread, ens.agreement

	fmt.Fprintf(stdout, "\n%s\n", ens.describe(wTrain.NumRows()))
	fmt.Fprintf(stdout, "test: %d of %d windows anomalous; %s, %d of %d judged samples (%.2f %%; %s no window covers):\n",
		sum.AnomalousWindows, wTest.NumRows(), plural(len(an.Intervals), "anomalous interval"), an.Flagged, an.Covered, 100*sum.FlaggedFraction, plural(an.Judged-an.Covered, "judged sample"))
	for i, iv := range an.Intervals {
		peak := 0.0
		for w, s := range wTest.Starts {
			if s <= iv.Last && s+steps-1 >= iv.First {
				peak = math.Max(peak, ens.testScore[w])
			}
		}
		fmt.Fprintf(stdout, "  %s … %s  %6.0f min  peak window score %.3f%s\n", stamp(iv.Start), stamp(iv.End), sum.IntervalMinutes[i], peak, eventNote(iv, events, o.train == ""))
	}
	if len(members) > 1 {
		fmt.Fprintf(stdout, "members alone flag %.2f … %.2f %% of the judged samples; all %d agree on %.2f %% of them\n",
			100*sum.FlaggedFractionSpread[0], 100*sum.FlaggedFractionSpread[1], len(members), 100*sum.Agreement)
	}
	if events != nil {
		score(stdout, &sum, an, test, events, cadence)
	}
	fmt.Fprintf(stdout, "timings: data %.2f s, training %.1f s, detector inference %.2f s (%d windows%s)\n",
		sum.DataSeconds, sum.TrainSeconds, sum.MAESeconds, wTrain.NumRows()+wTest.NumRows(), map[bool]string{true: fmt.Sprintf(", %d models", len(members))}[len(members) > 1])

	if !o.noFiles {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			return err
		}
		fig := figures{dir: o.outDir, train: train, test: judged, wTrain: wTrain, wTest: wTest, scaler: scaler,
			member: members[0], ens: ens, events: events, cadence: cadence, ensemble: len(members) > 1}
		if sum.PNGs, err = fig.write(); err != nil {
			return err
		}
		if memberFiles == nil {
			if sum.WeightsFiles, sum.ReloadMatches, err = saveMembers(o.outDir, members, wTest); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s and %s (reloaded weights reproduce the test errors: %v)\n", strings.Join(sum.PNGs, ", "), strings.Join(sum.WeightsFiles, ", "), sum.ReloadMatches)
		} else {
			fmt.Fprintf(stdout, "wrote %s\n", strings.Join(sum.PNGs, ", "))
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

// The detector's defaults, measured (see README): one model's threshold is the largest error
// of one training run, an outlier that moves with the seed, so three vote; fewer optimizer
// steps than defaultMinSteps leave the verdict to the seed; and a model trained on a few hours
// flags the quiet minutes just after its training range unless its threshold has a margin.
const (
	defaultEnsemble = 3
	defaultMinSteps = 600
	// minTrainWindows is the fewest training windows below which the program warns and the
	// threshold gets smallMargin: the tutorial trains on about 110 000.
	minTrainWindows = 2000
	smallMargin     = 1.5
)

// eventNote names the known events an interval overlaps; on synthetic data an interval
// that overlaps none is a false alarm.
func eventNote(iv timeseries.Interval, events []event, synthetic bool) string {
	var names []string
	for _, e := range events {
		if !iv.End.Before(e.Start) && !iv.Start.After(e.End) {
			names = append(names, e.Name)
		}
	}
	switch {
	case events == nil:
		return ""
	case names == nil && synthetic:
		return "  (no injected event: a false alarm)"
	case names == nil:
		return "  (no known event)"
	}
	return "  (" + strings.Join(names, "; ") + ")"
}

// plural says "1 anomalous interval", "3 anomalous intervals".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func fmtVec(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'f', 2, 64)
	}
	return "(" + strings.Join(s, ", ") + ")"
}
