// Command cancer trains the tutorial's dense classifier on the Wisconsin breast-cancer data
// and reports what the tutorial reports: loss and accuracy per epoch (training and
// validation), the final validation accuracy and the predictions on the 10 held-out rows.
//
// The model is cancer.ml, compiled by mlc into ../../generated/cancer. The data ship with
// the example (data/breast_cancer.csv, embedded); -data reads another file in the same
// layout or UCI's wdbc.data.
//
//	go run ./examples/cancer -standardize -seed 1
package main

import (
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/mlc-go/mlc/generated/cancer"
	"github.com/mlc-go/mlc/plots"
	mlrt "github.com/mlc-go/mlc/runtime"
)

//go:embed data/breast_cancer.csv
var defaultData string

// testRows is how many rows at the end the tutorial holds out as a test set.
const testRows = 10

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "cancer:", err)
		os.Exit(1)
	}
}

// summary is the -json line.
type summary struct {
	ValAccuracy   float64 `json:"val_accuracy"`
	ValLoss       float64 `json:"val_loss"`
	TestAccuracy  float64 `json:"test_accuracy"`
	TestCorrect   int     `json:"test_correct"`
	TestRows      int     `json:"test_rows"`
	Epochs        int     `json:"epochs"`
	EpochSeconds  float64 `json:"epoch_seconds"` // median over epochs, validation included
	TrainSeconds  float64 `json:"train_seconds"`
	Standardized  bool    `json:"standardized"`
	Seed          uint64  `json:"seed"`
	WeightsFile   string  `json:"weights_file,omitempty"`
	TensorsFile   string  `json:"safetensors_file,omitempty"` // the same weights as PyTorch names them
	CurvesPNG     string  `json:"curves_png,omitempty"`
	ReloadMatches bool    `json:"reload_matches"`
}

