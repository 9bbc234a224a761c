package ir

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/mlc-go/mlc/dsl"
)

// The train, optimizer and metric statements: Keras' settings, checked.

// knownMetrics are the metrics the runtime computes, besides top_K_accuracy.
var knownMetrics = map[string]bool{"binary_accuracy": true, "accuracy": true, "categorical_accuracy": true, "mae": true, "mse": true}

// topK reads top_K_accuracy: the fraction of samples whose class is among the K largest
// outputs. It returns 0 for any other name.
func topK(name string) int {
	var k int
	var rest string
	if n, _ := fmt.Sscanf(name, "top_%d_%s", &k, &rest); n != 2 || rest != "accuracy" || name != fmt.Sprintf("top_%d_accuracy", k) {
		return 0
	}
	return k
}

// checkMetrics checks the metrics that compare classes against the model. binary_accuracy
// thresholds each output at 0.5, and so does accuracy, except for a classifier (a loss
// with a categorical cross-entropy): there accuracy, categorical_accuracy and
// top_K_accuracy compare the class of the largest outputs with the target's class, as
// Keras does, so the model's output must be the classes' values and its target their
// label or one value per class.
func (l *lowerer) checkMetrics() {
	m := l.m
	targets := 0
	for _, t := range m.Targets {
		targets += t.Size()
	}
	for _, id := range l.metrics {
		name := id.Name
		k := topK(name)
		if name != "categorical_accuracy" && k == 0 && !(name == "accuracy" && m.Classes > 0) {
			// Elementwise: each output against the target value in its place (a model
			// without targets is compared with its inputs, an autoencoder's).
			if len(m.Targets) > 0 && targets != m.Output.Size() {
				l.errorf(id.Pos, "%s compares each output with the target value in its place, but the model gives %d outputs a row and its targets %d",
					name, m.Output.Size(), targets)
			}
			continue
		}
		switch want := map[bool]int{true: 1, false: m.Classes}[m.Labels != ""]; {
		case m.Classes == 0:
			l.errorf(id.Pos, "%s compares classes: it needs a classifier, a loss with categorical_crossentropy (for one probability per output, binary_accuracy)", name)
		case m.Output.Size() != m.Classes:
			l.errorf(id.Pos, "%s compares the model's output with its target, but the output gives %d values and the classifier (its loss at %d:%d) has %d classes: the class probabilities should be the model's output",
				name, m.Output.Size(), m.ClassesPos.Line, m.ClassesPos.Col, m.Classes)
		case targets != want:
			l.errorf(id.Pos, "%s compares the model's output with its target, which should be %s (%d values a row), but the targets give %d",
				name, map[bool]string{true: "the class label", false: "one value per class"}[m.Labels != ""], want, targets)
		case k >= m.Classes:
			l.errorf(id.Pos, "%s of %d classes is always 1: K must be below the number of classes", name, m.Classes)
		}
	}
}

// optimizerArgs are each optimizer's arguments with their defaults (Keras', and for
// L-BFGS the history of the PyTorch reference).
var optimizerArgs = map[string]map[string]float64{
	"adam":  {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7, "steps": 0, "weight_decay": 0, "clipnorm": 0, "global_clipnorm": 0},
	"adamw": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7, "steps": 0, "weight_decay": 0.004, "clipnorm": 0, "global_clipnorm": 0},
	"sgd":   {"lr": 0.01, "momentum": 0, "steps": 0, "weight_decay": 0, "clipnorm": 0, "global_clipnorm": 0},
	"lbfgs": {"steps": 0, "memory": 100},
	"bfgs":  {"steps": 0},
}

// QuasiNewton says whether an optimizer is a full-batch quasi-Newton method, counted in
// iterations and taking no learning rate or schedule.
func QuasiNewton(name string) bool { return name == "lbfgs" || name == "bfgs" }

// maxBFGSParams is the most parameters bfgs takes (its inverse Hessian is then 800 MB); the
// runtime's MaxBFGSParams.
const maxBFGSParams = 10000

// miniBatchOnly are the optimizer arguments a full-batch model's stages do not take.
var miniBatchOnly = []string{"weight_decay", "clipnorm", "global_clipnorm"}

// LRSchedule is an optimizer's `schedule = NAME(...)`: how mini-batch training changes the
// learning rate from epoch to epoch.
type LRSchedule struct {
	Name string // exponential, step, cosine or plateau
	Args map[string]float64
	Pos  dsl.Pos
}

