// Package trainer runs a compiled point-set model as `mlc train` does: the points its .ml file
// declares, the fit with its schedule, the error against its references recorded while it
// trains, and what it leaves behind — the weights, a JSON summary and plots. The driver that
// `mlc train` builds is a main function calling Main with the generated package's parts.
package trainer

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/safetensors"
)

// Model is a generated point-set model.
type Model[T mlrt.Float] interface {
	mlrt.FullBatch[T]
	Init(rng *mlrt.RNG)
	Close()
	PredictColumns(dst []T, cols [][]T)
}

// Problem is what the driver knows of the generated package.
type Problem[T mlrt.Float] struct {
	Name    string   // the model's name
	Source  string   // the .ml file's name, for messages
	Inputs  []string // the inputs, in Predict's order
	Outputs []string // the values Predict writes per point, in order
	Model   Model[T]
	Config  mlrt.FitConfig
	// SetPoints makes the .ml file's point sets (collocation points from rng, CSV files from
	// dir) and gives them to the model (the generated MakePoints and SetPoints).
	SetPoints func(rng *rand.Rand, dir string) error
	// References is the generated References.
	References func(dir string) ([]mlrt.Reference, error)
	// Figures draws the plots of a finished run into a directory and returns the files it
	// wrote (figures.Draw); nil draws none.
	Figures func(dir string, r *Result) ([]string, error)
	// Domain is the box the points span, [lo, hi] per input (the generated Domain): where
	// the plots show an output without a reference. Nil: [0, 1] per input.
	Domain [][2]float64
	// Fingerprint identifies the network (its ops and shapes): weights are saved under the
	// model's name and it, so weights of another network are refused when loaded.
	Fingerprint string
	// SweepFigure draws a sweep's errors against its settings (figures.DrawSweep); nil: none.
	SweepFigure func(path string, t *SweepTable) error
	// Safetensors names the parameters as PyTorch does (the generated Safetensors): runs
	// write NAME.safetensors beside NAME.weights, and -init and predict read either. Nil: no
	// such file.
	Safetensors *safetensors.Layout
}

// weightsName is the name weights are saved and loaded under.
func weightsName(name, fingerprint string) string {
	if fingerprint == "" {
		return name
	}
	return name + "@" + fingerprint
}

// Summary is the JSON summary: the last line of -json, and summary.json.
type Summary struct {
	Model string `json:"model"`
	Seed  uint64 `json:"seed"`
	// RelL2 is the relative L2 error against the reference (the root-mean-square error where
	// the reference is zero everywhere): a number for one output, an object keyed by output
	// name for several; absent without a reference.
	RelL2        any                `json:"rel_l2,omitempty"`
	TrainSeconds float64            `json:"train_seconds"`
	FinalLoss    float64            `json:"final_loss"`
	Terms        map[string]float64 `json:"terms"`
	Params       map[string]float64 `json:"params,omitempty"` // the coefficients of param statements
	// ParamErrors are |fitted − true| / |true| for params with a reference (|fitted| for a
	// true value of 0).
	ParamErrors map[string]float64 `json:"param_errors,omitempty"`
	Steps       int                `json:"steps"`
	Evaluations int                `json:"evaluations"`
	Stops       []string           `json:"stops"`
	Points      int                `json:"points"`
	Weights     int                `json:"weights"` // the number of trained values
	Files       []string           `json:"files,omitempty"`
	// History is every record of the fit: step, seconds, loss, terms, params, errors.
	History []Record `json:"history"`
}

// Record is the state of the fit at one step.
type Record struct {
	Step    int                `json:"step"`
	Seconds float64            `json:"seconds"`
	Loss    float64            `json:"loss"`
	Terms   map[string]float64 `json:"terms"`
	Params  map[string]float64 `json:"params,omitempty"`
	RelL2   map[string]float64 `json:"rel_l2,omitempty"`
}

// options are the driver's flags.
type options struct {
	seed      uint64
	adam      int
	lbfgs     int
	epochs    int
	folds     int
	lr        float64
	balance   int
	resample  int
	causal    int
	every     int
	timeLimit time.Duration
	dir       string
	out       string
	jsonOut   bool
	quiet     bool
	noFiles   bool
	noPlots   bool
	init      string // the weights to start from ("": the seed's initialisation)
}

// Main runs Run (or Predict, when the first argument is "predict") with the command line and
// exits non-zero on an error.
func Main[T mlrt.Float](p Problem[T]) {
	run, cmd := Run[T], "mlc train"
	args := os.Args[1:]
	switch {
	case len(args) > 0 && args[0] == "predict":
		run, cmd, args = Predict[T], "mlc predict", args[1:]
	case len(args) == 2 && args[0] == "collect":
		exitOn("mlc sweep collect", CollectRuns(args[1], p.SweepFigure, os.Stdout))
		return
	}
	exitOn(cmd, run(p, args, os.Stdout, os.Stderr))
}

