package ir

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mlc-go/mlc/dsl"
)

// Model is a lowered .ml file: its declarations, its parameters and two graphs. Infer is
// the network as used for prediction (dropout off); Train is the training pass (dropout
// on) with the gradient of the loss with respect to every parameter.
type Model struct {
	Name    string
	NamePos dsl.Pos // where the model statement names it
	Source  string  // the file name as given to dsl.Parse
	DType   string  // float32 or float64

	Inputs  []*Tensor
	Targets []*Tensor
	Output  *Tensor // the network's output, what Predict returns
	Params  []*Param
	Layers  []*Layer

	// NumParams is the length of the flat parameter vector.
	NumParams int

	Infer *Pass
	Train *Pass

	Metrics    []string
	Optimizers []*Optimizer
	Settings   Settings

	// PointSets are the `points` statements, in order. A model with point sets is trained
	// full-batch on them (a physics-informed network); the batch is all their points, the
	// sets one after another.
	PointSets []*PointSet
	// TermNames names the terms of the loss (its top-level sum), as Pass.Terms.
	TermNames []string
}

// PointSet is a named set of points: the input columns and the values known there.
type PointSet struct {
	Name  string
	Known []*Tensor // per-point known values, e.g. u_bd; each [1]
	Pos   dsl.Pos
}

// Tensor is a declared input, target or output.
type Tensor struct {
	Name  string
	Shape []int
	Pos   dsl.Pos
}

// Size is the number of values per sample.
func (t *Tensor) Size() int { return size(t.Shape) }

// Layer records a layer for documentation in generated code.
type Layer struct {
	Name string // dense1, dropout1, ...
	Desc string // "dense 20, tanh"
	Pos  dsl.Pos
}

// Pass is one graph with its roots: the prediction, the loss and, for training, the
// gradient of the loss with respect to each of Model.Params (same order).
type Pass struct {
	Graph *Graph
	Pred  *Node
	Loss  *Node
	Grads []*Node
	// Terms are the summands of the loss, named by Model.TermNames.
	Terms []*Node
}

// Optimizer is one step of the optimizer schedule, e.g. adam(lr = 1e-3).
type Optimizer struct {
	Name string
	Args map[string]float64
	Pos  dsl.Pos
}

// Settings are the training settings of the `train` statement, with Keras' defaults.
type Settings struct {
	// StopRelChange and StopPatience are stop_when(rel_change < X, patience = N): stop a
	// full-batch run when the loss moved less than X·loss over the last N steps.
	StopRelChange float64
	StopPatience  int

	Epochs          int
	Batch           int
	BatchGiven      bool // the train statement set the batch
	ValidationSplit float64
	Shuffle         bool
	Seed            uint64
	Patience        int // 0: no early stopping
	RestoreBest     bool
}