// scheduleArgs are each schedule's arguments with their defaults; NaN marks one that must
// be given.
var scheduleArgs = map[string]map[string]float64{
	"exponential": {"rate": math.NaN(), "every": 1},
	"step":        {"rate": math.NaN(), "every": math.NaN()},
	"cosine":      {"warmup": 0, "min_lr": 0},
	"plateau":     {"factor": 0.1, "patience": 10, "min_lr": 0},
}

// scheduleUsage shows each schedule, for messages.
var scheduleUsage = map[string]string{
	"exponential": "exponential(rate = 0.9, every = 10)", "step": "step(rate = 0.5, every = 20)",
	"cosine": "cosine(warmup = 5)", "plateau": "plateau(factor = 0.5, patience = 5)",
}

// schedule reads schedule = NAME(ARGS).
func (l *lowerer) schedule(opt string, e dsl.Expr) *LRSchedule {
	c, ok := e.(*dsl.Call)
	if ok && c.Lparen.Line == 0 {
		ok = false
	}
	var known []string
	for _, u := range scheduleUsage {
		known = append(known, u)
	}
	sort.Strings(known)
	if !ok {
		l.errorf(e.ExprPos(), "%s: expected a schedule: %s", opt, orList(known))
		return nil
	}
	defaults, ok := scheduleArgs[c.Fun.Name]
	if !ok {
		l.errorf(c.Fun.Pos, "unknown schedule '%s'; expected %s", c.Fun.Name, orList(known))
		return nil
	}
	s := &LRSchedule{Name: c.Fun.Name, Args: copyDefaults(defaults), Pos: c.Fun.Pos}
	for _, a := range c.Args {
		if a.Name == nil {
			l.errorf(a.Value.ExprPos(), "expected a named argument, as in %s", scheduleUsage[s.Name])
			return nil
		}
		if _, ok := defaults[a.Name.Name]; !ok {
			l.errorf(a.Name.Pos, "%s has no argument '%s'; expected %s", s.Name, a.Name.Name, orList(slices.Sorted(maps.Keys(defaults))))
			return nil
		}
		v, ok := l.constExpr(a.Value)
		if !ok {
			return nil
		}
		integer := v == math.Trunc(v)
		bad := ""
		switch a.Name.Name {
		case "rate":
			if !(v > 0) {
				bad = "a rate > 0 (the factor per every epochs)"
			}
		case "every", "patience":
			if !integer || v < 1 || v > maxSize {
				bad = "a number of epochs (an integer from 1)"
			}
		case "warmup":
			if !integer || v < 0 || v > maxSize {
				bad = "a number of epochs (an integer from 0)"
			}
		case "min_lr":
			if !(v >= 0) {
				bad = "a learning rate ≥ 0"
			}
		case "factor":
			if !(v > 0 && v < 1) {
				bad = "a factor between 0 and 1 (exclusive)"
			}
		}
		if bad != "" {
			l.errorf(a.Value.ExprPos(), "%s: expected %s, found %v", s.Name, bad, v)
			return nil
		}
		s.Args[a.Name.Name] = v
	}
	for _, k := range slices.Sorted(maps.Keys(s.Args)) {
		if math.IsNaN(s.Args[k]) {
			l.errorf(c.Fun.Pos, "%s needs %s, as in %s", s.Name, k, scheduleUsage[s.Name])
			return nil
		}
	}
	return s
}

// checkMiniBatchOptimizer refuses, in a full-batch model, what only mini-batch training
// does (weight decay, clipping, schedules), and in a mini-batch one a schedule's settings
// that do not fit its epochs.
func (l *lowerer) checkMiniBatchOptimizer() {
	for _, o := range l.m.Optimizers {
		if len(l.m.PointSets) > 0 {
			bad := ""
			for _, k := range miniBatchOnly {
				if o.Args[k] != 0 && (o.Name != "adamw" || k != "weight_decay") {
					bad = k
				}
			}
			switch {
			case o.Name == "adamw":
				bad = "adamw"
			case o.Schedule != nil:
				bad = "a schedule"
			}
			switch {
			case bad == "adamw":
				l.errorf(o.Pos, "adamw is for mini-batch training; a full-batch model's stages ('then') are adam, sgd, lbfgs and bfgs")
			case bad != "":
				l.errorf(o.Pos, "%s: %s is for mini-batch training; a full-batch model's schedule is its stages ('then')", o.Name, bad)
			}
			continue
		}
		if o.Args["clipnorm"] > 0 && o.Args["global_clipnorm"] > 0 {
			l.errorf(o.Pos, "%s: give clipnorm (each tensor's gradient) or global_clipnorm (the whole gradient), not both", o.Name)
		}
		s := o.Schedule
		if s == nil {
			continue
		}
		epochs := float64(l.m.Settings.Epochs)
		switch {
		case s.Name == "cosine" && s.Args["warmup"] >= epochs:
			l.errorf(s.Pos, "cosine: a warm-up of %v epochs leaves none of the %v epochs to decay over", s.Args["warmup"], epochs)
		case s.Args["min_lr"] >= o.Args["lr"]:
			l.errorf(s.Pos, "%s: min_lr %v is not below the learning rate %v", s.Name, s.Args["min_lr"], o.Args["lr"])
		}
	}
}

