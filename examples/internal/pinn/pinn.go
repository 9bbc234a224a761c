// Package pinn is what the physics-informed examples beside Burgers share: the command-line
// flags, the fit with the error against the exact solution recorded as it trains, and the
// summary (a readable block and, with -json, one JSON line). An example gives its compiled
// model, its point sets and its exact solution; everything else is here.
package pinn

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
)

// Model is a compiled float64 point-set model (the generated package's *Model).
type Model interface {
	mlrt.FullBatch[float64]
	Init(rng *mlrt.RNG)
	Close()
}

// Problem is one example: its model and what the driver cannot know about it.
type Problem struct {
	Name  string // the command's name, for messages and files
	Model Model
	// Config is the .ml file's FitConfig; flags override its step counts.
	Config mlrt.FitConfig
	// SetPoints draws the point sets (collocation points from rng) and gives them to the model.
	SetPoints func(rng *rand.Rand) error
	// Errors returns the relative L2 error of each output against the exact solution on the
	// problem's evaluation points, by output name.
	Errors func() map[string]float64
	// TrueCoefficients are the values the data of an inverse problem come from, by the name
	// of their param statement: the summary gives each coefficient's relative error.
	TrueCoefficients map[string]float64
}

// options are the flags every example takes.
type options struct {
	seed      uint64
	adam      int
	lbfgs     int
	lr        float64
	every     int
	jsonOut   bool
	quiet     bool
	out       string
	noFiles   bool
	timeLimit time.Duration
}

// Summary is the -json line.
type Summary struct {
	Name         string             `json:"name"`
	Seed         uint64             `json:"seed"`
	RelL2        any                `json:"rel_l2"` // a number for one output, else by output name
	Errors       map[string]float64 `json:"errors"`
	Coefficients map[string]float64 `json:"coefficients,omitempty"`
	// CoefficientErrors are |fitted − true| / |true| for the coefficients whose true value
	// the problem knows.
	CoefficientErrors map[string]float64 `json:"coefficient_errors,omitempty"`
	TrainSeconds      float64            `json:"train_seconds"`
	FinalLoss         float64            `json:"final_loss"`
	Terms             map[string]float64 `json:"terms"`
	Steps             int                `json:"steps"`
	Evaluations       int                `json:"evaluations"`
	Stops             []string           `json:"stops"`
	Points            int                `json:"points"`
	Params            int                `json:"params"`
	Weights           string             `json:"weights,omitempty"`
	// Curve is the error against training time: [seconds, worst rel. L2, loss].
	Curve [][3]float64 `json:"curve"`
}

// Main runs p with the command line's flags and exits non-zero on an error.
func Main(p Problem) {
	if err := Run(p, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", p.Name, err)
		os.Exit(1)
	}
}

// Run trains p: flags, initial weights from -seed, points, the fit, the summary.
func Run(p Problem, args []string, stdout, stderr io.Writer) error {
	defer p.Model.Close()
	var o options
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Uint64Var(&o.seed, "seed", 1, "seed for the initial weights and the collocation points")
	fs.IntVar(&o.adam, "adam", -1, "Adam steps (-1: the .ml file's)")
	fs.Float64Var(&o.lr, "lr", 0, "Adam learning rate (0: the .ml file's)")
	fs.IntVar(&o.lbfgs, "lbfgs", -1, "L-BFGS iterations (-1: the .ml file's; 0: until converged)")
	fs.DurationVar(&o.timeLimit, "time", 0, "training time limit (0: none; the step budgets decide, so a loaded machine gives the same result)")
	fs.IntVar(&o.every, "every", 100, "record the loss and the error every this many steps")
	fs.BoolVar(&o.jsonOut, "json", false, "print a JSON summary as the last line")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress output")
	fs.StringVar(&o.out, "out", ".", "`dir`ectory for the weights")
	fs.BoolVar(&o.noFiles, "nofiles", false, "write no weights")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	m := p.Model
	m.Init(mlrt.NewRNG(o.seed))
	if err := p.SetPoints(rand.New(rand.NewPCG(o.seed, 0x9e3779b97f4a7c15))); err != nil {
		return err
	}
	cfg := p.Config
	for i := range cfg.Stages {
		s := &cfg.Stages[i]
		switch {
		case s.Optimizer == "lbfgs" && o.lbfgs >= 0:
			s.Steps = o.lbfgs
		case s.Optimizer != "lbfgs" && o.adam >= 0:
			s.Steps = o.adam
		}
		if s.Optimizer == "adam" && o.lr > 0 {
			s.LR = o.lr
		}
	}
	cfg.StopRelChange = 0 // the step budgets decide
	cfg.TimeLimit = o.timeLimit
	cfg.Out, cfg.Quiet, cfg.Every = stderr, o.quiet, o.every
	sum := Summary{Name: p.Name, Seed: o.seed, Points: pointsOf(m), Params: len(m.Params())}
	cfg.Observe = func(r *mlrt.FitRecord) {
		errs := p.Errors()
		if r.Extra == nil {
			r.Extra = map[string]float64{}
		}
		for k, v := range errs {
			r.Extra["rel_l2_"+k] = v
		}
		sum.Curve = append(sum.Curve, [3]float64{r.Seconds, worst(errs), r.Loss})
	}
	if !o.quiet {
		fmt.Fprintf(stderr, "%s: %d points, %d parameters, %s\n", p.Name, sum.Points, sum.Params, describe(cfg.Stages))
	}
	hist, err := mlrt.Fit[float64](m, cfg)
	if err != nil {
		return err
	}
	sum.Errors = p.Errors()
	sum.RelL2 = sum.Errors
	if len(sum.Errors) == 1 {
		for _, v := range sum.Errors {
			sum.RelL2 = v
		}
	}
	sum.TrainSeconds, sum.FinalLoss = hist.Seconds, m.Loss()
	sum.Steps, sum.Evaluations, sum.Stops = hist.Steps, hist.Evaluations, hist.Stops
	sum.Terms = map[string]float64{}
	for i, n := range m.TermNames() {
		sum.Terms[n] = m.Terms()[i]
	}
	if c, ok := m.(mlrt.Coefficients); ok {
		sum.Coefficients = map[string]float64{}
		for i, v := range c.Coefficients(nil) {
			name := c.CoefficientNames()[i]
			sum.Coefficients[name] = v
			if want, ok := p.TrueCoefficients[name]; ok {
				if sum.CoefficientErrors == nil {
					sum.CoefficientErrors = map[string]float64{}
				}
				sum.CoefficientErrors[name] = math.Abs(v-want) / math.Abs(want)
			}
		}
	}
	sum.Curve = append(sum.Curve, [3]float64{hist.Seconds, worst(sum.Errors), sum.FinalLoss})
	if !o.noFiles {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return err
		}
		sum.Weights = filepath.Join(o.out, p.Name+".weights")
		if err := mlrt.SaveWeights(sum.Weights, p.Name, m.Params()); err != nil {
			return err
		}
	}
	report(stdout, &sum)
	if o.jsonOut {
		b, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
	}
	return nil
}