// MainBatch runs RunBatch with the command line and exits non-zero on an error.
func MainBatch[T mlrt.Float](p BatchProblem[T]) {
	if args := os.Args[1:]; len(args) == 2 && args[0] == "collect" {
		exitOn("mlc sweep collect", CollectRuns(args[1], p.SweepFigure, os.Stdout))
		return
	}
	exitOn("mlc train", RunBatch(p, os.Args[1:], os.Stdout, os.Stderr))
}

// Flags lists the driver's flags and what they mean, for `mlc train -h`.
func Flags() *flag.FlagSet {
	fs, _ := newFlags(io.Discard)
	return fs
}

func newFlags(stderr io.Writer) (*flag.FlagSet, *options) {
	var o options
	fs := flag.NewFlagSet("mlc train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Uint64Var(&o.seed, "seed", 1, "seed for the initial weights and the sampled points")
	fs.IntVar(&o.adam, "adam", -1, "Adam (or SGD) steps of each such stage (-1: the .ml file's; 0: none)")
	fs.IntVar(&o.lbfgs, "lbfgs", -1, "L-BFGS or BFGS iterations (-1: the .ml file's, or 10000 if it gives none; 0: none)")
	fs.Float64Var(&o.lr, "lr", 0, "the optimizer's learning rate: Adam's of a point-set model, the (base) rate of a mini-batch model's (0: the .ml file's)")
	fs.IntVar(&o.epochs, "epochs", 0, "epochs of a mini-batch model (0: the .ml file's)")
	fs.IntVar(&o.causal, "causal", -1, "steps between updates of the causal weights of a model with train causal(…) (-1: the .ml file's; 0: the weights stay 1)")
	fs.IntVar(&o.resample, "resample", -1, "steps (or L-BFGS/BFGS iterations) between redraws of the sampled points of a model with train resample = rad (-1: the .ml file's; 0: never)")
	fs.IntVar(&o.balance, "balance", -1, "steps between updates of the loss-term weights of a model with train balance = grad_norm (-1: the .ml file's; 0: the weights stay 1)")
	fs.IntVar(&o.folds, "folds", -1, "cross-validate a mini-batch model over this many folds of its training rows before training it on all of them (-1: the .ml file's folds; 0: none)")
	fs.DurationVar(&o.timeLimit, "time", 0, "a training time limit (0: none — the step budgets decide, so a run gives the same result on a loaded machine)")
	fs.IntVar(&o.every, "every", 100, "record the loss and the error every this many steps")
	fs.StringVar(&o.dir, "dir", ".", "the `directory` CSV files are read from (mlc train sets it to the .ml file's)")
	fs.StringVar(&o.out, "out", "", "the `directory` for the weights, summary.json and the plots (default: NAME-out beside the .ml file)")
	fs.BoolVar(&o.jsonOut, "json", false, "print the JSON summary as the last line")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&o.noFiles, "nofiles", false, "write no files")
	fs.BoolVar(&o.noPlots, "noplots", false, "write the weights and summary.json, no plots")
	fs.StringVar(&o.init, "init", "", "start from the weights in this `file` (NAME.safetensors, from mlc train or PyTorch, or NAME.weights) instead of the seed's initialisation")
	return fs, &o
}

// parseFlags reads the driver's flags; the output directory defaults to NAME-out beside the
// .ml file.
func parseFlags(args []string, stderr io.Writer, name string) (*options, error) {
	fs, o := newFlags(stderr)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.every < 1 {
		return nil, errors.New("-every must be at least 1")
	}
	if o.adam < -1 || o.lbfgs < -1 || o.epochs < 0 || o.lr < 0 {
		return nil, errors.New("-adam, -lbfgs, -epochs and -lr take a number of steps (or a rate) of at least 0")
	}
	if o.folds < -1 || o.folds == 1 {
		return nil, errors.New("-folds takes 0 (no cross-validation) or a number of folds from 2")
	}
	if o.out == "" {
		o.out = filepath.Join(o.dir, strings.ToLower(name)+"-out")
	}
	return o, nil
}

