package difftest

import (
	"fmt"
	"math"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/mlc-go/mlc/ir"
)

// Tolerances. The generated code and the interpreter compute the same graph in float64
// with sums in different orders: they agree to rounding, far inside 1e-9. The reference
// computes the same mathematics by other formulas (jets, logits): 1e-8. A float32 build
// is compared with the same float64 computations on its float32-rounded data, loosely.
// Finite differences (of the interpreter, always float64) with step 1e-6 are good to
// about 1e-7 relative: 1e-5.
type tolerances struct {
	IR, Ref float64
	Same    float64 // the same computation split differently (Predict row by row)
	Split   float64 // the same sums in another grouping (halves, duplicated points)
	Abs     float64 // an absolute floor, for values that cancel to near zero
}

var (
	tol64 = tolerances{IR: 1e-9, Ref: 1e-8, Same: 1e-12, Split: 1e-10, Abs: 1e-13}
	tol32 = tolerances{IR: 2e-3, Ref: 2e-3, Same: 1e-5, Split: 1e-4, Abs: 1e-5}
)

const tolFD = 1e-5

func floats(b []uint64) []float64 {
	out := make([]float64, len(b))
	for i, v := range b {
		out[i] = math.Float64frombits(v)
	}
	return out
}

// near reports whether got agrees with want to rtol, relative to |want| or to scale (the
// size of the vector want belongs to) when want is much smaller.
func near(got, want, rtol, scale, abs float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= rtol*(math.Abs(want)+1e-3*scale)+abs
}

// vec compares two vectors; the first mismatch and the count are recorded under check.
func (c *Case) vec(check string, got, want []float64, rtol float64) {
	if len(got) != len(want) {
		c.fail(check, "length %d, want %d", len(got), len(want))
		return
	}
	scale := maxAbs(want)
	bad, first := 0, -1
	for i := range got {
		if !near(got[i], want[i], rtol, scale, c.tol.Abs) {
			if first < 0 {
				first = i
			}
			bad++
		}
	}
	if bad > 0 {
		c.fail(check, "%d of %d values differ; first at [%d]: got %.17g, want %.17g (rel. diff %.2g)",
			bad, len(got), first, got[first], want[first], relDiff(got[first], want[first]))
	}
}

// grads compares two gradients to rtol relative to the largest component. A component is
// a sum over the rows whose terms may cancel (a clipped cross-entropy's 1/p near the clip),
// and two summation orders differ by about ε·Σ|terms|, which can be many times the
// component itself; a wrong rule is off by far more than rtol of the largest one.
func (c *Case) grads(check string, got, want []float64, rtol float64) {
	if len(got) != len(want) {
		c.fail(check, "length %d, want %d", len(got), len(want))
		return
	}
	scale := maxAbs(want)
	for i := range got {
		if !near(got[i], want[i], rtol, 1e3*scale, c.tol.Abs) { // 1e3·1e-3: the whole scale
			c.fail(check, "component %d of %d: got %.17g, want %.17g (|diff| %.2g, largest component %.2g)",
				i, len(got), got[i], want[i], math.Abs(got[i]-want[i]), scale)
			return
		}
	}
}

// maxAbs is the largest finite |w|: the size of a vector, for tolerances.
func maxAbs(want []float64) float64 {
	m := 0.0
	for _, w := range want {
		if !math.IsNaN(w) && !math.IsInf(w, 0) {
			m = math.Max(m, math.Abs(w))
		}
	}
	return m
}

func (c *Case) scalar(check string, got, want, rtol float64) {
	if !near(got, want, rtol, 0, c.tol.Abs) {
		c.fail(check, "got %.17g, want %.17g (rel. diff %.2g)", got, want, relDiff(got, want))
	}
}

func relDiff(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-300) }

// irOut is one interpreted pass: outputs row-major, loss, terms, gradient in the layout of
// Params.
type irOut struct {
	Pred  []float64
	Loss  float64
	Terms []float64
	Grads []float64
}

