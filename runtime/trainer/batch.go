package trainer

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/safetensors"
	"github.com/mlc-go/mlc/runtime/timeseries"
)

// BatchModel is a generated mini-batch model.
type BatchModel[T mlrt.Float] interface {
	mlrt.Model[T]
	Close()
}

// BatchProblem is a mini-batch model with data statements, as the driver hands it over.
type BatchProblem[T mlrt.Float] struct {
	Name, Source string
	Model        BatchModel[T]
	Config       mlrt.TrainConfig         // the .ml file's train statement (TrainConfig)
	Optimizer    func() mlrt.Optimizer[T] // NewOptimizer
	// Data reads the training and test rows (MakeData); Standardize scales the inputs.
	Data        func(dir string) (train, test *mlrt.Table[T], err error)
	Standardize bool
	// Augment moves the training rows' inputs at random (data train's augment), nil: no.
	Augment *mlrt.Shift
	// Windows reads the windows of series data statements instead (MakeWindows), which
	// scales them itself when Standardize is set.
	Windows func(dir string) (train, test *timeseries.Windows[T], err error)
	// Safetensors names the parameters as PyTorch does (the generated Safetensors): runs
	// write NAME.safetensors beside NAME.weights, and -init reads either. Nil: no such file.
	Safetensors *safetensors.Layout
	// Figures draws the training curves; nil draws none.
	Figures func(dir string, r *BatchResult) ([]string, error)
	// SweepFigure draws a sweep's errors against its settings; nil: none.
	SweepFigure func(path string, t *SweepTable) error
	// Folds > 1 cross-validates the model over that many folds of its training rows (the
	// .ml file's train folds = K) before training it on all of them; -folds overrides it.
	Folds int
}

// BatchSummary is the JSON summary of a mini-batch run.
type BatchSummary struct {
	Model        string             `json:"model"`
	Seed         uint64             `json:"seed"`
	TrainSeconds float64            `json:"train_seconds"`
	FinalLoss    float64            `json:"final_loss"` // the last epoch's training loss
	Metrics      map[string]float64 `json:"metrics,omitempty"`
	ValLoss      *float64           `json:"val_loss,omitempty"`
	ValMetrics   map[string]float64 `json:"val_metrics,omitempty"`
	TestLoss     *float64           `json:"test_loss,omitempty"`
	TestMetrics  map[string]float64 `json:"test_metrics,omitempty"`
	Epochs       int                `json:"epochs"`
	TrainRows    int                `json:"train_rows"`
	ValRows      int                `json:"val_rows"`
	TestRows     int                `json:"test_rows"`
	Standardized bool               `json:"standardized"`
	// Confusion is a classifier's confusion matrix on its test rows (else its validation
	// rows, else its training rows).
	Confusion *Confusion `json:"confusion_matrix,omitempty"`
	// CrossValidation is the k-fold cross-validation of the training rows, when asked for.
	CrossValidation *CrossValidation  `json:"cross_validation,omitempty"`
	Files           []string          `json:"files,omitempty"`
	History         []mlrt.EpochStats `json:"history"`
}

// Confusion is a classifier's confusion matrix: Counts[i][j] samples of true class i were
// given class j (their largest output), on the rows Data names: "test", "validation",
// "training", or "held-out folds" (every training row, predicted by the cross-validation
// model that did not train on it, when there are no test rows).
type Confusion struct {
	Data   string  `json:"data"`
	Counts [][]int `json:"counts"`
}

// Rows says which rows the matrix counts: "test rows", "held-out folds".
func (c *Confusion) Rows() string {
	if strings.HasSuffix(c.Data, "folds") {
		return c.Data
	}
	return c.Data + " rows"
}

// BatchResult is a finished mini-batch run, for drawing it.
type BatchResult struct {
	Name    string
	Summary *BatchSummary
}