// Run trains p: the flags in args, the points, the fit, the files and the summary.
func Run[T mlrt.Float](p Problem[T], args []string, stdout, stderr io.Writer) error {
	m := p.Model
	defer m.Close()
	o, err := parseFlags(args, stderr, p.Name)
	if err != nil {
		return err
	}
	if o.epochs != 0 || o.folds > 0 {
		return errors.New("-epochs and -folds are for mini-batch models; a model trained on point sets takes -adam and -lbfgs")
	}
	m.Init(mlrt.NewRNG(o.seed))
	if o.init != "" {
		if err := loadWeights(o.init, weightsName(p.Name, p.Fingerprint), m.Params(), p.Safetensors); err != nil {
			return err
		}
	}
	if err := p.SetPoints(rand.New(rand.NewPCG(o.seed, 0x9e3779b97f4a7c15)), o.dir); err != nil {
		return err
	}
	refs, err := p.References(o.dir)
	if err != nil {
		return err
	}
	ev := newEvaluator(p, refs)
	cfg := p.Config
	if cfg.Stages, err = stages(cfg.Stages, o); err != nil {
		return err
	}
	cfg.TimeLimit = o.timeLimit
	cfg.Out, cfg.Quiet, cfg.Every = stderr, o.quiet, o.every
	if o.balance >= 0 {
		if len(cfg.Balance.Weights) == 0 {
			return errors.New("-balance: the model's train statement has no balance = grad_norm, so its loss has no term weights to update")
		}
		cfg.Balance.Every = o.balance
	}
	cfg.Resample.Seed = o.seed
	if o.causal >= 0 {
		if _, ok := m.(mlrt.CausalWeighter); !ok {
			return errors.New("-causal: the model's train statement has no causal(…)")
		}
		cfg.Causal.Every = o.causal
	}
	if o.resample >= 0 {
		if _, ok := m.(mlrt.Resampler); !ok {
			return errors.New("-resample: the model's train statement has no resample = rad")
		}
		cfg.Resample.Every = o.resample
	}
	sum := &Summary{Model: p.Name, Seed: o.seed, Weights: len(m.Params())}
	if r, ok := any(m).(interface{ Rows() int }); ok {
		sum.Points = r.Rows()
	}
	cfg.Observe = func(r *mlrt.FitRecord) {
		errs := ev.relL2()
		if len(errs) > 0 {
			if r.Extra == nil {
				r.Extra = map[string]float64{}
			}
			for k, v := range errs {
				r.Extra["rel_l2 "+k] = v
			}
		}
	}
	if !o.quiet {
		fmt.Fprintf(stderr, "%s: %d points, %d weights, %s\n", p.Source, sum.Points, sum.Weights, describe(cfg.Stages))
	}
	hist, err := mlrt.Fit[T](m, cfg)
	if hist == nil {
		return err
	}
	fillSummary(sum, p, hist, ev)
	if err != nil {
		return err
	}
	if !o.noFiles {
		if err := write(p, o, sum, ev); err != nil {
			return err
		}
	}
	report(stdout, p, sum)
	return printJSON(stdout, o.jsonOut, sum)
}

// printJSON prints the summary as one JSON line (-json).
func printJSON(w io.Writer, on bool, sum any) error {
	if !on {
		return nil
	}
	b, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

// exitOn prints a failed command's error and exits non-zero.
func exitOn(cmd string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", cmd, err)
		os.Exit(1)
	}
}

// defaultLBFGSSteps is the budget of an L-BFGS stage the .ml file gives no steps: a step
// budget, so that a run ends and gives the same result on a loaded machine.
const defaultLBFGSSteps = 10000

// stages applies -adam, -lbfgs and -lr to the .ml file's schedule: 0 steps drops a stage,
// and an L-BFGS stage without steps gets defaultLBFGSSteps.
func stages(in []mlrt.Stage, o *options) ([]mlrt.Stage, error) {
	var out []mlrt.Stage
	for _, s := range in {
		qn := mlrt.QuasiNewton(s.Optimizer)
		switch {
		case qn && o.lbfgs >= 0:
			s.Steps = o.lbfgs
		case !qn && o.adam >= 0:
			s.Steps = o.adam
		case qn && s.Steps == 0:
			s.Steps = defaultLBFGSSteps
		}
		if s.Optimizer == "adam" && o.lr > 0 {
			s.LR = o.lr
		}
		if s.Steps == 0 && (o.adam == 0 && !qn || o.lbfgs == 0 && qn) {
			continue // -adam 0 or -lbfgs 0: none
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("-adam 0 and -lbfgs 0 leave no training")
	}
	return out, nil
}

func describe(st []mlrt.Stage) string {
	var s []string
	for _, x := range st {
		d := x.Optimizer
		if x.Optimizer == "adam" && x.LR > 0 {
			d += fmt.Sprintf("(lr %g)", x.LR)
		}
		if x.Steps > 0 {
			d += fmt.Sprintf(" ×%d", x.Steps)
		}
		s = append(s, d)
	}
	return strings.Join(s, " then ")
}

func sortedKeys[V any](m map[string]V) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}
