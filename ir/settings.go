package ir

import (
	"fmt"
	"math"
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
	"adam":  {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7, "steps": 0},
	"sgd":   {"lr": 0.01, "momentum": 0, "steps": 0},
	"lbfgs": {"steps": 0, "memory": 100},
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
	}
	return ""
}

// maxSteps bounds an optimizer stage's steps: generated code holds them in an int.
const maxSteps = 1 << maxStepsLog2

const maxStepsLog2 = 40

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
		if a.Name == nil {
			l.errorf(a.Value.ExprPos(), "expected a named argument (%s)", keys(defaults))
			continue
		}
		if _, ok := defaults[a.Name.Name]; !ok {
			l.errorf(a.Name.Pos, "%s has no argument '%s'; expected one of %s", c.Fun.Name, a.Name.Name, keys(defaults))
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
			l.errorf(a.Name.Pos, "unknown setting '%s'; expected epochs, batch, validation_split, shuffle, seed or early_stopping(...)", a.Name.Name)
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