// irRun interprets pass on batch; grads only for the training pass.
func irRun(m *ir.Model, pass *ir.Pass, b *ir.Batch, params []float64, predOnly bool) irOut {
	b.Params = map[string][]float64{}
	for _, p := range m.Params {
		b.Params[p.Name] = params[p.Offset : p.Offset+p.Size()]
	}
	roots := []*ir.Node{pass.Pred}
	if !predOnly {
		roots = append(roots, pass.Loss)
		roots = append(roots, pass.Terms...)
		for _, g := range pass.Grads {
			if g != nil {
				roots = append(roots, g)
			}
		}
	}
	// Dropout masks are all ones: the passes run without dropout.
	for _, n := range pass.Graph.Nodes {
		if n.Op == ir.OpDropMask {
			ones := make([]float64, n.Size()*b.N)
			for i := range ones {
				ones[i] = 1
			}
			b.Leaves[n.Name] = ones
		}
	}
	val := ir.Evaluate(pass.Graph, roots, b)
	var out irOut
	no := pass.Pred.Size()
	pv := val[pass.Pred.ID]
	out.Pred = make([]float64, b.N*no)
	for f := 0; f < no; f++ {
		for r := 0; r < b.N; r++ {
			out.Pred[r*no+f] = pv[f*b.N+r]
		}
	}
	if predOnly {
		return out
	}
	out.Loss = val[pass.Loss.ID][0]
	for _, t := range pass.Terms {
		out.Terms = append(out.Terms, val[t.ID][0])
	}
	out.Grads = make([]float64, m.NumParams)
	for i, g := range pass.Grads {
		if g != nil && i < len(m.Params) {
			copy(out.Grads[m.Params[i].Offset:], val[g.ID])
		}
	}
	// The layers' l2 penalties, λ·Σ W², which the IR keeps beside the graph (Param.L2).
	for _, p := range m.Params {
		for i, w := range params[p.Offset : p.Offset+p.Size()] {
			out.Loss += p.L2 * w * w
			out.Grads[p.Offset+i] += 2 * p.L2 * w
		}
	}
	return out
}

// leaves fills the interpreter's leaves from row-major data. Inputs are matched by order
// (a layer's -> name may rename an input's node); targets by name.
func leaves(g *ir.Graph, inputs [][]float64, targets map[string][]float64, n int) map[string][]float64 {
	out := map[string][]float64{}
	k := 0
	for _, node := range g.Nodes {
		switch node.Op {
		case ir.OpInput:
			if k < len(inputs) {
				out[node.Name] = inputs[k]
			}
			k++
		case ir.OpTarget:
			out[node.Name] = targets[node.Name]
		}
	}
	return out
}

// batchMajor takes values off … off+size-1 of each of n rows of width w, batch-major.
func batchMajor(data []float64, n, w, off, size int) []float64 {
	out := make([]float64, n*size)
	for r := 0; r < n; r++ {
		for f := 0; f < size; f++ {
			out[f*n+r] = data[r*w+off+f]
		}
	}
	return out
}

// batchData is a mini-batch model's rows as interpreter leaves, for either pass.
func batchData(m *Model, pass *ir.Pass, x, y []float64, n int) *ir.Batch {
	var ins [][]float64
	off := 0
	for _, in := range m.Inputs {
		ins = append(ins, batchMajor(x, n, m.NumInputs(), off, in.Size()))
		off += in.Size()
	}
	ts := map[string][]float64{}
	off = 0
	for _, t := range m.Targets {
		if y == nil {
			break
		}
		ts[t.Name] = batchMajor(y, n, m.NumTargets(), off, t.Size())
		off += t.Size()
	}
	return &ir.Batch{N: n, Leaves: leaves(pass.Graph, ins, ts, n)}
}

// pointData is a point-set model's sets as interpreter leaves: the sets one after
// another, known values zero outside their set.
func pointData(m *Model, pass *ir.Pass, sets [][][]float64) *ir.Batch {
	b := &ir.Batch{}
	for _, s := range sets {
		b.Sets = append(b.Sets, [2]int{b.N, b.N + len(s[0])})
		b.N += len(s[0])
	}
	ins := make([][]float64, len(m.Inputs))
	for i := range ins {
		for _, s := range sets {
			ins[i] = append(ins[i], s[i]...)
		}
	}
	ts := map[string][]float64{}
	for i, s := range m.Sets {
		for k, name := range s.Known {
			col := make([]float64, b.N)
			copy(col[b.Sets[i][0]:], sets[i][len(m.Inputs)+k])
			ts[name] = col
		}
	}
	b.Leaves = leaves(pass.Graph, ins, ts, b.N)
	return b
}