// RunBatch trains a mini-batch model on its data: the flags in args, the rows, Train with the
// .ml file's settings, the test rows, the files and the summary.
func RunBatch[T mlrt.Float](p BatchProblem[T], args []string, stdout, stderr io.Writer) error {
	m := p.Model
	defer m.Close()
	o, err := parseFlags(args, stderr, p.Name)
	if err != nil {
		return err
	}
	if o.adam >= 0 || o.lbfgs >= 0 {
		return errors.New("-adam and -lbfgs are for models trained on point sets; a mini-batch model takes -epochs")
	}
	if o.lr > 0 {
		// -lr sets the optimizer's learning rate: the base rate of a schedule, if any.
		newOpt := p.Optimizer
		type lrSetter interface{ SetLearningRate(float64) }
		if _, ok := newOpt().(lrSetter); !ok {
			return fmt.Errorf("-lr: the optimizer of %s has no learning rate to set", p.Source)
		}
		p.Optimizer = func() mlrt.Optimizer[T] {
			opt := newOpt()
			opt.(lrSetter).SetLearningRate(o.lr)
			return opt
		}
	}
	cfg := p.Config
	if o.epochs > 0 {
		cfg.Epochs = o.epochs
	}
	cfg.Seed, cfg.Out, cfg.Quiet = o.seed, stderr, o.quiet
	d, err := loadBatch(p, o.dir)
	if err != nil {
		return err
	}
	folds := p.Folds
	if o.folds >= 0 {
		folds = o.folds
	}
	var cv *CrossValidation
	if folds > 1 {
		if d.rows == nil {
			return errors.New("cross-validation (folds) is for models trained on rows, not on the windows of a series")
		}
		if cv, err = crossValidate(p, cfg, d.rows, folds, stderr); err != nil {
			return err
		}
	}
	if p.Standardize && d.rows != nil {
		// Fitted on the rows the model trains on: not the validation rows, not the test rows.
		standardize(d.rows, d.testTable, cfg.ValidationSplit)
	}
	if p.Augment != nil {
		if folds > 1 {
			return errors.New("augment with folds: cross-validation does not augment its folds yet; leave one out")
		}
		aug, err := mlrt.NewAugmented(d.train, *p.Augment, mlrt.ValidationRows(d.train.NumRows(), cfg.ValidationSplit), o.seed)
		if err != nil {
			return err
		}
		d.train = aug
	}
	m.Init(mlrt.NewRNG(o.seed))
	if o.init != "" {
		if err := loadWeights(o.init, p.Name, m.Params(), p.Safetensors); err != nil {
			return err
		}
	}
	if !o.quiet {
		fmt.Fprintf(stderr, "%s: %d training %s (%d for validation), %d weights\n", p.Source, d.train.NumRows(), d.what, mlrt.ValidationRows(d.train.NumRows(), cfg.ValidationSplit), len(m.Params()))
	}
	start := time.Now()
	hist, err := mlrt.Train(m, p.Optimizer(), d.train, cfg)
	if err != nil {
		return err
	}
	sum := &BatchSummary{Model: p.Name, Seed: o.seed, TrainSeconds: time.Since(start).Seconds(), Epochs: len(hist.Epochs),
		TrainRows: hist.TrainRows, ValRows: hist.ValRows, Standardized: p.Standardize, History: hist.Epochs, CrossValidation: cv}
	last := hist.Epochs[len(hist.Epochs)-1]
	sum.FinalLoss, sum.Metrics = last.Loss, last.Metrics
	if hist.ValRows > 0 {
		v := last.ValLoss
		sum.ValLoss, sum.ValMetrics = &v, last.ValMetrics
	}
	if d.test != nil {
		loss, metrics, err := d.test(m, cfg.Metrics)
		if err != nil {
			return err
		}
		sum.TestLoss, sum.TestMetrics, sum.TestRows = &loss, metrics, d.testRows
	}
	if k := mlrt.Classes[T](m); k > 0 && d.rows != nil {
		sum.Confusion = confusion(m, k, d.rows, d.testTable, hist.ValRows)
		if d.testTable == nil && cv != nil {
			sum.Confusion = cv.confusion // each row predicted by the model that did not see it
		}
	}
	if !o.noFiles {
		if err := writeBatch(p, o, sum); err != nil {
			return err
		}
	}
	reportBatch(stdout, p.Source, sum)
	return printJSON(stdout, o.jsonOut, sum)
}

// batchData is what a mini-batch model trains on: CSV rows or the windows of a time series.
type batchData[T mlrt.Float] struct {
	train    mlrt.Source[T]
	what     string                                                                       // "rows", "windows of 240 samples"
	test     func(m mlrt.Model[T], metrics []string) (float64, map[string]float64, error) // nil: no test data
	testRows int
	// rows and testTable are the training and test rows of a model trained on rows (nil for windows), which
	// cross-validation, standardization and the confusion matrix need.
	rows, testTable *mlrt.Table[T]
}

