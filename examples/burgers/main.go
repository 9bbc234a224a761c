// Command burgers trains the tutorial's physics-informed network for the viscous Burgers
// equation, u_t + u·u_x − (0.01/π)·u_xx = 0 on x ∈ [−1, 1], t ∈ [0, 1], and compares it
// with the exact (Cole–Hopf) solution.
//
// The model is burgers.ml, compiled by mlc into ../../generated/burgers (float64) and
// ../../generated/burgers32 (float32). Points as in the tutorial: 100 on each boundary
// (t = 0; x = ±1), 5000 interior points by Latin-hypercube sampling — by default a
// multi-jittered one, also stratified on a 100 × 50 grid (-sampling lhs gives the tutorial's
// plain Latin hypercube; see README.md for what the difference does). The default schedule
// is the one the .ml file gives: Adam (lr 1e-3) for 1000 steps, then L-BFGS.
//
//	go run ./examples/burgers                  # float64, Adam ×1000 then L-BFGS ×10000 (a step budget)
//	go run ./examples/burgers -dtype float32 -time 60s
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/mlc-go/mlc/generated/burgers"
	"github.com/mlc-go/mlc/generated/burgers32"
	exact "github.com/mlc-go/mlc/pde/burgers"
	"github.com/mlc-go/mlc/pde/sample"
	"github.com/mlc-go/mlc/plots"
	mlrt "github.com/mlc-go/mlc/runtime"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "burgers:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	seed        uint64
	dtype       string
	adamSteps   int
	lr          float64
	schedule    string
	stages      []mlrt.Stage // -schedule read, with -lr, -adam and -lbfgs
	lbfgsSteps  int
	timeLimit   time.Duration
	nInterior   int
	nBoundary   int
	every       int
	jsonOut     bool
	quiet       bool
	outDir      string
	noFiles     bool
	tutorialAdm bool
	sampling    string
}

// summary is the -json line.
type summary struct {
	RelL2        float64     `json:"rel_l2"`
	BestRelL2    float64     `json:"best_rel_l2"`
	TrainSeconds float64     `json:"train_seconds"`
	FinalLoss    float64     `json:"final_loss"`
	Terms        []float64   `json:"terms"`
	TermNames    []string    `json:"term_names"`
	Steps        int         `json:"steps"`
	Evaluations  int         `json:"evaluations"`
	Stops        []string    `json:"stops"`
	DType        string      `json:"dtype"`
	Seed         uint64      `json:"seed"`
	Sampling     string      `json:"sampling"`
	Points       int         `json:"points"`
	Curve        [][]float64 `json:"curve"` // [seconds, rel_l2, loss]
	Weights      string      `json:"weights,omitempty"`
	ReloadRelL2  float64     `json:"reload_rel_l2,omitempty"`
}

