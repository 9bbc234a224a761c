package ir

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mlc-go/mlc/dsl"
)

// Lower checks a parsed file and builds its model. Errors are a dsl.ErrorList: each names
// its file:line:col; a shape mismatch names both shapes and where each was declared.
func Lower(f *dsl.File) (*Model, error) { return LowerWith(f, nil) }

// LowerWith is Lower with some of the file's constants set to other values (a sweep's
// settings, `-set width=40`): the const statement's expression is replaced by the value.
// A name in set that no const statement declares is an error.
func LowerWith(f *dsl.File, set map[string]float64) (*Model, error) {
	l := &lowerer{file: f, m: &Model{Source: f.Name, DType: "float32"}, scope: map[string]*binding{}, set: set}
	l.m.Settings = Settings{Epochs: 1, Batch: 32, Shuffle: true, Seed: 1}
	l.run()
	l.unsetConsts()
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
	outs   []*dsl.LetStmt // the output statements, also among lets
	feats  *dsl.FeaturesStmt
	refs   []*dsl.ReferenceStmt
	// set holds the constants set from outside (LowerWith), used marks those found
	set, used map[string]float64
	datas     []*dsl.DataStmt
	metrics   []*dsl.Ident // the metric statements' names
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
	l.sources(s, set)
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
		if before(id.Pos, old.pos) {
			// Layer outputs are declared after the statements are read: the one written
			// later in the file is the second declaration.
			l.errorf(old.pos, "%s is already declared as %s at %d:%d", id.Name, b.kind, id.Pos.Line, id.Pos.Col)
		} else {
			l.errorf(id.Pos, "%s is already declared as %s at %d:%d", id.Name, old.kind, old.pos.Line, old.pos.Col)
		}
		return false
	}
	if id.Name == "pi" && b.kind != "input" {
		l.errorf(id.Pos, "pi is predefined (3.14159…); choose another name")
		return false
	}
	l.scope[id.Name] = b
	return true
}