// judge runs every check on one built and driven case.
func judge(c *Case) {
	defer func() {
		if r := recover(); r != nil {
			c.fail("the judge itself panicked (a difftest bug)", "%v\n%s", r, debug.Stack())
		}
	}()
	res := c.Res
	if res.Panic != "" {
		c.fail("driver: panic", "%s", res.Panic)
		return
	}
	m := c.M
	if c.tol == tol32 && m.Features["loss bce clipped"] {
		// float32 cannot hold 1 - 1e-7: the clipped cross-entropy differs by design.
		return
	}
	if res.NumParams != m.NumParams {
		c.fail("API: NumParams", "got %d, want %d", res.NumParams, m.NumParams)
		return
	}
	if !m.Points && (res.NumInputs != m.NumInputs() || res.NumOutputs != m.OutputSize()) {
		c.fail("API: NumInputs/NumOutputs", "got %d/%d, want %d/%d (inputs %v)", res.NumInputs, res.NumOutputs, m.NumInputs(), m.OutputSize(), m.Inputs)
	}
	c.judgeCoefs()
	c.judgeOutputNames()
	c.judgePredict()
	if m.Points {
		c.judgeTermNames()
		c.judgePoints()
	} else {
		c.judgeBatch()
	}
}

// judgeCoefs compares CoefficientNames and Coefficients with the param statements: the
// values Init starts them at, and exp of the stored value for a positive one.
func (c *Case) judgeCoefs() {
	m, res := c.M, c.Res
	var names []string
	var init, want []float64
	for _, k := range m.Coefs {
		names = append(names, k.Name)
		init = append(init, k.Init)
		v := c.Req.Params[m.Params[k.Param].Offset]
		if k.Positive {
			v = math.Exp(v)
		}
		want = append(want, v)
	}
	for _, q := range m.Params { // the loss terms' weights under balance = grad_norm
		if q.Weight {
			names = append(names, "weight_")
			init = append(init, 1)
			want = append(want, c.Req.Params[q.Offset])
		}
	}
	got := slices.Clone(res.CoefNames)
	for i, n := range got {
		if m.Balance && strings.HasPrefix(n, "weight_") {
			got[i] = "weight_" // named after its term, which the check does not fix
		}
	}
	if !slices.Equal(got, names) {
		c.fail("API: CoefficientNames", "got %q, want %q", res.CoefNames, names)
		return
	}
	if len(names) == 0 {
		return
	}
	c.vec("Coefficients after Init vs the param statements", floats(res.CoefInit), init, c.tol.Same)
	c.vec("Coefficients vs the parameters", floats(res.Coefs), want, c.tol.Same)
}

// judgeOutputNames checks OutputNames, which a model has when Predict's values have names
// of their own: the output statements' (NAME[i] for a vector), else the last layer's
// components.
func (c *Case) judgeOutputNames() {
	m := c.M
	var want []string
	for _, l := range m.Lets {
		if l.Keyword != "output" {
			continue
		}
		if l.Size == 1 {
			want = append(want, l.Name)
			continue
		}
		for i := range l.Size {
			want = append(want, fmt.Sprintf("%s[%d]", l.Name, i))
		}
	}
	if want == nil {
		want = m.Layers[len(m.Layers)-1].Outs
	}
	if len(want) < 2 {
		return
	}
	if !slices.Equal(c.Res.OutputNames, want) {
		c.fail("API: OutputNames", "got %q, want %q", c.Res.OutputNames, want)
	}
}

// judgeTermNames checks that TermNames reports a named term (EXPR as NAME) under its name
// and that no two terms share one.
func (c *Case) judgeTermNames() {
	got := c.Res.TermNames
	terms := splitTerms(c.M.Loss)
	if len(got) != len(terms) {
		c.fail("API: TermNames", "got %q for %d terms", got, len(terms))
		return
	}
	seen := map[string]bool{}
	for i, t := range terms {
		if n, ok := t.e.(Named); ok && got[i] != n.Name {
			c.fail("API: TermNames", "term %d is named %s, TermNames says %q (all: %q)", i+1, n.Name, got[i], got)
			return
		}
		if seen[got[i]] {
			c.fail("API: TermNames", "two terms are named %q (all: %q)", got[i], got)
			return
		}
		seen[got[i]] = true
	}
}