func run(args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("burgers", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Uint64Var(&o.seed, "seed", 1, "seed for the initial weights and the interior points")
	fs.StringVar(&o.dtype, "dtype", "float64", "float64 or float32")
	fs.StringVar(&o.schedule, "schedule", "adam,lbfgs", "optimizer schedule: adam, lbfgs or adam,lbfgs")
	fs.IntVar(&o.adamSteps, "adam", 1000, "Adam steps (the .ml file's default)")
	fs.Float64Var(&o.lr, "lr", 1e-3, "Adam learning rate")
	fs.IntVar(&o.lbfgsSteps, "lbfgs", 10000, "L-BFGS iterations (0: until converged or out of time); a step budget, so a run gives the same result on a loaded machine as on a quiet one")
	fs.DurationVar(&o.timeLimit, "time", 0, "training time limit (0: none, the default: the step budgets decide)")
	fs.IntVar(&o.nInterior, "interior", 5000, "interior collocation points (Latin hypercube)")
	fs.IntVar(&o.nBoundary, "boundary", 100, "points on each of the three boundaries")
	fs.IntVar(&o.every, "every", 50, "evaluate the error against the exact solution every this many steps")
	fs.BoolVar(&o.jsonOut, "json", false, "print a JSON summary as the last line")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress output")
	fs.StringVar(&o.outDir, "out", ".", "`dir`ectory for the PNGs and burgers.weights")
	fs.BoolVar(&o.noFiles, "nofiles", false, "write no PNG or weights")
	fs.StringVar(&o.sampling, "sampling", "multijitter", "interior points: multijitter (a Latin hypercube also stratified on a 100 × 50 grid: no holes) or lhs (the tutorial's plain Latin hypercube)")
	fs.BoolVar(&o.tutorialAdm, "tutorial", false, "the tutorial's own setting: Adam lr 1e-4 full-batch with its stop rule, up to 10000 epochs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.sampling != "lhs" && o.sampling != "multijitter" {
		return fmt.Errorf("-sampling %q: want lhs or multijitter", o.sampling)
	}
	if o.nInterior < 0 || o.nBoundary < 1 {
		return errors.New("-interior must be ≥ 0 and -boundary ≥ 1")
	}
	var err error
	if o.stages, err = stages(o); err != nil {
		return err
	}
	switch o.dtype {
	case "float64":
		m := burgers.New()
		defer m.Close()
		return train(o, m, burgers.FitConfig(), m.Init, m.SetPoints, m.Predict, toPoints64, stdout, stderr)
	case "float32":
		m := burgers32.New()
		defer m.Close()
		return train(o, m, burgers32.FitConfig(), m.Init, m.SetPoints, m.Predict, toPoints32, stdout, stderr)
	}
	return fmt.Errorf("-dtype %q: want float64 or float32", o.dtype)
}

// stages turns -schedule into the optimizer stages of the fit.
func stages(o options) ([]mlrt.Stage, error) {
	var st []mlrt.Stage
	for _, name := range strings.Split(o.schedule, ",") {
		switch strings.TrimSpace(name) {
		case "adam":
			st = append(st, mlrt.Stage{Optimizer: "adam", LR: o.lr, Steps: o.adamSteps})
		case "lbfgs":
			st = append(st, mlrt.Stage{Optimizer: "lbfgs", Steps: o.lbfgsSteps})
		default:
			return nil, fmt.Errorf("-schedule: unknown optimizer %q (adam, lbfgs)", name)
		}
	}
	return st, nil
}

// pointSets are the tutorial's points, in float64.
type pointSets struct {
	bx, bt, bu []float64 // boundary: t = 0, then x = -1, then x = 1
	ix, it     []float64 // interior
}

func makePoints(o options) pointSets {
	var p pointSets
	xs := sample.Linspace(-1, 1, o.nBoundary)
	for _, x := range xs {
		p.bx, p.bt, p.bu = append(p.bx, x), append(p.bt, 0), append(p.bu, -math.Sin(math.Pi*x))
	}
	ts := sample.Linspace(1/float64(o.nBoundary), 1, o.nBoundary)
	for _, side := range []float64{-1, 1} {
		for _, t := range ts {
			p.bx, p.bt, p.bu = append(p.bx, side), append(p.bt, t), append(p.bu, 0)
		}
	}
	rng := rand.New(rand.NewPCG(o.seed, 0x9e3779b97f4a7c15))
	var interior [][]float64
	if o.sampling == "multijitter" {
		interior = sample.MultiJittered(rng, o.nInterior, [2]float64{-1, 0}, [2]float64{1, 1})
	} else {
		interior = sample.LatinHypercube(rng, o.nInterior, []float64{-1, 0}, []float64{1, 1})
	}
	for _, pt := range interior {
		p.ix, p.it = append(p.ix, pt[0]), append(p.it, pt[1])
	}
	return p
}

func conv[T mlrt.Float](v []float64) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}

func toPoints64(p pointSets) *burgers.Points {
	return &burgers.Points{
		Boundary: burgers.BoundaryPoints{X: p.bx, T: p.bt, UBd: p.bu},
		Interior: burgers.InteriorPoints{X: p.ix, T: p.it},
	}
}

func toPoints32(p pointSets) *burgers32.Points {
	return &burgers32.Points{
		Boundary: burgers32.BoundaryPoints{X: conv[float32](p.bx), T: conv[float32](p.bt), UBd: conv[float32](p.bu)},
		Interior: burgers32.InteriorPoints{X: conv[float32](p.ix), T: conv[float32](p.it)},
	}
}

