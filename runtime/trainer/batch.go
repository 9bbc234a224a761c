package trainer

import (
	"errors"
	"fmt"
	"io"
	"sort"
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
	Files        []string           `json:"files,omitempty"`
	History      []mlrt.EpochStats  `json:"history"`
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
	cfg := p.Config
	if o.epochs > 0 {
		cfg.Epochs = o.epochs
	}
	cfg.Seed, cfg.Out, cfg.Quiet = o.seed, stderr, o.quiet
	d, err := loadBatch(p, o.dir, cfg)
	if err != nil {
		return err
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
		TrainRows: hist.TrainRows, ValRows: hist.ValRows, Standardized: p.Standardize, History: hist.Epochs}
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
	if !o.noFiles {
		if err := writeBatch(p, o, sum); err != nil {
			return err
		}
	}
	reportBatch(stdout, p.Source, sum)
	return printJSON(stdout, o.jsonOut, sum)
}

// batchData is what a mini-batch model trains on, scaled as its data statements say: CSV rows
// or the windows of a time series.
type batchData[T mlrt.Float] struct {
	train    mlrt.Source[T]
	what     string                                                                       // "rows", "windows of 240 samples"
	test     func(m mlrt.Model[T], metrics []string) (float64, map[string]float64, error) // nil: no test data
	testRows int
}

// loadBatch reads the data statements: MakeWindows's windows, or MakeData's rows
// standardized over the rows the model trains on (not the validation rows, not the test rows).
func loadBatch[T mlrt.Float](p BatchProblem[T], dir string, cfg mlrt.TrainConfig) (*batchData[T], error) {
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
	if p.Standardize {
		fit := train.Rows - mlrt.ValidationRows(train.Rows, cfg.ValidationSplit)
		s := mlrt.FitStandardizer(train.X, fit, train.Features)
		s.Apply(train.X, train.Rows)
		if test != nil {
			s.Apply(test.X, test.Rows)
		}
	}
	d := &batchData[T]{train: train, what: "rows"}
	if test != nil {
		d.testRows = test.Rows
		d.test = func(m mlrt.Model[T], metrics []string) (float64, map[string]float64, error) {
			return mlrt.Evaluate(m, test.X, test.Y, test.Rows, m.MaxBatch(), metrics)
		}
	}
	return d, nil
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
	for _, f := range s.Files {
		fmt.Fprintf(w, "  wrote %s\n", f)
	}
}