func (c *Case) judgePredict() {
	m, req, res := c.M, &c.Req, c.Res
	x, n := req.PredictX, req.PredictN
	var b *ir.Batch
	if m.Points {
		n = len(req.PredictCols[0])
		x = make([]float64, n*len(m.Inputs))
		for r := 0; r < n; r++ {
			for i := range m.Inputs {
				x[r*len(m.Inputs)+i] = req.PredictCols[i][r]
			}
		}
		b = &ir.Batch{N: n, Leaves: leaves(c.IR.Infer.Graph, req.PredictCols, nil, n)}
	} else {
		b = batchData(m, c.IR.Infer, x, nil, n)
	}
	want := irRun(c.IR, c.IR.Infer, b, req.Params, true).Pred
	all := floats(res.Predict[0])
	c.vec("Predict vs interpreter", all, want, c.tol.IR)
	if ref, err := RefPredict(m, req.Params, x, n); err != nil {
		c.fail("reference Predict", "%v", err)
	} else {
		c.vec("Predict vs reference", all, ref, c.tol.Ref)
	}
	for k, p := range res.Predict[1:] {
		c.vec(fmt.Sprintf("Predict %d rows a call vs all rows in one call", req.Chunks[k+1]), floats(p), all, c.tol.Same)
	}
}

// evalCheck compares one evaluation with the interpreter's and the reference's.
func (c *Case) evalCheck(label string, er EvalResult, inf, tr irOut, ref *RefResult, refErr error) {
	if er.Err != "" {
		c.fail("panic "+label, "%s", er.Err)
		return
	}
	loss, gloss := math.Float64frombits(er.Loss), math.Float64frombits(er.GradLoss)
	c.scalar("Loss vs interpreter "+label, loss, inf.Loss, c.tol.IR)
	c.scalar("LossGrad's loss vs interpreter "+label, gloss, tr.Loss, c.tol.IR)
	c.grads("Grads vs interpreter "+label, floats(er.Grads), tr.Grads, c.tol.IR)
	if er.LossPred != nil {
		c.vec("Loss's outputs vs interpreter "+label, floats(er.LossPred), inf.Pred, c.tol.IR)
		c.vec("LossGrad's outputs vs interpreter "+label, floats(er.GradPred), tr.Pred, c.tol.IR)
	}
	if er.Terms != nil {
		c.vec("Terms after Loss vs interpreter "+label, floats(er.Terms), inf.Terms, c.tol.IR)
		c.vec("Terms after LossGrad vs interpreter "+label, floats(er.GradTerms), tr.Terms, c.tol.IR)
	}
	if refErr != nil {
		c.fail("reference "+label, "%v", refErr)
		return
	}
	c.scalar("Loss vs reference "+label, loss, ref.Loss, c.tol.Ref)
	c.scalar("interpreter's loss vs reference "+label, inf.Loss, ref.Loss, c.tol.Ref)
	if er.Terms != nil {
		c.vec("Terms vs reference "+label, floats(er.Terms), ref.Terms, c.tol.Ref)
	}
}

func (c *Case) judgeBatch() {
	m, req, res := c.M, &c.Req, c.Res
	var losses []float64
	var grads [][]float64
	for i, e := range req.Evals {
		label := fmt.Sprintf("(n = %d)", e.N)
		if e.N >= 64 {
			label = fmt.Sprintf("(n = %d, split between workers)", e.N)
		}
		inf := irRun(c.IR, c.IR.Infer, batchData(m, c.IR.Infer, e.X, e.Y, e.N), req.Params, false)
		tr := irRun(c.IR, c.IR.Train, batchData(m, c.IR.Train, e.X, e.Y, e.N), req.Params, false)
		ref, err := RefBatch(m, req.Params, e.X, e.Y, e.N)
		c.evalCheck(label, res.Evals[i], inf, tr, ref, err)
		losses = append(losses, math.Float64frombits(res.Evals[i].GradLoss))
		grads = append(grads, floats(res.Evals[i].Grads))
		if i == 0 {
			c.finiteDifferences(label, func(p []float64) float64 {
				return irRun(c.IR, c.IR.Infer, batchData(m, c.IR.Infer, e.X, e.Y, e.N), p, false).Loss
			}, tr.Grads)
		}
	}
	// A batch of n ≥ 64 rows is split between the workers; a loss that is a weighted sum of
	// means is the row-weighted average of its halves' losses, each computed unsplit.
	if len(req.Evals) == 4 && m.LinearLoss {
		n, a, b := float64(req.Evals[1].N), float64(req.Evals[2].N), float64(req.Evals[3].N)
		c.scalar("loss of a split batch vs its halves", losses[1], (a*losses[2]+b*losses[3])/n, c.tol.Split)
		avg := make([]float64, len(grads[1]))
		for i := range avg {
			avg[i] = (a*grads[2][i] + b*grads[3][i]) / n
		}
		c.vec("gradient of a split batch vs its halves", grads[1], avg, c.tol.Split)
	}
}