// train runs the whole example for one dtype.
func train[T mlrt.Float, P any](o options, m mlrt.FullBatch[T], cfg mlrt.FitConfig, initW func(*mlrt.RNG),
	setPoints func(P) error, predict func(dst, xs, ts []T), toPoints func(pointSets) P, stdout, stderr io.Writer) error {
	initW(mlrt.NewRNG(o.seed))
	pts := makePoints(o)
	if err := setPoints(toPoints(pts)); err != nil {
		return err
	}
	// The exact solution on the published 256 × 100 grid, for the error.
	gx, gt := exact.ReferenceGrid()
	want := exact.ExactGrid(gx, gt)
	qx, qt := make([]T, 0, len(want)), make([]T, 0, len(want))
	for _, x := range gx {
		for _, t := range gt {
			qx, qt = append(qx, T(x)), append(qt, T(t))
		}
	}
	got := make([]T, len(want))
	got64 := make([]float64, len(want))
	relL2 := func() float64 {
		predict(got, qx, qt)
		for i, v := range got {
			got64[i] = float64(v)
		}
		return exact.RelL2(got64, want)
	}

	if o.tutorialAdm {
		cfg.Stages = []mlrt.Stage{{Optimizer: "adam", LR: 1e-4, Steps: 10000}}
		cfg.StopRelChange, cfg.StopPatience = 1e-4, 10
	} else {
		cfg.Stages = o.stages
		// The .ml file's stop rule is for the tutorial's slow Adam; a 1000-step warm-up runs in full.
		cfg.StopRelChange = 0
	}
	cfg.TimeLimit = o.timeLimit
	cfg.Out = stderr
	cfg.Quiet = o.quiet
	cfg.Every = o.every
	sum := summary{DType: o.dtype, Seed: o.seed, Sampling: o.sampling, Points: len(pts.bx) + len(pts.ix), TermNames: m.TermNames(), BestRelL2: math.Inf(1)}
	cfg.Observe = func(r *mlrt.FitRecord) {
		e := relL2()
		if r.Extra == nil {
			r.Extra = map[string]float64{}
		}
		r.Extra["rel_l2"] = e
		sum.BestRelL2 = math.Min(sum.BestRelL2, e)
		sum.Curve = append(sum.Curve, []float64{r.Seconds, e, r.Loss})
	}
	fmt.Fprintf(stderr, "burgers: %s, %d boundary + %d interior points, %d parameters, schedule %s, time limit %v\n",
		o.dtype, len(pts.bx), len(pts.ix), len(m.Params()), describe(cfg.Stages), o.timeLimit)
	hist, err := mlrt.Fit(m, cfg)
	if err != nil {
		return err
	}
	sum.RelL2 = relL2()
	sum.BestRelL2 = math.Min(sum.BestRelL2, sum.RelL2)
	sum.TrainSeconds = hist.Seconds
	sum.FinalLoss = m.Loss()
	sum.Terms = append([]float64(nil), m.Terms()...)
	sum.Steps, sum.Evaluations, sum.Stops = hist.Steps, hist.Evaluations, hist.Stops
	sum.Curve = append(sum.Curve, []float64{hist.Seconds, sum.RelL2, sum.FinalLoss})

	fmt.Fprintf(stdout, "\nburgers (%s): rel. L2 error against the exact solution %.3e after %.1f s of training (%d steps, %d evaluations)\n",
		o.dtype, sum.RelL2, sum.TrainSeconds, sum.Steps, sum.Evaluations)
	fmt.Fprintf(stdout, "  final loss %.4e:", sum.FinalLoss)
	for i, n := range sum.TermNames {
		fmt.Fprintf(stdout, "  %s %.3e", n, sum.Terms[i])
	}
	fmt.Fprintf(stdout, "\n  stops: %s\n", strings.Join(hist.Stops, "; "))
	fmt.Fprintf(stdout, "  error against time:")
	for i, c := range sum.Curve {
		if i%max(1, len(sum.Curve)/10) == 0 || i == len(sum.Curve)-1 {
			fmt.Fprintf(stdout, "  %.0fs %.2e", c[0], c[1])
		}
	}
	fmt.Fprintln(stdout)

	if !o.noFiles {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			return err
		}
		if err := writePlots(o.outDir, hist, m.TermNames(), sum.Curve, gx, gt, got64, want, predict); err != nil {
			return err
		}
		sum.Weights = filepath.Join(o.outDir, "burgers.weights")
		if err := mlrt.SaveWeights(sum.Weights, "Burgers", m.Params()); err != nil {
			return err
		}
		saved := append([]T(nil), m.Params()...)
		clear(m.Params())
		if err := mlrt.LoadWeights(sum.Weights, "Burgers", m.Params()); err != nil {
			return err
		}
		sum.ReloadRelL2 = relL2()
		for i := range saved {
			if saved[i] != m.Params()[i] {
				return fmt.Errorf("weights reloaded from %s differ at %d", sum.Weights, i)
			}
		}
		fmt.Fprintf(stdout, "  wrote burgers_field.png, burgers_error.png, burgers_profiles.png, burgers_loss.png and %s (reloaded: rel. L2 %.3e)\n", sum.Weights, sum.ReloadRelL2)
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

func describe(st []mlrt.Stage) string {
	var s []string
	for _, x := range st {
		d := x.Optimizer
		if x.Optimizer == "adam" {
			d += fmt.Sprintf("(lr %g)", x.LR)
		}
		if x.Steps > 0 {
			d += fmt.Sprintf("×%d", x.Steps)
		}
		s = append(s, d)
	}
	return strings.Join(s, " then ")
}

func writePlots[T mlrt.Float](dir string, h *mlrt.FitHistory, names []string, curve [][]float64, gx, gt []float64,
	got, want []float64, predict func(dst, xs, ts []T)) error {
	// The tutorial's 512 × 1024 (x, t) grid for the field.
	fx, ft := sample.Linspace(-1, 1, 512), sample.Linspace(0, 1, 1024)
	qx, qt := make([]T, 0, len(fx)*len(ft)), make([]T, 0, len(fx)*len(ft))
	for _, t := range ft {
		for _, x := range fx {
			qx, qt = append(qx, T(x)), append(qt, T(t))
		}
	}
	u := make([]T, len(qx))
	predict(u, qx, qt)
	field := plots.Grid{X: ft, Y: fx, Z: make([]float64, len(u))}
	for j := range ft {
		for i := range fx {
			field.Z[j*len(fx)+i] = float64(u[j*len(fx)+i])
		}
	}
	if err := plots.SaveRow(filepath.Join(dir, "burgers_field.png"), 16*vg.Centimeter, 10*vg.Centimeter,
		plots.Heat("u(x, t) predicted", "t", "x", field, true)); err != nil {
		return err
	}
	errField := plots.Grid{X: gt, Y: gx, Z: make([]float64, len(got))}
	for i := range gx {
		for j := range gt {
			errField.Z[j*len(gx)+i] = math.Abs(got[i*len(gt)+j] - want[i*len(gt)+j])
		}
	}
	if err := plots.SaveRow(filepath.Join(dir, "burgers_error.png"), 16*vg.Centimeter, 10*vg.Centimeter,
		plots.Heat("|u − u_exact|", "t", "x", errField, false)); err != nil {
		return err
	}
	// Profiles at t = 0, 0.25, 0.5, 0.75, 1 against the exact solution.
	px := sample.Linspace(-1, 1, 401)
	var ps []plots.Series
	for k, t := range []float64{0, 0.25, 0.5, 0.75, 1} {
		qx, qt := make([]T, len(px)), make([]T, len(px))
		ex := make([]float64, len(px))
		for i, x := range px {
			qx[i], qt[i] = T(x), T(t)
			ex[i] = exact.Exact(x, t)
		}
		pu := make([]T, len(px))
		predict(pu, qx, qt)
		py := make([]float64, len(px))
		for i := range pu {
			py[i] = float64(pu[i])
		}
		ps = append(ps, plots.Series{Name: fmt.Sprintf("t = %g", t), X: px, Y: py, Color: k + 1},
			plots.Series{Name: fmt.Sprintf("t = %g exact", t), X: px, Y: ex, Color: k + 1, Dashed: true})
	}
	pl, err := plots.Lines("u(x, t) profiles against the exact solution", "x", "u", false, ps...)
	if err != nil {
		return err
	}
	if err := plots.SaveRow(filepath.Join(dir, "burgers_profiles.png"), 20*vg.Centimeter, 12*vg.Centimeter, pl); err != nil {
		return err
	}
	// Loss terms against step, and the error against time.
	series := make([]plots.Series, len(names)+1)
	series[0].Name = "loss"
	for i, n := range names {
		series[i+1].Name = n
	}
	for _, r := range h.Records {
		series[0].X, series[0].Y = append(series[0].X, float64(r.Step)), append(series[0].Y, r.Loss)
		for i := range names {
			if i < len(r.Terms) {
				series[i+1].X, series[i+1].Y = append(series[i+1].X, float64(r.Step)), append(series[i+1].Y, r.Terms[i])
			}
		}
	}
	lp, err := plots.Lines("Loss", "step", "loss", true, series...)
	if err != nil {
		return err
	}
	var ct, ce []float64
	for _, c := range curve {
		ct, ce = append(ct, c[0]), append(ce, c[1])
	}
	ep, err := plots.Lines("Error against the exact solution", "training time (s)", "relative L2 error", true, plots.Series{Name: "rel. L2", X: ct, Y: ce})
	if err != nil {
		return err
	}
	return plots.SaveRow(filepath.Join(dir, "burgers_loss.png"), 26*vg.Centimeter, 10*vg.Centimeter, lp, ep)
}