// unsetConsts reports the names set from outside that no const statement declares.
func (l *lowerer) unsetConsts() {
	var names []string
	for n := range l.set {
		if _, ok := l.used[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		var consts []string
		for c := range l.m.ConstValues {
			consts = append(consts, c)
		}
		sort.Strings(consts)
		l.errorf(dsl.Pos{File: l.file.Name, Line: 1, Col: 1}, "%s is set from the command line, but %s declares no const %s (its consts: %s)", n, l.file.Name, n, orNone(consts))
	}
}

// before reports whether a comes before b in the file.
func before(a, b dsl.Pos) bool { return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col }

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
			v, ok := l.constExpr(s.Value)
			if w, isSet := l.set[s.Name.Name]; isSet {
				v, ok = w, true
				if l.used == nil {
					l.used = map[string]float64{}
				}
				l.used[s.Name.Name] = w
			}
			if ok && l.declare(s.Name, &binding{kind: "const", value: v, pos: s.Name.Pos}) {
				if l.m.ConstValues == nil {
					l.m.ConstValues = map[string]float64{}
				}
				l.m.ConstValues[s.Name.Name] = v
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
				if !knownMetrics[n.Name] && topK(n.Name) == 0 {
					l.errorf(n.Pos, "unknown metric '%s'; expected one of %s, or top_K_accuracy (the class is among the K largest outputs, as top_3_accuracy)", n.Name, keys(knownMetrics))
				}
				if topK(n.Name) < 0 {
					l.errorf(n.Pos, "top_K_accuracy needs K ≥ 1")
				}
				l.m.Metrics = append(l.m.Metrics, n.Name)
				l.metrics = append(l.metrics, n)
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
			kind := "residual"
			if s.Keyword == "output" {
				kind = "output"
			}
			if l.declare(s.Name, &binding{kind: kind, expr: s.Value, pos: s.Name.Pos}) {
				l.lets = append(l.lets, s)
				if s.Keyword == "output" {
					l.outs = append(l.outs, s)
				}
			}
		case *dsl.ParamStmt:
			l.coefficient(s)
		case *dsl.PeriodicStmt:
			l.periodic(s)
		case *dsl.ReferenceStmt:
			l.refs = append(l.refs, s)
		case *dsl.DataStmt:
			l.datas = append(l.datas, s)
		case *dsl.FeaturesStmt:
			if l.feats != nil {
				l.errorf(s.Pos, "second features statement; the network's features were given at %d:%d", l.feats.Pos.Line, l.feats.Pos.Col)
				continue
			}
			l.feats = s
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
	for _, s := range l.datas {
		if len(l.m.PointSets) > 0 {
			l.errorf(s.Pos, "a model with point sets takes its points from points statements, not data")
			break
		}
		l.data(s)
	}
	if len(l.m.PointSets) > 0 && len(l.m.Targets) > 0 {
		l.errorf(l.m.Targets[0].Pos, "a model with point sets gives known values in its points statements, not as targets")
	}
	if len(l.m.Optimizers) == 0 {
		l.m.Optimizers = []*Optimizer{{Name: "adam", Args: copyDefaults(optimizerArgs["adam"])}}
	}
	l.checkMiniBatchOptimizer()
	if l.m.Settings.Folds > 0 && len(l.m.PointSets) > 0 {
		l.errorf(l.m.Settings.FoldsPos, "folds (cross-validation) is for mini-batch models, trained on rows of data")
	}
	if len(l.m.PointSets) == 0 {
		for _, o := range l.m.Optimizers {
			if QuasiNewton(o.Name) {
				l.errorf(o.Pos, "%s needs a full-batch model (one with points statements); mini-batch training takes adam or sgd", o.Name)
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
	if l.m.NumParams == 0 {
		l.errorf(l.layers[0].Pos, "the model has no parameters to train: none of its layers has weights")
		return
	}
	l.causalWeights()
	l.balanceWeights()
	l.coefficientParams()
	for _, o := range l.m.Optimizers {
		if o.Name == "bfgs" && l.m.NumParams > maxBFGSParams {
			l.errorf(o.Pos, "bfgs keeps an inverse Hessian of (number of parameters)² values: %d parameters would need %.1f GB; it takes up to %d, and lbfgs any number",
				l.m.NumParams, 8*float64(l.m.NumParams)*float64(l.m.NumParams)/1e9, maxBFGSParams)
		}
	}
	l.m.Sequential = l.feats == nil && len(l.m.Periodic) == 0 && len(l.outs) == 0
	last := l.specs[len(l.specs)-1]
	l.m.Output = &Tensor{Name: "output", Shape: last.shape.out, Pos: last.stmt.Pos}
	for _, o := range last.stmt.Outputs {
		l.m.OutputNames = append(l.m.OutputNames, o.Name)
	}
	if len(l.m.OutputNames) > 0 {
		l.m.Output.Name = joinNames(l.m.OutputNames)
	}
	l.m.Infer = l.buildPass(false)
	if len(l.errs) > 0 {
		return
	}
	if len(l.outs) > 0 {
		l.m.Output = &Tensor{Name: joinNames(l.m.OutputNames), Shape: []int{l.m.Infer.Pred.Size()}, Pos: l.outs[0].Name.Pos}
	}
	if len(l.m.OutputNames) == 0 {
		l.m.OutputNames = []string{l.m.Output.Name}
	}
	l.checkMetrics()
	l.checkResample()
	l.m.Domain = l.domain()
	l.references(l.refs)
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
	walk := func(x dsl.Expr) {
		dsl.Walk(x, func(x dsl.Expr) {
			if id, ok := x.(*dsl.Ident); ok {
				used[id.Name] = true
			}
		})
	}
	walk(l.loss.Expr)
	for i := len(l.lets) - 1; i >= 0; i-- {
		s := l.lets[i]
		if !used[s.Name.Name] && s.Keyword != "output" {
			l.errorf(s.Name.Pos, "%s %s is never used: the loss (or a later let) should use it", s.Keyword, s.Name.Name)
			continue
		}
		walk(s.Value)
	}
	for _, c := range l.m.Coefficients {
		if !used[c.Name] {
			l.errorf(c.Pos, "param %s is never used: the loss (or a let or output) should use it, or it cannot be fitted", c.Name)
		}
	}
}

// inputShape is the shape of the first layer's input: the one input, or several scalars
// and vectors one after another (a periodic input as its cos and sin features).
func (l *lowerer) inputShape() []int {
	if l.feats != nil {
		return l.featuresShape()
	}
	in := l.m.Inputs
	total := 0
	for _, t := range in {
		if len(t.Shape) > 2 || len(t.Shape) == 2 && len(in) > 1 {
			l.errorf(t.Pos, "input %s has shape %v: inputs are vectors, scalars, or one [steps, channels] series", t.Name, t.Shape)
			return nil
		}
		total += t.Size()
		for _, p := range l.m.Periodic {
			if p.Input == t.Name {
				total += 2*p.Harmonics - 1 // x becomes cos and sin of each harmonic
			}
		}
	}
	if len(in) == 1 && len(l.m.Periodic) == 0 {
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
				if len(b.Outputs) > 0 && n > 1 {
					l.errorf(b.Outputs[0].Pos, "a layer inside 'repeat %d' cannot name its output: the name would be bound %d times", n, n)
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

// MaxLayers bounds the layers of a model, repeats expanded: the generated code unrolls
// each layer, so its size grows with their number.
const MaxLayers = 1000

// maxSize bounds counts in a model (units, batch, repeats, epochs): beyond it a model
// would not fit in memory, and the generated arrays must stay reasonable.
const maxSize = 1 << 20

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
	var cols, features []*Node
	for _, t := range l.m.Inputs {
		leaf := g.Leaf(OpInput, t.Name, t.Shape, true, t.Pos)
		values[t.Name] = leaf
		cols = append(cols, leaf)
		if l.feats == nil {
			features = append(features, l.features(g, leaf)...)
		}
	}
	if l.feats != nil {
		features = l.featureNodes(g, values)
	}
	for _, c := range l.m.Coefficients {
		v := g.ParamNode(c.Param)
		if c.Positive {
			v = g.must(OpExp, c.Name, c.Pos, v)
		}
		values[c.Name] = v
	}
	x := features[0]
	if len(features) > 1 {
		// Several inputs feed the first layer as one vector: [x; t].
		x = g.must(OpConcat, strings.ToLower(l.m.Name)+"_in", l.m.Inputs[0].Pos, features...)
	}
	for _, sp := range l.specs {
		param := func(i int) *Node { return g.ParamNode(sp.params[i]) }
		x = sp.kind.build(g, sp, x, param, training)
		switch outs := sp.stmt.Outputs; {
		case len(outs) == 1:
			if Ops[x.Op].Kind != Leaf { // a dropout at inference is its input: keep the input's name
				x.Name, x.Pos = outs[0].Name, outs[0].Pos
			}
			values[outs[0].Name] = x
		case len(outs) > 1: // one name per component: u, v, p
			for i, o := range outs {
				values[o.Name] = g.Slice(x, i, 1, o.Name)
			}
		}
	}
	if Ops[x.Op].Kind != Leaf && len(l.specs[len(l.specs)-1].stmt.Outputs) <= 1 {
		x.Name = l.m.Output.Name
	}
	net := x
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
		if Ops[v.Op].Kind != Leaf { // a let that is an input keeps the input's name
			v.Name = s.Name.Name
		}
		values[s.Name.Name] = v
		if s.Keyword == "residual" && !training {
			pass.Residuals = append(pass.Residuals, v)
			if first {
				l.m.ResidualNames = append(l.m.ResidualNames, s.Name.Name)
			}
		}
	}
	var names []string
	if pass.Pred, names = l.outputs(g, values, net); pass.Pred == nil {
		return nil
	}
	if first && names != nil {
		l.m.OutputNames = names
	}
	if first && l.feats == nil && len(l.m.Periodic) == 0 && len(l.outs) == 1 && pass.Pred.Op == OpSoftmax && pass.Pred.Args[0] == net {
		l.m.SoftmaxOutput = l.outs[0].Name.Name
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
	pass.Terms, names = le.terms(l.loss.Expr, loss)
	if first {
		l.m.TermNames = names
	}
	loss = l.weightedLoss(g, pass, values, loss)
	if len(loss.Shape) != 0 || loss.Batched {
		l.errorf(l.loss.Expr.ExprPos(), "the loss must be a scalar, found %s per sample; reduce it with mean(...)", shapeStr(loss))
		return nil
	}
	if !l.meansAreSums(le, loss) {
		return nil
	}
	loss.Name = "loss"
	pass.Loss = loss
	hasMean := meanDependence(g)
	pass.Summed, pass.Const = splitConst(g, loss, hasMean)
	if pass.Summed == nil {
		l.errorf(l.loss.Expr.ExprPos(), "the loss is the constant %v: it has no gradient; it needs a mean of something the network computes", pass.Const)
		return nil
	}
	for _, t := range pass.Terms {
		ts, tc := splitConst(g, t, hasMean)
		pass.TermSummed = append(pass.TermSummed, ts)
		pass.TermConst = append(pass.TermConst, tc)
	}
	return pass
}