// Lower checks a parsed file and builds its model. Errors are a dsl.ErrorList: each names
// its file:line:col; a shape mismatch names both shapes and where each was declared.
func Lower(f *dsl.File) (*Model, error) {
	l := &lowerer{file: f, m: &Model{Source: f.Name, DType: "float32"}, scope: map[string]*binding{}}
	l.m.Settings = Settings{Epochs: 1, Batch: 32, Shuffle: true, Seed: 1}
	l.run()
	sort.SliceStable(l.errs, func(i, j int) bool {
		a, b := l.errs[i].Pos, l.errs[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	if len(l.errs) > dsl.MaxErrors {
		l.errs = l.errs[:dsl.MaxErrors]
	}
	if err := l.errs.Err(); err != nil {
		return nil, err
	}
	return l.m, nil
}

type lowerer struct {
	file  *dsl.File
	m     *Model
	errs  dsl.ErrorList
	scope map[string]*binding
	// the layer statements in order, with repeats expanded
	layers []*dsl.LayerStmt
	specs  []*layerSpec // the layers read, once
	loss   *dsl.LossStmt
	lets   []*dsl.LetStmt
	// layerLimit is set once the layers went past MaxLayers (reported once)
	layerLimit bool
}

// points checks a points statement: its columns are the model's inputs, in their order.
func (l *lowerer) points(s *dsl.PointsStmt) {
	if len(l.m.PointSets) >= 64 {
		l.errorf(s.Pos, "too many point sets (at most 64)")
		return
	}
	set := &PointSet{Name: s.Name.Name, Pos: s.Name.Pos}
	if !l.declare(s.Name, &binding{kind: "points", set: len(l.m.PointSets), pos: s.Name.Pos}) {
		return
	}
	var want []string
	for _, in := range l.m.Inputs {
		want = append(want, in.Name)
	}
	var got []string
	for _, c := range s.Cols {
		got = append(got, c.Name)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		pos := s.Name.Pos
		if len(s.Cols) > 0 {
			pos = s.Cols[0].Pos
		}
		l.errorf(pos, "point set %s has columns (%s); the model's inputs are (%s), declared before it", s.Name.Name, strings.Join(got, ", "), strings.Join(want, ", "))
		return
	}
	for _, k := range s.Known {
		if l.declare(k, &binding{kind: "known", set: len(l.m.PointSets), shape: []int{1}, pos: k.Pos}) {
			set.Known = append(set.Known, &Tensor{Name: k.Name, Shape: []int{1}, Pos: k.Pos})
		}
	}
	l.m.PointSets = append(l.m.PointSets, set)
}

// binding is what a name in a loss expression refers to.
type binding struct {
	kind  string // "input", "target", "output", "const", "points", "known", "residual"
	set   int    // for "points": the set's index; for "known": the set it is known on
	expr  dsl.Expr
	shape []int
	value float64
	pos   dsl.Pos
}

// end is where a missing statement is reported: the end of the file.
func (l *lowerer) end() dsl.Pos {
	if l.file.End.Line > 0 {
		return l.file.End
	}
	return dsl.Pos{File: l.file.Name, Line: 1, Col: 1}
}

func (l *lowerer) errorf(pos dsl.Pos, format string, args ...any) {
	l.errs = append(l.errs, &dsl.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (l *lowerer) declare(id *dsl.Ident, b *binding) bool {
	if old, ok := l.scope[id.Name]; ok {
		l.errorf(id.Pos, "%s is already declared as %s at %d:%d", id.Name, old.kind, old.pos.Line, old.pos.Col)
		return false
	}
	l.scope[id.Name] = b
	return true
}

func (l *lowerer) run() {
	var modelPos, trainPos dsl.Pos
	for _, s := range l.file.Stmts {
		switch s := s.(type) {
		case *dsl.ModelStmt:
			if l.m.Name != "" {
				l.errorf(s.Pos, "second model statement; the model was named at %d:%d", modelPos.Line, modelPos.Col)
			}
			l.m.Name, l.m.NamePos, modelPos = s.Name.Name, s.Name.Pos, s.Pos
		case *dsl.DTypeStmt:
			if s.Name.Name != "float32" && s.Name.Name != "float64" {
				l.errorf(s.Name.Pos, "expected float32 or float64, found '%s'", s.Name.Name)
			}
			l.m.DType = s.Name.Name
		case *dsl.InputStmt:
			for _, d := range s.Decls {
				if l.declare(d.Name, &binding{kind: "input", shape: d.Shape, pos: d.Name.Pos}) {
					l.m.Inputs = append(l.m.Inputs, &Tensor{d.Name.Name, shapeOrScalar(d.Shape), d.Name.Pos})
				}
			}
		case *dsl.TargetStmt:
			for _, d := range s.Decls {
				if l.declare(d.Name, &binding{kind: "target", shape: d.Shape, pos: d.Name.Pos}) {
					l.m.Targets = append(l.m.Targets, &Tensor{d.Name.Name, shapeOrScalar(d.Shape), d.Name.Pos})
				}
			}
		case *dsl.ConstStmt:
			if v, ok := l.constExpr(s.Value); ok {
				l.declare(s.Name, &binding{kind: "const", value: v, pos: s.Name.Pos})
			}
		case *dsl.LayerStmt:
			if len(l.layers) >= MaxLayers {
				l.tooManyLayers(s.Pos)
				continue
			}
			l.layers = append(l.layers, s)
		case *dsl.RepeatStmt:
			l.repeat(s)
		case *dsl.LossStmt:
			if l.loss != nil {
				l.errorf(s.Pos, "second loss statement; write one loss as a sum of terms")
			}
			l.loss = s
		case *dsl.MetricStmt:
			for _, n := range s.Names {
				if !knownMetrics[n.Name] {
					l.errorf(n.Pos, "unknown metric '%s'; expected one of %s", n.Name, keys(knownMetrics))
				}
				l.m.Metrics = append(l.m.Metrics, n.Name)
			}
		case *dsl.OptimizerStmt:
			for _, c := range s.Steps {
				l.optimizer(c)
			}
		case *dsl.TrainStmt:
			if trainPos.Line > 0 {
				l.errorf(s.Pos, "second train statement; the settings were given at %d:%d (write them on one line, separated by commas)", trainPos.Line, trainPos.Col)
			}
			trainPos = s.Pos
			l.settings(s)
		case *dsl.PointsStmt:
			l.points(s)
		case *dsl.LetStmt:
			if l.declare(s.Name, &binding{kind: "residual", expr: s.Value, pos: s.Name.Pos}) {
				l.lets = append(l.lets, s)
			}
		default:
			internalf("unknown statement %T", s)
		}
	}
	if l.m.Name == "" {
		l.errorf(l.end(), "expected a 'model NAME' statement")
	}
	l.unusedLets()
	if len(l.m.Inputs) == 0 {
		l.errorf(l.end(), "expected an 'input' statement")
		return
	}
	if len(l.m.PointSets) > 0 && len(l.m.Targets) > 0 {
		l.errorf(l.m.Targets[0].Pos, "a model with point sets gives known values in its points statements, not as targets")
	}
	if len(l.m.Optimizers) == 0 {
		l.m.Optimizers = []*Optimizer{{Name: "adam", Args: copyDefaults(optimizerArgs["adam"])}}
	}
	if len(l.m.PointSets) == 0 {
		for _, o := range l.m.Optimizers {
			if o.Name == "lbfgs" {
				l.errorf(o.Pos, "lbfgs needs a full-batch model (one with points statements); mini-batch training takes adam or sgd")
			}
		}
		if len(l.m.Optimizers) > 1 {
			l.errorf(l.m.Optimizers[1].Pos, "an optimizer schedule ('then') is for full-batch models (with points statements); mini-batch training takes one optimizer")
		}
	}
	if len(l.errs) > 0 {
		return
	}
	in := l.inputShape()
	if in == nil {
		return
	}
	if len(l.layers) == 0 {
		l.errorf(l.m.Inputs[0].Pos, "the model has no layers")
		return
	}
	l.specs = l.layerSpecs(in)
	if len(l.errs) > 0 {
		return
	}
	last := l.specs[len(l.specs)-1]
	l.m.Output = &Tensor{Name: "output", Shape: last.shape.out, Pos: last.stmt.Pos}
	if last.stmt.Output != nil {
		l.m.Output.Name = last.stmt.Output.Name
	}
	l.m.Infer = l.buildPass(false)
	if len(l.errs) > 0 {
		return
	}
	l.m.Train = l.buildPass(true)
	if l.m.Train != nil && l.m.Train.Loss != nil {
		wrt := make([]*Node, len(l.m.Params))
		for i, p := range l.m.Params {
			wrt[i] = l.m.Train.Graph.ParamNode(p)
		}
		l.m.Train.Grads = Differentiate(l.m.Train.Graph, l.m.Train.Loss, wrt)
	}
}

// unusedLets refuses a let or residual that neither the loss nor another let uses: a
// residual left out of the loss is a mistake, not a definition to keep.
func (l *lowerer) unusedLets() {
	if l.loss == nil {
		return
	}
	used := map[string]bool{}
	var walk func(x dsl.Expr)
	walk = func(x dsl.Expr) {
		switch x := x.(type) {
		case *dsl.Ident:
			used[x.Name] = true
		case *dsl.Paren:
			walk(x.X)
		case *dsl.Unary:
			walk(x.X)
		case *dsl.Binary:
			walk(x.X)
			walk(x.Y)
		case *dsl.Call:
			for _, a := range x.Args {
				walk(a.Value)
			}
		}
	}
	walk(l.loss.Expr)
	for i := len(l.lets) - 1; i >= 0; i-- {
		s := l.lets[i]
		if !used[s.Name.Name] {
			l.errorf(s.Name.Pos, "%s %s is never used: the loss (or a later let) should use it", s.Keyword, s.Name.Name)
			continue
		}
		walk(s.Value)
	}
}

// inputShape is the shape of the first layer's input: the one input, or several scalars
// and vectors one after another.
func (l *lowerer) inputShape() []int {
	in := l.m.Inputs
	total := 0
	for _, t := range in {
		if len(t.Shape) > 2 || len(t.Shape) == 2 && len(in) > 1 {
			l.errorf(t.Pos, "input %s has shape %v: inputs are vectors, scalars, or one [steps, channels] series", t.Name, t.Shape)
			return nil
		}
		total += t.Size()
	}
	if len(in) == 1 {
		return in[0].Shape
	}
	return []int{total}
}

func shapeOrScalar(s []int) []int {
	if s == nil {
		return []int{1}
	}
	return s
}

// tooManyLayers reports, once, the layer that goes past MaxLayers.
func (l *lowerer) tooManyLayers(pos dsl.Pos) {
	if !l.layerLimit {
		l.errorf(pos, "more than %d layers (repeats counted), mlc's limit", MaxLayers)
	}
	l.layerLimit = true
}

func (l *lowerer) repeat(s *dsl.RepeatStmt) {
	n, ok := l.intExpr(s.Count, "a repeat count")
	if !ok {
		return
	}
	for i := 0; i < n; i++ {
		for _, b := range s.Body {
			if len(l.layers) >= MaxLayers {
				l.tooManyLayers(s.Pos)
				return
			}
			switch b := b.(type) {
			case *dsl.LayerStmt:
				if b.Output != nil && n > 1 {
					l.errorf(b.Output.Pos, "a layer inside 'repeat %d' cannot name its output: the name would be bound %d times", n, n)
					return
				}
				l.layers = append(l.layers, b)
			case *dsl.RepeatStmt:
				l.repeat(b)
			default:
				l.errorf(b.StmtPos(), "only layers may be repeated")
				return
			}
		}
	}
}

// constExpr evaluates a constant expression: numbers, named constants, pi, arithmetic.
// A result that is not a finite number is an error at the expression.
func (l *lowerer) constExpr(e dsl.Expr) (float64, bool) {
	v, ok := l.constValue(e)
	if ok && (math.IsInf(v, 0) || math.IsNaN(v)) {
		l.errorf(e.ExprPos(), "the constant is %v: expected a finite number", v)
		return 0, false
	}
	return v, ok
}

func (l *lowerer) constValue(e dsl.Expr) (float64, bool) {
	switch e := e.(type) {
	case *dsl.Number:
		return e.Value, true
	case *dsl.Paren:
		return l.constValue(e.X)
	case *dsl.Ident:
		if e.Name == "pi" {
			return math.Pi, true
		}
		if b, ok := l.scope[e.Name]; ok && b.kind == "const" {
			return b.value, true
		}
		l.errorf(e.Pos, "expected a constant, found '%s'", e.Name)
	case *dsl.Unary:
		v, ok := l.constValue(e.X)
		if e.Op == "-" {
			v = -v
		}
		return v, ok
	case *dsl.Binary:
		if e.Op == "<" || e.Op == ">" {
			l.errorf(e.OpPos, "expected a number, found a comparison ('%s')", e.Op)
			return 0, false
		}
		x, ok1 := l.constValue(e.X)
		y, ok2 := l.constValue(e.Y)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch e.Op {
		case "+":
			return x + y, true
		case "-":
			return x - y, true
		case "*":
			return x * y, true
		case "/":
			return x / y, true
		case "^":
			return math.Pow(x, y), true
		}
	case *dsl.Call:
		l.errorf(e.Fun.Pos, "expected a constant, found a call of '%s'", e.Fun.Name)
	}
	return 0, false
}

func (l *lowerer) intExpr(e dsl.Expr, what string) (int, bool) {
	v, ok := l.constExpr(e)
	if !ok {
		return 0, false
	}
	if v != math.Trunc(v) || v < 1 || v > maxSize {
		l.errorf(e.ExprPos(), "expected %s (an integer from 1 to %d), found %v", what, maxSize, v)
		return 0, false
	}
	return int(v), true
}

// MaxLayers bounds the layers of a model, repeats expanded: the generated code unrolls
// each layer, so its size grows with their number.
const MaxLayers = 1000

// maxSize bounds counts in a model (units, batch, repeats, epochs): beyond it a model
// would not fit in memory, and the generated arrays must stay reasonable.
const maxSize = 1 << 20

var knownMetrics = map[string]bool{"binary_accuracy": true, "accuracy": true, "mae": true, "mse": true}

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
				st.Epochs = v
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

// activations maps an activation name to its op (the rows of Ops marked Activation);
// linear is the identity. Set in init, after Ops.
var activations map[string]Op

// buildPass builds the graph of one pass from the layer specs and the loss: inference
// (dropout off) or training.
func (l *lowerer) buildPass(training bool) *Pass {
	first := !training // the inference pass is built first; it names the loss terms
	g := NewGraph()
	pass := &Pass{Graph: g}
	values := map[string]*Node{}
	var cols []*Node
	for _, t := range l.m.Inputs {
		leaf := g.Leaf(OpInput, t.Name, t.Shape, true, t.Pos)
		values[t.Name] = leaf
		cols = append(cols, leaf)
	}
	x := cols[0]
	if len(cols) > 1 {
		// Several inputs feed the first layer as one vector: [x; t].
		x = g.must(OpConcat, strings.ToLower(l.m.Name)+"_in", l.m.Inputs[0].Pos, cols...)
	}
	for _, sp := range l.specs {
		param := func(i int) *Node { return g.ParamNode(sp.params[i]) }
		x = sp.kind.build(g, sp, x, param, training)
		if out := sp.stmt.Output; out != nil {
			x.Name, x.Pos = out.Name, out.Pos
			values[out.Name] = x
		}
	}
	x.Name = l.m.Output.Name
	pass.Pred = x
	for _, t := range l.m.Targets {
		values[t.Name] = g.Leaf(OpTarget, t.Name, t.Shape, true, t.Pos)
	}
	for _, ps := range l.m.PointSets {
		for _, k := range ps.Known {
			values[k.Name] = g.Leaf(OpTarget, k.Name, k.Shape, true, k.Pos)
		}
	}
	le := &lossLowerer{l: l, g: g, values: values, inputs: map[string]*Node{}}
	for _, c := range cols {
		le.inputs[c.Name] = c
	}
	for _, s := range l.lets {
		v, ok := le.expr(s.Value)
		if !ok {
			return nil
		}
		if !v.Batched {
			l.errorf(s.Value.ExprPos(), "%s %s must be a value per point, found %s", s.Keyword, s.Name.Name, shapeStr(v))
			return nil
		}
		v.Name = s.Name.Name
		values[s.Name.Name] = v
	}
	if l.loss == nil {
		if first {
			l.errorf(l.end(), "expected a 'loss' statement")
		}
		return pass
	}
	loss, ok := le.expr(l.loss.Expr)
	if !ok {
		return nil
	}
	var names []string
	pass.Terms, names = le.terms(l.loss.Expr, loss)
	if first {
		l.m.TermNames = names
	}
	if len(loss.Shape) != 0 || loss.Batched {
		l.errorf(l.loss.Expr.ExprPos(), "the loss must be a scalar, found %s per sample; reduce it with mean(...)", shapeStr(loss))
		return nil
	}
	if !l.meansAreSums(g, loss) {
		return nil
	}
	loss.Name = "loss"
	pass.Loss = loss
	return pass
}

// lossLowerer turns a loss expression into graph nodes.
type lossLowerer struct {
	l      *lowerer
	g      *Graph
	values map[string]*Node
	inputs map[string]*Node
}

// terms splits the loss at its top-level + and - into named summands: a term is named after
// the one residual it uses, else after the point sets it averages over, else termN.
func (e *lossLowerer) terms(x dsl.Expr, loss *Node) ([]*Node, []string) {
	var parts []dsl.Expr
	var signs []bool
	var split func(x dsl.Expr, neg bool)
	split = func(x dsl.Expr, neg bool) {
		if p, ok := x.(*dsl.Paren); ok {
			x = p.X
		}
		if b, ok := x.(*dsl.Binary); ok && (b.Op == "+" || b.Op == "-") {
			split(b.X, neg)
			split(b.Y, neg != (b.Op == "-"))
			return
		}
		parts = append(parts, x)
		signs = append(signs, neg)
	}
	split(x, false)
	if len(parts) == 1 {
		name := e.termName(x)
		if name == "" {
			name = "loss"
		}
		return []*Node{loss}, []string{name}
	}
	var out []*Node
	var names []string
	used := map[string]bool{}
	for i, p := range parts {
		// Re-lowering a part finds the nodes the whole already has (they are shared).
		n, ok := e.expr(p)
		if !ok {
			return nil, nil
		}
		if signs[i] {
			n = e.g.must(OpNeg, "", p.ExprPos(), n)
		}
		name := e.termName(p)
		if name == "" || used[name] {
			name = fmt.Sprintf("term%d", i+1)
		}
		used[name] = true
		out = append(out, n)
		names = append(names, name)
		n.Name = "loss_" + name
	}
	return out, names
}

func (e *lossLowerer) termName(x dsl.Expr) string {
	var residuals, sets, funcs []string
	var walk func(x dsl.Expr)
	walk = func(x dsl.Expr) {
		switch x := x.(type) {
		case *dsl.Ident:
			if b := e.l.scope[x.Name]; b != nil && b.kind == "residual" {
				residuals = append(residuals, x.Name)
			}
		case *dsl.Paren:
			walk(x.X)
		case *dsl.Unary:
			walk(x.X)
		case *dsl.Binary:
			walk(x.X)
			walk(x.Y)
		case *dsl.Call:
			if x.Fun.Name == "mean" && len(x.Args) == 2 {
				sets = append(sets, setNames(x.Args[0].Value)...)
				walk(x.Args[1].Value)
				return
			}
			if lossFuncs[x.Fun.Name] && x.Fun.Name != "d" {
				funcs = append(funcs, x.Fun.Name)
			}
			for _, a := range x.Args {
				walk(a.Value)
			}
		}
	}
	walk(x)
	switch {
	case len(residuals) == 1:
		return residuals[0]
	case len(sets) > 0:
		return strings.Join(sets, "+")
	case len(funcs) == 1:
		return funcs[0]
	}
	return ""
}

// setOperator returns the first operator other than '+' in a sum of point sets, or nil.
func setOperator(x dsl.Expr) *dsl.Binary {
	switch x := x.(type) {
	case *dsl.Paren:
		return setOperator(x.X)
	case *dsl.Binary:
		if x.Op != "+" {
			return x
		}
		if bad := setOperator(x.X); bad != nil {
			return bad
		}
		return setOperator(x.Y)
	}
	return nil
}

// notASet returns the first part of a sum of point sets that is not a name, or nil.
func notASet(x dsl.Expr) dsl.Expr {
	switch x := x.(type) {
	case *dsl.Ident:
		return nil
	case *dsl.Paren:
		return notASet(x.X)
	case *dsl.Binary:
		if bad := notASet(x.X); bad != nil {
			return bad
		}
		return notASet(x.Y)
	}
	return x
}

func setNames(x dsl.Expr) []string {
	switch x := x.(type) {
	case *dsl.Ident:
		return []string{x.Name}
	case *dsl.Paren:
		return setNames(x.X)
	case *dsl.Binary:
		return append(setNames(x.X), setNames(x.Y)...)
	}
	return nil
}

// meansAreSums checks what lets generated code compute a loss part by part (the halves of
// a batch, the tiles of a point set) and add the parts: the loss is a weighted sum of means,
// and no mean is used per sample (inside a residual, or inside another mean), where each
// part would see the mean of its own rows only.
func (l *lowerer) meansAreSums(g *Graph, loss *Node) bool {
	meanIn := make([]*Node, len(g.Nodes)) // a mean that node i depends on
	for _, n := range g.Nodes {
		for _, a := range n.Args {
			m := meanIn[a.ID]
			if a.Op == OpMean {
				m = a
			}
			if m == nil {
				continue
			}
			if n.Batched {
				l.errorf(m.Pos, "this mean is one number over all the rows it averages, but %s at %d:%d uses it per row; "+
					"mlc computes a loss part by part over the rows, so a mean may only be a term of the loss (weighted by constants)", opText(n.Op), n.Pos.Line, n.Pos.Col)
				return false
			}
			meanIn[n.ID] = m
		}
	}
	if bad := nonlinearInMeans(loss); bad != nil {
		pos := bad.Pos
		if pos.Line == 0 {
			pos = l.loss.Expr.ExprPos()
		}
		what := opText(bad.Op) + " of a mean"
		switch bad.Op {
		case OpMul:
			what = "a product of two non-constant values"
		case OpDiv:
			what = "a division by a non-constant value"
		}
		l.errorf(pos, "the loss must be a weighted sum of means (mse, mae, binary_crossentropy, mean(...)) with constant weights, "+
			"since mlc sums it part by part over the rows; found %s", what)
		return false
	}
	return true
}

// opText is how an op is written in a .ml file, for messages.
func opText(op Op) string {
	switch op {
	case OpAdd:
		return "'+'"
	case OpSub:
		return "'-'"
	case OpMul:
		return "'*'"
	case OpDiv:
		return "'/'"
	case OpNeg:
		return "'-'"
	}
	return op.String() + "(...)"
}

// nonlinearInMeans returns the node where a scalar loss stops being a weighted sum of means
// (then the sum of its values on the parts of a batch is not its value on the whole), or nil.
func nonlinearInMeans(n *Node) *Node {
	switch n.Op {
	case OpMean, OpConst:
		return nil
	case OpAdd, OpSub:
		if bad := nonlinearInMeans(n.Args[0]); bad != nil {
			return bad
		}
		return nonlinearInMeans(n.Args[1])
	case OpNeg:
		return nonlinearInMeans(n.Args[0])
	case OpMul:
		if n.Args[0].Op == OpConst {
			return nonlinearInMeans(n.Args[1])
		}
		if n.Args[1].Op == OpConst {
			return nonlinearInMeans(n.Args[0])
		}
	case OpDiv:
		if n.Args[1].Op == OpConst {
			return nonlinearInMeans(n.Args[0])
		}
	}
	return n
}

// bceEpsilon is Keras' clipping of probabilities in binary cross-entropy.
const bceEpsilon = 1e-7

// expr lowers x; a constant it folds to must be a number the model's dtype holds.
func (e *lossLowerer) expr(x dsl.Expr) (*Node, bool) {
	n, ok := e.lower(x)
	if !ok || n.Op != OpConst {
		return n, ok
	}
	v := n.Value
	switch {
	case math.IsInf(v, 0) || math.IsNaN(v):
		e.l.errorf(x.ExprPos(), "this expression is the constant %v: expected a finite number", v)
		return nil, false
	case e.l.m.DType == "float32" && math.Abs(v) > math.MaxFloat32:
		e.l.errorf(x.ExprPos(), "the constant %g does not fit in float32 (dtype float32)", v)
		return nil, false
	}
	return n, true
}

func (e *lossLowerer) lower(x dsl.Expr) (*Node, bool) {
	l, g := e.l, e.g
	switch x := x.(type) {
	case *dsl.Number:
		if math.IsInf(x.Value, 0) {
			l.errorf(x.Pos, "%s is too large for a number", dsl.Abbrev(x.Text))
			return nil, false
		}
		return g.Const(x.Value), true
	case *dsl.Paren:
		return e.expr(x.X)
	case *dsl.Ident:
		if n, ok := e.values[x.Name]; ok {
			return n, true
		}
		if x.Name == "pi" {
			return g.Const(math.Pi), true
		}
		if b, ok := l.scope[x.Name]; ok && b.kind == "const" {
			return g.Const(b.value), true
		}
		if b, ok := l.scope[x.Name]; ok && b.kind == "points" {
			l.errorf(x.Pos, "%s is a point set; use it as mean(%s, ...)", x.Name, x.Name)
			return nil, false
		}
		if b, ok := l.scope[x.Name]; ok && b.kind == "residual" {
			l.errorf(x.Pos, "%s is used before it is defined", x.Name)
			return nil, false
		}
		l.errorf(x.Pos, "undefined: %s", x.Name)
		return nil, false
	case *dsl.Unary:
		v, ok := e.expr(x.X)
		if !ok || x.Op == "+" {
			return v, ok
		}
		return e.apply(OpNeg, x.OpPos, v)
	case *dsl.Binary:
		a, ok1 := e.expr(x.X)
		b, ok2 := e.expr(x.Y)
		if !ok1 || !ok2 {
			return nil, false
		}
		switch x.Op {
		case "+":
			return e.apply(OpAdd, x.OpPos, a, b)
		case "-":
			return e.apply(OpSub, x.OpPos, a, b)
		case "*":
			return e.apply(OpMul, x.OpPos, a, b)
		case "/":
			return e.apply(OpDiv, x.OpPos, a, b)
		case "<", ">":
			l.errorf(x.OpPos, "a comparison ('%s') has no place in a loss", x.Op)
			return nil, false
		case "^":
			if !b.IsConst(2) {
				l.errorf(x.OpPos, "only ^2 is supported so far")
				return nil, false
			}
			return e.apply(OpMul, x.OpPos, a, a)
		}
	case *dsl.Call:
		return e.call(x)
	}
	internalf("unknown expression %T", x)
	return nil, false
}

func (e *lossLowerer) apply(op Op, pos dsl.Pos, args ...*Node) (*Node, bool) {
	n, err := e.g.Apply(op, "", pos, args...)
	if err != nil {
		var se *ShapeError
		if errors.As(err, &se) && len(args) == 2 {
			sym := map[Op]string{OpAdd: "'+'", OpSub: "'-'", OpMul: "'*'", OpDiv: "'/'"}[op]
			if sym == "" {
				sym = op.String()
			}
			e.l.errorf(pos, "%s: shapes %s (%s) and %s (%s) do not match", sym, shapeStr(args[0]), e.where(args[0]), shapeStr(args[1]), e.where(args[1]))
		} else {
			e.l.errorf(pos, "%v", err)
		}
		return nil, false
	}
	return n, true
}

func (e *lossLowerer) where(n *Node) string {
	name := n.Name
	if name == "" {
		name = "value"
	}
	if n.Pos.Line == 0 {
		return name
	}
	return fmt.Sprintf("%s at %d:%d", name, n.Pos.Line, n.Pos.Col)
}

// unaryFuncs are the elementwise functions a loss may call: the rows of Ops with a Func.
// Set in init, after Ops.
var unaryFuncs map[string]Op

var lossFuncs = map[string]bool{"binary_crossentropy": true, "mse": true, "mae": true, "mean": true, "d": true}

// maxOrder is the highest input derivative the compiler derives.
const maxOrder = 2

// derivative lowers d(u, x) and d(u, x, y): the tangent pass, once per input named.
func (e *lossLowerer) derivative(c *dsl.Call) (*Node, bool) {
	l := e.l
	if len(c.Args) < 2 {
		l.errorf(c.Fun.Pos, "d takes a value and the inputs to differentiate by, as in d(u, x) or d(u, x, x)")
		return nil, false
	}
	if len(c.Args)-1 > maxOrder {
		l.errorf(c.Args[maxOrder+1].Value.ExprPos(), "derivatives of order %d: mlc derives up to order %d", len(c.Args)-1, maxOrder)
		return nil, false
	}
	if inner := e.order(c.Args[0].Value, map[string]bool{}); inner+len(c.Args)-1 > maxOrder {
		l.errorf(c.Fun.Pos, "this is a derivative of order %d of the network's output (its argument already holds derivatives of order %d): mlc derives up to order %d",
			inner+len(c.Args)-1, inner, maxOrder)
		return nil, false
	}
	v, ok := e.expr(c.Args[0].Value)
	if !ok {
		return nil, false
	}
	if !v.Batched {
		l.errorf(c.Args[0].Value.ExprPos(), "d: the value must be one per point, found %s", shapeStr(v))
		return nil, false
	}
	for _, a := range c.Args[1:] {
		id, isID := a.Value.(*dsl.Ident)
		if !isID || a.Name != nil {
			l.errorf(a.Value.ExprPos(), "d: expected an input name")
			return nil, false
		}
		x, ok := e.inputs[id.Name]
		if !ok || x.Size() != 1 {
			l.errorf(id.Pos, "d: %s is not a scalar input of the model (inputs: %s)", id.Name, e.inputNames())
			return nil, false
		}
		v = Tangent(e.g, v, x)
		if v == nil {
			v = e.g.Const(0)
		}
	}
	return v, true
}

// order is the highest order of input derivatives in x, following lets to their
// definitions: d(uxx, x) with uxx = d(u, x, x) is of order 3.
func (e *lossLowerer) order(x dsl.Expr, visiting map[string]bool) int {
	switch x := x.(type) {
	case *dsl.Paren:
		return e.order(x.X, visiting)
	case *dsl.Unary:
		return e.order(x.X, visiting)
	case *dsl.Binary:
		return max(e.order(x.X, visiting), e.order(x.Y, visiting))
	case *dsl.Ident:
		b := e.l.scope[x.Name]
		if b == nil || b.kind != "residual" || visiting[x.Name] {
			return 0
		}
		visiting[x.Name] = true
		defer delete(visiting, x.Name)
		return e.order(b.expr, visiting)
	case *dsl.Call:
		o := 0
		for _, a := range x.Args {
			o = max(o, e.order(a.Value, visiting))
		}
		if x.Fun.Name == "d" && len(x.Args) > 0 {
			o = e.order(x.Args[0].Value, visiting) + len(x.Args) - 1
		}
		return o
	}
	return 0
}

func (e *lossLowerer) inputNames() string {
	var s []string
	for _, in := range e.l.m.Inputs {
		s = append(s, in.Name)
	}
	return strings.Join(s, ", ")
}

// setMean lowers mean(S, expr) with S a point set or a sum of them.
func (e *lossLowerer) setMean(c *dsl.Call) (*Node, bool) {
	l := e.l
	if bad := setOperator(c.Args[0].Value); bad != nil {
		l.errorf(bad.OpPos, "mean(S, ...): point sets combine only with '+' (all the points of both); found '%s'", bad.Op)
		return nil, false
	}
	if bad := notASet(c.Args[0].Value); bad != nil {
		l.errorf(bad.ExprPos(), "mean(S, ...): expected a point set or a sum of them, as in mean(boundary + interior, ...)")
		return nil, false
	}
	var mask uint64
	for _, name := range setNames(c.Args[0].Value) {
		b := l.scope[name]
		if b == nil || b.kind != "points" {
			l.errorf(c.Args[0].Value.ExprPos(), "mean(S, ...): %s is not a point set", name)
			return nil, false
		}
		mask |= 1 << b.set
	}
	if c.Args[0].Name != nil || c.Args[1].Name != nil {
		l.errorf(c.Fun.Pos, "mean takes no named arguments")
		return nil, false
	}
	v, ok := e.expr(c.Args[1].Value)
	if !ok {
		return nil, false
	}
	if !v.Batched {
		return v, true
	}
	// A known value may only be averaged over the sets it is known on.
	var bad string
	var walk func(n *Node)
	seen := map[*Node]bool{}
	walk = func(n *Node) {
		if seen[n] {
			return
		}
		seen[n] = true
		if n.Op == OpTarget {
			if b := l.scope[n.Name]; b != nil && b.kind == "known" && mask&^(1<<b.set) != 0 {
				bad = n.Name
			}
		}
		for _, a := range n.Args {
			walk(a)
		}
	}
	walk(v)
	if bad != "" {
		l.errorf(c.Args[0].Value.ExprPos(), "%s is known only on point set %s", bad, l.m.PointSets[l.scope[bad].set].Name)
		return nil, false
	}
	if mask == 1<<len(l.m.PointSets)-1 {
		mask = 0 // every point
	}
	return e.g.MeanOver(v, mask, "", c.Fun.Pos), true
}

func (e *lossLowerer) call(c *dsl.Call) (*Node, bool) {
	l, g := e.l, e.g
	name := c.Fun.Name
	if name == "d" {
		return e.derivative(c)
	}
	if name == "mean" && len(c.Args) == 2 {
		return e.setMean(c)
	}
	args := make([]*Node, len(c.Args))
	for i, a := range c.Args {
		if a.Name != nil {
			l.errorf(a.Name.Pos, "%s takes no named arguments", name)
			return nil, false
		}
		n, ok := e.expr(a.Value)
		if !ok {
			return nil, false
		}
		args[i] = n
	}
	want := 2
	if _, ok := unaryFuncs[name]; ok || name == "mean" {
		want = 1
	} else if !lossFuncs[name] {
		l.errorf(c.Fun.Pos, "unknown function '%s'; expected one of %s, %s", name, keys(lossFuncs), keys(unaryFuncs))
		return nil, false
	}
	if len(args) != want {
		l.errorf(c.Fun.Pos, "%s takes %d arguments, found %d", name, want, len(args))
		return nil, false
	}
	if op, ok := unaryFuncs[name]; ok {
		return e.apply(op, c.Fun.Pos, args[0])
	}
	if name == "mean" {
		if !args[0].Batched {
			return args[0], true
		}
		return g.MeanOver(args[0], 0, "", c.Fun.Pos), true
	}
	p, y := args[0], args[1]
	if !equalShape(p.Shape, y.Shape) {
		l.errorf(c.Fun.Pos, "%s: prediction %s has shape %s (%s) but %s has shape %s (%s)",
			name, p.Name, shapeStr(p), posStr(p.Pos), y.Name, shapeStr(y), posStr(y.Pos))
		return nil, false
	}
	d, ok := e.apply(OpSub, c.Fun.Pos, p, y)
	if !ok {
		return nil, false
	}
	var per *Node
	switch name {
	case "mse":
		per = g.must(OpMul, "sq_err", c.Fun.Pos, d, d)
	case "mae":
		per = g.must(OpAbs, "abs_err", c.Fun.Pos, d)
	case "binary_crossentropy":
		per = e.bce(p, y, c.Fun.Pos)
	}
	return g.MeanOver(per, 0, name, c.Fun.Pos), true
}

// bce is the per-element binary cross-entropy. On a sigmoid output it is computed from the
// logit z as softplus(z) - y·z, which equals -y·log σ(z) - (1-y)·log(1-σ(z)) without
// rounding σ(z) to 0 or 1 (Keras does the same); otherwise p is clipped to [ε, 1-ε].
func (e *lossLowerer) bce(p, y *Node, pos dsl.Pos) *Node {
	g := e.g
	if p.Op == OpSigmoid {
		z := p.Args[0]
		return g.must(OpSub, "bce", pos, g.must(OpSoftplus, "softplus_z", pos, z), g.must(OpMul, "yz", pos, y, z))
	}
	pc := g.ClipNode(OpClip, p, bceEpsilon, 1-bceEpsilon, "p_clipped", pos)
	one := g.Const(1)
	a := g.must(OpMul, "", pos, y, g.must(OpLog, "", pos, pc))
	b := g.must(OpMul, "", pos, g.must(OpSub, "", pos, one, y), g.must(OpLog, "", pos, g.must(OpSub, "", pos, one, pc)))
	return g.must(OpNeg, "bce", pos, g.must(OpAdd, "", pos, a, b))
}

func posStr(p dsl.Pos) string { return fmt.Sprintf("declared at %d:%d", p.Line, p.Col) }