func run(args []string, stdout, stderr io.Writer) error {
	cfg := cancer.TrainConfig()
	fs := flag.NewFlagSet("cancer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataPath := fs.String("data", "", "CSV `file` in sklearn's breast_cancer.csv layout or UCI's wdbc.data (default: the embedded copy)")
	epochs := fs.Int("epochs", cfg.Epochs, "training epochs")
	seed := fs.Uint64("seed", cfg.Seed, "seed for initialisation, shuffling and dropout")
	standardize := fs.Bool("standardize", false, "standardize features (mean and std of the training rows)")
	jsonOut := fs.Bool("json", false, "print a JSON summary as the last line")
	quiet := fs.Bool("quiet", false, "no per-epoch progress")
	outDir := fs.String("out", ".", "`dir`ectory for cancer_curves.png and cancer.weights")
	noFiles := fs.Bool("nofiles", false, "write no PNG or weights")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *epochs < 1 {
		return fmt.Errorf("-epochs %d: want at least 1", *epochs)
	}

	var data *mlrt.Table[cancer.T]
	var err error
	if *dataPath == "" {
		data, err = mlrt.ReadCancerCSV[cancer.T](strings.NewReader(defaultData), "breast_cancer.csv")
	} else {
		data, err = mlrt.LoadCancerCSV[cancer.T](*dataPath)
	}
	if err != nil {
		return err
	}
	if data.Features != cancer.NumInputs {
		return fmt.Errorf("%d features in the data, the model takes %d", data.Features, cancer.NumInputs)
	}
	if data.Rows <= testRows+1 {
		return fmt.Errorf("%d rows: need more than %d", data.Rows, testRows+1)
	}
	train, test := data.SplitLast(testRows)
	train = clone(train)
	test = clone(test)
	if *standardize {
		// Fit on the rows the model trains on: not the validation rows, not the test rows.
		fit := train.Rows - mlrt.ValidationRows(train.Rows, cfg.ValidationSplit)
		s := mlrt.FitStandardizer(train.X, fit, train.Features)
		s.Apply(train.X, train.Rows)
		s.Apply(test.X, test.Rows)
	}

	m := cancer.New()
	m.Init(mlrt.NewRNG(*seed))
	cfg.Epochs = *epochs
	cfg.Seed = *seed
	cfg.Out = stderr
	cfg.Quiet = *quiet
	fmt.Fprintf(stderr, "cancer: %d training rows (%d for validation), %d test rows, %d parameters, %s\n",
		train.Rows, mlrt.ValidationRows(train.Rows, cfg.ValidationSplit), test.Rows, cancer.NumParams, map[bool]string{true: "standardized", false: "raw features"}[*standardize])
	start := time.Now()
	hist, err := mlrt.Train(m, cancer.NewOptimizer(), train, cfg)
	if err != nil {
		return err
	}
	trainSeconds := time.Since(start).Seconds()
	last := hist.Epochs[len(hist.Epochs)-1]

	// The tutorial's test: the last 10 rows, thresholded at 0.5.
	pred := make([]cancer.T, test.Rows)
	m.Predict(pred, test.X, test.Rows)
	correct := 0
	fmt.Fprintf(stdout, "\nheld-out rows (p = P(benign), threshold 0.5):\n")
	for i := range pred {
		class := 0.0
		if pred[i] > 0.5 {
			class = 1
		}
		ok := class == float64(test.Y[i])
		if ok {
			correct++
		}
		fmt.Fprintf(stdout, "  row %d  p %.4f  predicted %-9s  truth %-9s %s\n", data.Rows-testRows+i, pred[i],
			className(data, class), className(data, float64(test.Y[i])), map[bool]string{true: "", false: "WRONG"}[ok])
	}
	valAcc := last.ValMetrics["binary_accuracy"]
	fmt.Fprintf(stdout, "\nfinal: loss %.4f  accuracy %.4f  val_loss %.4f  val_accuracy %.4f  test %d/%d  (%d epochs, %.1f ms/epoch)\n",
		last.Loss, last.Metrics["binary_accuracy"], last.ValLoss, valAcc, correct, test.Rows, len(hist.Epochs), 1e3*hist.MedianEpochSeconds())

	sum := summary{ValAccuracy: valAcc, ValLoss: last.ValLoss, TestAccuracy: float64(correct) / float64(test.Rows),
		TestCorrect: correct, TestRows: test.Rows, Epochs: len(hist.Epochs), EpochSeconds: hist.MedianEpochSeconds(),
		TrainSeconds: trainSeconds, Standardized: *standardize, Seed: *seed}
	if !*noFiles {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return err
		}
		sum.CurvesPNG = filepath.Join(*outDir, "cancer_curves.png")
		if err := writeCurves(sum.CurvesPNG, hist); err != nil {
			return err
		}
		sum.WeightsFile = filepath.Join(*outDir, "cancer.weights")
		if err := mlrt.SaveWeights(sum.WeightsFile, "Cancer", m.Params()); err != nil {
			return err
		}
		// The same weights for PyTorch: net.load_state_dict of the nn.Sequential in
		// cancer.Safetensors' doc comment.
		sum.TensorsFile = filepath.Join(*outDir, "cancer.safetensors")
		if err := mlrt.SaveSafetensors(sum.TensorsFile, m.Params(), &cancer.Safetensors); err != nil {
			return err
		}
		// Reload both into fresh models and check they predict the same.
		m2, m3 := cancer.New(), cancer.New()
		if err := mlrt.LoadWeights(sum.WeightsFile, "Cancer", m2.Params()); err != nil {
			return err
		}
		if _, err := mlrt.LoadSafetensors(sum.TensorsFile, m3.Params(), &cancer.Safetensors); err != nil {
			return err
		}
		pred2, pred3 := make([]cancer.T, test.Rows), make([]cancer.T, test.Rows)
		m2.Predict(pred2, test.X, test.Rows)
		m3.Predict(pred3, test.X, test.Rows)
		sum.ReloadMatches = equal(pred, pred2) && equal(pred, pred3)
		fmt.Fprintf(stdout, "wrote %s, %s and %s (reloaded weights reproduce the predictions: %v)\n", sum.CurvesPNG, sum.WeightsFile, sum.TensorsFile, sum.ReloadMatches)
		if !sum.ReloadMatches {
			return fmt.Errorf("weights reloaded from %s or %s predict differently", sum.WeightsFile, sum.TensorsFile)
		}
	}
	if *jsonOut {
		b, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

func clone(t *mlrt.Table[cancer.T]) *mlrt.Table[cancer.T] {
	c := *t
	c.X = append([]cancer.T(nil), t.X...)
	c.Y = append([]cancer.T(nil), t.Y...)
	return &c
}

func className(t *mlrt.Table[cancer.T], v float64) string {
	if i := int(v); i >= 0 && i < len(t.TargetNames) && float64(i) == v {
		return t.TargetNames[i]
	}
	return fmt.Sprint(v)
}

func equal(a, b []cancer.T) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func writeCurves(path string, h *mlrt.History) error {
	var ep, loss, vloss, acc, vacc []float64
	for _, e := range h.Epochs {
		ep = append(ep, float64(e.Epoch))
		loss = append(loss, e.Loss)
		vloss = append(vloss, e.ValLoss)
		acc = append(acc, e.Metrics["binary_accuracy"])
		vacc = append(vacc, e.ValMetrics["binary_accuracy"])
	}
	pl, err := plots.Lines("Binary cross-entropy", "epoch", "loss", true,
		plots.Series{Name: "training", X: ep, Y: loss}, plots.Series{Name: "validation", X: ep, Y: vloss})
	if err != nil {
		return err
	}
	pa, err := plots.Lines("Binary accuracy", "epoch", "accuracy", false,
		plots.Series{Name: "training", X: ep, Y: acc}, plots.Series{Name: "validation", X: ep, Y: vacc})
	if err != nil {
		return err
	}
	return plots.SaveRow(path, 24*vg.Centimeter, 9*vg.Centimeter, pl, pa)
}