// report prints the summary for a reader.
func report(w io.Writer, s *Summary) {
	fmt.Fprintf(w, "\n%s: after %.1f s of training (%d steps, %d evaluations; %s)\n", s.Name, s.TrainSeconds, s.Steps, s.Evaluations, strings.Join(s.Stops, "; "))
	for _, k := range sortedKeys(s.Errors) {
		fmt.Fprintf(w, "  rel. L2 error of %s against the exact solution: %.3e\n", k, s.Errors[k])
	}
	for _, k := range sortedKeys(s.Coefficients) {
		fmt.Fprintf(w, "  %s = %.6g", k, s.Coefficients[k])
		if e, ok := s.CoefficientErrors[k]; ok {
			fmt.Fprintf(w, " (%.3f %% from the true value)", 100*e)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  final loss %.4e:", s.FinalLoss)
	for _, k := range sortedKeys(s.Terms) {
		fmt.Fprintf(w, "  %s %.3e", k, s.Terms[k])
	}
	fmt.Fprintln(w)
	if s.Weights != "" {
		fmt.Fprintf(w, "  wrote %s\n", s.Weights)
	}
}

// RelL2 is ‖got − want‖₂ / ‖want‖₂.
func RelL2(got, want []float64) float64 {
	if len(got) != len(want) {
		panic(fmt.Sprintf("pinn: RelL2 of %d values against %d", len(got), len(want)))
	}
	var num, den float64
	for i, w := range want {
		d := got[i] - w
		num += d * d
		den += w * w
	}
	return math.Sqrt(num / den)
}

// Grid returns the columns of the points of a regular nx × ny grid over [x0, x1] × [y0, y1],
// x varying fastest.
func Grid(x0, x1 float64, nx int, y0, y1 float64, ny int) (xs, ys []float64) {
	for j := range ny {
		for i := range nx {
			xs = append(xs, x0+(x1-x0)*float64(i)/float64(nx-1))
			ys = append(ys, y0+(y1-y0)*float64(j)/float64(ny-1))
		}
	}
	return xs, ys
}

// Column returns the i-th values of rows (points as rows) as one column.
func Column(rows [][]float64, i int) []float64 {
	out := make([]float64, len(rows))
	for k, r := range rows {
		out[k] = r[i]
	}
	return out
}

// Unzip splits a Predict result with k outputs a point into k columns.
func Unzip(pred []float64, k int) [][]float64 {
	n := len(pred) / k
	out := make([][]float64, k)
	for j := range out {
		out[j] = make([]float64, n)
		for i := range n {
			out[j][i] = pred[i*k+j]
		}
	}
	return out
}

func worst(errs map[string]float64) float64 {
	w := 0.0
	for _, v := range errs {
		w = math.Max(w, v)
	}
	return w
}

func sortedKeys(m map[string]float64) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
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

// pointsOf is the number of points the model holds, when it says.
func pointsOf(m Model) int {
	if r, ok := m.(interface{ Rows() int }); ok {
		return r.Rows()
	}
	return 0
}