// loadBatch reads the data statements: MakeWindows's windows (scaled as the statements
// say), or MakeData's rows as they are in the file.
func loadBatch[T mlrt.Float](p BatchProblem[T], dir string) (*batchData[T], error) {
	if p.Windows != nil {
		train, test, err := p.Windows(dir)
		if err != nil {
			return nil, err
		}
		d := &batchData[T]{train: train, what: fmt.Sprintf("windows of %d samples", train.Len)}
		if test != nil {
			d.testRows = test.NumRows()
			d.test = func(m mlrt.Model[T], metrics []string) (float64, map[string]float64, error) {
				return mlrt.EvaluateSource(m, test, m.MaxBatch(), metrics)
			}
		}
		return d, nil
	}
	train, test, err := p.Data(dir)
	if err != nil {
		return nil, err
	}
	d := &batchData[T]{train: train, what: "rows", rows: train, testTable: test}
	if test != nil {
		d.testRows = test.Rows
		d.test = func(m mlrt.Model[T], metrics []string) (float64, map[string]float64, error) {
			return mlrt.Evaluate(m, test.X, test.Y, test.Rows, m.MaxBatch(), metrics)
		}
	}
	return d, nil
}

// confusion is the confusion matrix of a classifier of k classes on the test rows, else the
// validation rows (the last val of train), else the training rows.
func confusion[T mlrt.Float](m BatchModel[T], k int, train, test *mlrt.Table[T], val int) *Confusion {
	c := &Confusion{Data: "test"}
	t := test
	if t == nil {
		c.Data, t = "validation", train
		if val > 0 {
			_, t = train.SplitLast(val)
		} else {
			c.Data = "training"
		}
	}
	pred := make([]T, t.Rows*k)
	m.Predict(pred, t.X, t.Rows)
	c.Counts = mlrt.Confusion(pred, t.Y, t.Rows, k)
	return c
}

func writeBatch[T mlrt.Float](p BatchProblem[T], o *options, s *BatchSummary) error {
	var figures func() ([]string, error)
	if p.Figures != nil && !o.noPlots {
		figures = func() ([]string, error) { return p.Figures(o.out, &BatchResult{Name: p.Name, Summary: s}) }
	}
	return writeRun(o.out, p.Name, p.Name, p.Model.Params(), p.Safetensors, s, &s.Files, figures)
}

func reportBatch(w io.Writer, source string, s *BatchSummary) {
	fmt.Fprintf(w, "\n%s: %d epochs, %.3g s of training\n", source, s.Epochs, s.TrainSeconds)
	line := func(what string, loss float64, metrics map[string]float64) {
		fmt.Fprintf(w, "  %-10s loss %.4g", what, loss)
		var names []string
		for n := range metrics {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %s %.4g", n, metrics[n])
		}
		fmt.Fprintln(w)
	}
	line("training", s.FinalLoss, s.Metrics)
	if s.ValLoss != nil {
		line("validation", *s.ValLoss, s.ValMetrics)
	}
	if s.TestLoss != nil {
		line(fmt.Sprintf("test (%d)", s.TestRows), *s.TestLoss, s.TestMetrics)
	}
	if cv := s.CrossValidation; cv != nil {
		fmt.Fprintf(w, "  %d-fold cross-validation (%s), on the held-out folds:", cv.Folds, map[bool]string{true: "stratified", false: "shuffled"}[cv.Stratified])
		fmt.Fprintf(w, "  loss %.4g ± %.2g", cv.Loss.Mean, cv.Loss.Std)
		for _, n := range sortedKeys(cv.Metrics) {
			fmt.Fprintf(w, "  %s %.4g ± %.2g", n, cv.Metrics[n].Mean, cv.Metrics[n].Std)
		}
		fmt.Fprintln(w)
	}
	if c := s.Confusion; c != nil {
		fmt.Fprintf(w, "  confusion matrix, %s (a row per true class, a column per predicted class):\n", c.Rows())
		for _, row := range c.Counts {
			fmt.Fprint(w, "   ")
			for _, n := range row {
				fmt.Fprintf(w, " %4d", n)
			}
			fmt.Fprintln(w)
		}
	}
	for _, f := range s.Files {
		fmt.Fprintf(w, "  wrote %s\n", f)
	}
}