func (c *Case) judgePoints() {
	m, req, res := c.M, &c.Req, c.Res
	names := []string{"few points, one tile", "points over several tiles", "the same points twice"}
	for i, e := range req.PointEvals {
		label := fmt.Sprintf("(%s)", names[i])
		inf := irRun(c.IR, c.IR.Infer, pointData(m, c.IR.Infer, e.Sets), req.Params, false)
		tr := irRun(c.IR, c.IR.Train, pointData(m, c.IR.Train, e.Sets), req.Params, false)
		ref, err := RefPoints(m, req.Params, e.Sets)
		c.evalCheck(label, res.Evals[i], inf, tr, ref, err)
		if i == 0 {
			c.finiteDifferences(label, func(p []float64) float64 {
				return irRun(c.IR, c.IR.Infer, pointData(m, c.IR.Infer, e.Sets), p, false).Loss
			}, tr.Grads)
		}
	}
	// Means are means: every point given twice changes nothing.
	once, twice := res.Evals[1], res.Evals[2]
	if once.Err == "" && twice.Err == "" {
		c.scalar("loss with every point twice vs once", math.Float64frombits(twice.GradLoss), math.Float64frombits(once.GradLoss), c.tol.Split)
		c.vec("gradient with every point twice vs once", floats(twice.Grads), floats(once.Grads), c.tol.Split)
		c.vec("terms with every point twice vs once", floats(twice.Terms), floats(once.Terms), c.tol.Split)
	}
}

// finiteDifferences checks the interpreter's gradient against central differences of the
// interpreter's loss for up to 10 parameters spread over the vector. A mismatch is tried
// again with other steps before it counts (a kink of relu or abs, or the clipping of a
// cross-entropy, can sit within one step).
func (c *Case) finiteDifferences(label string, loss func([]float64) float64, grad []float64) {
	p := c.Req.Params
	scale := 0.0
	for _, g := range grad {
		scale = math.Max(scale, math.Abs(g))
	}
	n := len(p)
	var idx []int
	for k := 0; k < min(n, 10); k++ {
		idx = append(idx, k*n/min(n, 10))
	}
	for _, k := range c.M.Coefs { // every coefficient: they come last, past the spread
		if i := c.M.Params[k.Param].Offset; !slices.Contains(idx, i) {
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		var fd float64
		ok := false
		for _, h := range []float64{1e-6, 1e-5, 1e-7, 1e-8, 1e-4} {
			q := append([]float64(nil), p...)
			q[i] = p[i] + h
			up := loss(q)
			q[i] = p[i] - h
			down := loss(q)
			fd = (up - down) / (2 * h)
			// Each loss carries at least the rounding of its own size: over a step of h that is
			// an error of about ε·|loss|/h in the difference quotient, which a large constant
			// term (1.7e6) makes larger than tolFD.
			rounding := 4 * 0x1p-52 * math.Max(math.Abs(up), math.Abs(down)) / h
			if math.Abs(fd-grad[i]) <= tolFD*(math.Abs(grad[i])+1e-2*scale)+1e-9+rounding {
				ok = true
				break
			}
		}
		if !ok {
			c.fail("interpreter's gradient vs finite differences "+label, "parameter %d (%s): gradient %.12g, finite differences %.12g", i, c.paramName(i), grad[i], fd)
		}
	}
}

func (c *Case) paramName(i int) string {
	for _, p := range c.M.Params {
		if i >= p.Offset && i < p.Offset+p.Size() {
			return fmt.Sprintf("%s[%d]", p.Name, i-p.Offset)
		}
	}
	return "?"
}
