package trainer

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
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
	// Confusion is a classifier's confusion matrix on its test rows (else its validation
	// rows, else its training rows).
	Confusion *Confusion        `json:"confusion_matrix,omitempty"`
	Files     []string          `json:"files,omitempty"`
	History   []mlrt.EpochStats `json:"history"`
}

// Confusion is a classifier's confusion matrix: Counts[i][j] samples of true class i were
// given class j (their largest output), on the rows Data names: "test", "validation" or
// "training".
type Confusion struct {
	Data   string  `json:"data"`
	Counts [][]int `json:"counts"`
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
	train, test, err := p.Data(o.dir)
	if err != nil {
		return err
	}
	cfg := p.Config
	if o.epochs > 0 {
		cfg.Epochs = o.epochs
	}
	cfg.Seed, cfg.Out, cfg.Quiet = o.seed, stderr, o.quiet
	if p.Standardize {
		// Fitted on the rows the model trains on: not the validation rows, not the test rows.
		fit := train.Rows - mlrt.ValidationRows(train.Rows, cfg.ValidationSplit)
		s := mlrt.FitStandardizer(train.X, fit, train.Features)
		s.Apply(train.X, train.Rows)
		if test != nil {
			s.Apply(test.X, test.Rows)
		}
	}
	m.Init(mlrt.NewRNG(o.seed))
	if !o.quiet {
		fmt.Fprintf(stderr, "%s: %d training rows (%d for validation), %d weights\n", p.Source, train.Rows, mlrt.ValidationRows(train.Rows, cfg.ValidationSplit), len(m.Params()))
	}
	start := time.Now()
	hist, err := mlrt.Train(m, p.Optimizer(), train, cfg)
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
	if test != nil {
		loss, metrics, err := mlrt.Evaluate(m, test.X, test.Y, test.Rows, m.MaxBatch(), cfg.Metrics)
		if err != nil {
			return err
		}
		sum.TestLoss, sum.TestMetrics, sum.TestRows = &loss, metrics, test.Rows
	}
	if k := mlrt.Classes[T](m); k > 0 {
		sum.Confusion = confusion(m, k, train, test, hist.ValRows)
	}
	if !o.noFiles {
		if err := writeBatch(p, o, sum); err != nil {
			return err
		}
	}
	reportBatch(stdout, p.Source, sum)
	return printJSON(stdout, o.jsonOut, sum)
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
	return writeRun(o.out, p.Name, p.Name, p.Model.Params(), s, &s.Files, figures)
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
	if c := s.Confusion; c != nil {
		fmt.Fprintf(w, "  confusion matrix, %s rows (a row per true class, a column per predicted class):\n", c.Data)
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