// optimizerArgRange says what an optimizer argument must be when v is not that, else "".
func optimizerArgRange(name string, v float64) string {
	integer := v == math.Trunc(v)
	switch name {
	case "lr":
		if !(v > 0) {
			return "a learning rate lr > 0"
		}
	case "beta1", "beta2":
		if !(v > 0 && v < 1) {
			return name + " between 0 and 1 (exclusive)"
		}
	case "epsilon":
		if !(v > 0) {
			return "epsilon > 0"
		}
	case "momentum":
		if !(v >= 0 && v < 1) {
			return "a momentum in [0, 1)"
		}
	case "steps":
		if !integer || v < 0 || v > maxSteps {
			return fmt.Sprintf("a number of steps (a whole number from 0 to 2^%d; 0: until the stop rule, or epochs)", maxStepsLog2)
		}
	case "memory":
		if !integer || v < 1 || v > 10000 {
			return "an L-BFGS history (an integer from 1 to 10000)"
		}
	case "weight_decay":
		if !(v >= 0 && v < 1) {
			return "a weight decay in [0, 1) (the fraction of a weight taken off per unit learning rate)"
		}
	case "clipnorm", "global_clipnorm":
		if !(v >= 0) || math.IsInf(v, 0) {
			return "a gradient norm ≥ 0 (0: no clipping)"
		}
	}
	return ""
}

// maxSteps bounds an optimizer stage's steps: generated code holds them in an int.
const maxSteps = 1 << maxStepsLog2

const maxStepsLog2 = 40

// scheduleOr is an optimizer's arguments and schedule, for messages.
func scheduleOr(m map[string]float64) map[string]float64 {
	c := copyDefaults(m)
	c["schedule"] = 0
	return c
}