// standardize scales the inputs of train and test by the training rows that are not
// validation rows (the last fraction val of train).
func standardize[T mlrt.Float](train, test *mlrt.Table[T], val float64) {
	fit := train.Rows - mlrt.ValidationRows(train.Rows, val)
	s := mlrt.FitStandardizer(train.X, fit, train.Features)
	s.Apply(train.X, train.Rows)
	if test != nil {
		s.Apply(test.X, test.Rows)
	}
}

// CrossValidation is a k-fold cross-validation: for each fold, the model trained afresh (the
// same initial weights, the .ml file's settings) on the other folds and evaluated on it.
type CrossValidation struct {
	Folds int `json:"folds"`
	// Stratified: a classifier's folds hold each class in nearly its share of all the rows.
	Stratified bool                 `json:"stratified"`
	Loss       FoldStat             `json:"loss"`
	Metrics    map[string]*FoldStat `json:"metrics,omitempty"`

	confusion *Confusion // a classifier's, of every row predicted with its fold held out
}

// FoldStat is a figure over the folds: its mean, its standard deviation (of the folds'
// values, as numpy's std) and each fold's value.
type FoldStat struct {
	Mean  float64   `json:"mean"`
	Std   float64   `json:"std"`
	Folds []float64 `json:"folds"`
}

func (f *FoldStat) add(v float64) {
	f.Folds = append(f.Folds, v)
	f.Mean, f.Std = 0, 0
	for _, x := range f.Folds {
		f.Mean += x / float64(len(f.Folds))
	}
	for _, x := range f.Folds {
		f.Std += (x - f.Mean) * (x - f.Mean) / float64(len(f.Folds))
	}
	f.Std = math.Sqrt(f.Std)
}

// crossValidate trains the model on each fold's complement of the training rows (scaled by
// that part alone when the data statement standardizes) and evaluates it on the fold,
// printing a line per fold.
func crossValidate[T mlrt.Float](p BatchProblem[T], cfg mlrt.TrainConfig, train *mlrt.Table[T], k int, stderr io.Writer) (*CrossValidation, error) {
	m := p.Model
	classes := mlrt.Classes[T](m)
	folds, err := mlrt.Folds(train, k, classes, cfg.Seed)
	if err != nil {
		return nil, err
	}
	cv := &CrossValidation{Folds: k, Stratified: classes > 0, Metrics: map[string]*FoldStat{}}
	if classes > 0 {
		cv.confusion = &Confusion{Data: "held-out folds", Counts: mlrt.Confusion[T](nil, nil, 0, classes)}
	}
	quiet := cfg.Quiet
	cfg.Quiet = true
	for i, fold := range folds {
		var rest []int
		for j, f := range folds {
			if j != i {
				rest = append(rest, f...)
			}
		}
		tr, held := train.Pick(rest), train.Pick(fold)
		if p.Standardize {
			standardize(tr, held, cfg.ValidationSplit)
		}
		m.Init(mlrt.NewRNG(cfg.Seed))
		if _, err := mlrt.Train(m, p.Optimizer(), tr, cfg); err != nil {
			return nil, fmt.Errorf("cross-validation, fold %d of %d: %w", i+1, k, err)
		}
		loss, metrics, err := mlrt.Evaluate(m, held.X, held.Y, held.Rows, m.MaxBatch(), cfg.Metrics)
		if err != nil {
			return nil, err
		}
		cv.Loss.add(loss)
		if cv.confusion != nil {
			for i, row := range confusion(m, classes, nil, held, 0).Counts {
				for j, n := range row {
					cv.confusion.Counts[i][j] += n
				}
			}
		}
		line := fmt.Sprintf("fold %d/%d (%d rows held out): loss %.4g", i+1, k, held.Rows, loss)
		for _, n := range sortedKeys(metrics) {
			if cv.Metrics[n] == nil {
				cv.Metrics[n] = &FoldStat{}
			}
			cv.Metrics[n].add(metrics[n])
			line += fmt.Sprintf("  %s %.4g", n, metrics[n])
		}
		if !quiet {
			fmt.Fprintln(stderr, line)
		}
	}
	return cv, nil
}