func copyDefaults(m map[string]float64) map[string]float64 {
	c := make(map[string]float64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func keys[V any](m map[string]V) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

func (l *lowerer) optimizer(c *dsl.Call) {
	defaults, ok := optimizerArgs[c.Fun.Name]
	if !ok {
		l.errorf(c.Fun.Pos, "unknown optimizer '%s'; expected one of %s", c.Fun.Name, keys(optimizerArgs))
		return
	}
	o := &Optimizer{Name: c.Fun.Name, Args: copyDefaults(defaults), Pos: c.Fun.Pos}
	for _, a := range c.Args {
		names := keys(defaults)
		if !QuasiNewton(c.Fun.Name) {
			names = keys(scheduleOr(defaults))
		}
		if a.Name == nil {
			l.errorf(a.Value.ExprPos(), "expected a named argument (%s)", names)
			continue
		}
		if a.Name.Name == "schedule" && !QuasiNewton(c.Fun.Name) {
			if o.Schedule != nil {
				l.errorf(a.Name.Pos, "%s: a second schedule", c.Fun.Name)
				continue
			}
			o.Schedule = l.schedule(c.Fun.Name, a.Value)
			continue
		}
		if _, ok := defaults[a.Name.Name]; !ok {
			l.errorf(a.Name.Pos, "%s has no argument '%s'; expected one of %s", c.Fun.Name, a.Name.Name, names)
			continue
		}
		if v, ok := l.constExpr(a.Value); ok {
			if msg := optimizerArgRange(a.Name.Name, v); msg != "" {
				l.errorf(a.Value.ExprPos(), "%s: expected %s, found %v", c.Fun.Name, msg, v)
				continue
			}
			o.Args[a.Name.Name] = v
		}
	}
	l.m.Optimizers = append(l.m.Optimizers, o)
}

func (l *lowerer) settings(s *dsl.TrainStmt) {
	st := &l.m.Settings
	for _, a := range s.Args {
		if a.Name == nil {
			if c, ok := a.Value.(*dsl.Call); ok && c.Fun.Name == "stop_when" {
				l.stopWhen(c)
				continue
			}
			if c, ok := a.Value.(*dsl.Call); ok && c.Fun.Name == "causal" {
				l.causal(c)
				continue
			}
			c, ok := a.Value.(*dsl.Call)
			if !ok || c.Fun.Name != "early_stopping" {
				l.errorf(a.Value.ExprPos(), "expected a setting such as epochs = 100 or early_stopping(patience = 5)")
				continue
			}
			st.Patience = 5
			for _, ca := range c.Args {
				switch {
				case ca.Name != nil && ca.Name.Name == "patience":
					if v, ok := l.intExpr(ca.Value, "a patience"); ok {
						st.Patience = v
					}
				case ca.Name != nil && ca.Name.Name == "restore_best":
					st.RestoreBest = l.boolExpr(ca.Value)
				default:
					l.errorf(ca.Value.ExprPos(), "early_stopping takes patience = N and restore_best = true|false")
				}
			}
			continue
		}
		switch a.Name.Name {
		case "balance":
			l.balance(a.Value)
		case "resample":
			l.resample(a.Value)
		case "stop_when":
			l.errorf(a.Name.Pos, "write stop_when(rel_change < X, patience = N)")
		case "epochs":
			if v, ok := l.intExpr(a.Value, "a number of epochs"); ok {
				st.Epochs, st.EpochsGiven = v, true
			}
		case "batch", "batch_size":
			if v, ok := l.intExpr(a.Value, "a batch size"); ok {
				st.Batch, st.BatchGiven = v, true
			}
		case "validation_split":
			if v, ok := l.constExpr(a.Value); ok {
				if v < 0 || v >= 1 {
					l.errorf(a.Value.ExprPos(), "expected a validation split in [0, 1), found %v", v)
				}
				st.ValidationSplit = v
			}
		case "folds":
			if v, ok := l.intExpr(a.Value, "a number of folds"); ok {
				if v < 2 {
					l.errorf(a.Value.ExprPos(), "expected a number of folds from 2 (k-fold cross-validation), found %d", v)
				}
				st.Folds, st.FoldsPos = v, a.Name.Pos
			}
		case "shuffle":
			st.Shuffle = l.boolExpr(a.Value)
		case "seed":
			if v, ok := l.constExpr(a.Value); ok {
				if v < 0 || v != math.Trunc(v) || v >= 1<<53 {
					l.errorf(a.Value.ExprPos(), "expected a seed (an integer from 0 to 2^53), found %v", v)
				}
				st.Seed = uint64(v)
			}
		default:
			l.errorf(a.Name.Pos, "unknown setting '%s'; expected epochs, batch, validation_split, shuffle, seed, folds or early_stopping(...)", a.Name.Name)
		}
	}
}

// stopWhen reads stop_when(rel_change < X, patience = N).
func (l *lowerer) stopWhen(c *dsl.Call) {
	st := &l.m.Settings
	st.StopPatience = 10
	for _, a := range c.Args {
		switch {
		case a.Name == nil:
			b, ok := a.Value.(*dsl.Binary)
			id, isID := (*dsl.Ident)(nil), false
			if ok {
				id, isID = b.X.(*dsl.Ident)
			}
			if !ok || b.Op != "<" || !isID || id.Name != "rel_change" {
				l.errorf(a.Value.ExprPos(), "expected rel_change < X")
				continue
			}
			if v, ok := l.constExpr(b.Y); ok {
				if v <= 0 {
					l.errorf(b.Y.ExprPos(), "expected a positive relative change, found %v", v)
				}
				st.StopRelChange = v
			}
		case a.Name.Name == "patience":
			if v, ok := l.intExpr(a.Value, "a patience"); ok {
				st.StopPatience = v
			}
		default:
			l.errorf(a.Name.Pos, "stop_when takes rel_change < X and patience = N")
		}
	}
}

func (l *lowerer) boolExpr(e dsl.Expr) bool {
	if id, ok := e.(*dsl.Ident); ok && (id.Name == "true" || id.Name == "false") {
		return id.Name == "true"
	}
	l.errorf(e.ExprPos(), "expected true or false")
	return false
}
