package codegen

// A pass of generated code (an entry): its buffers, names and comments, and the row
// ranges of point sets.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/dsl"
	"github.com/mlc-go/mlc/ir"
)

// rowEntry generates the inference pass for a single row: the same plan with the batch
// loops gone, so one prediction costs its arithmetic and little else.
func (e *emitter) rowEntry(plan *ir.Plan) jen.Code {
	en := &entry{e: e, row: true, plan: plan, pass: e.m.Infer, names: map[int]string{}, used: e.usedNames(
		append([]string{"m", "xRows", "dstRows", "f", "j", "T", "i", "NumOutputs"}, sampleLocals(plan)...)...)}
	for _, n := range plan.Order {
		en.node(n)
	}
	en.flushVec(len(en.body))
	en.add(jen.Comment("The outputs."))
	en.add(jen.Copy(jen.Id("dstRows").Index(jen.Op(":").Id("NumOutputs")), en.ref(e.m.Infer.Pred)))
	return jen.Comment("predictRow computes the outputs of the single row x into dst (inference: no dropout).").Line().
		Func().Params(recv()).Id("predictRow").Params(jen.List(jen.Id("dstRows"), jen.Id("xRows")).Index().Id("T")).Block(en.body...)
}

// newEntry starts a generated pass; the names the generated code uses itself are taken.
func (e *emitter) newEntry(plan *ir.Plan, pass *ir.Pass) *entry {
	return &entry{e: e, plan: plan, pass: pass, names: map[int]string{}, used: e.usedNames(
		append([]string{"m", "xRows", "yRows", "n", "total", "rng", "predRows", "dstRows", "row", "v", "i", "b", "f", "j", "k", "l",
			"out", "w", "s", "r0", "sums", "T", "MaxBatch", "PredictBatch", "NumInputs", "NumOutputs", "NumTargets", "ld"}, sampleLocals(plan)...)...)}
}

// sampleLocals are the locals the per-sample ops' loops declare (sample.go), when the plan
// has such ops: no buffer may take their names.
func sampleLocals(plan *ir.Plan) []string {
	for _, n := range plan.Order {
		if ir.Ops[n.Op].Kind == ir.Sample {
			return []string{"b", "best", "c", "ch", "e", "i", "k", "l", "out", "row", "s", "top"}
		}
	}
	return nil
}

// markGrads picks the gradient nodes computed straight into their parameter's gradient: a
// node that is the gradient of one parameter only. (Two coefficients that enter the loss
// alike have one gradient node; computed into the first one's slot, which a tile adds to,
// the second would add the first's running sum instead of this tile's part.)
func (en *entry) markGrads() {
	en.gradOf = map[int]*ir.Param{}
	count := map[int]int{}
	for _, g := range en.pass.Grads {
		count[g.ID]++
	}
	for i, g := range en.pass.Grads {
		if g.Op != ir.OpConst && g.Op != ir.OpParam && !g.Batched && len(g.Shape) > 0 && en.plan.Uses[g.ID] == 0 && count[g.ID] == 1 {
			en.gradOf[g.ID] = en.e.m.Params[i]
		}
	}
}

// finishGrads stores the gradients not computed in place.
func (en *entry) finishGrads() {
	for i, g := range en.pass.Grads {
		p := en.e.m.Params[i]
		dst := jen.Id("w").Dot("grads").Index(jen.Lit(p.Offset).Op(":").Lit(p.Offset + p.Size()))
		switch {
		case en.gradOf[g.ID] == p:
		case g.IsConst(0) && en.tile:
		case g.IsConst(0):
			en.add(jen.Clear(dst))
		case len(g.Shape) == 0 && en.tile: // a coefficient's gradient: a scalar
			en.add(dst.Clone().Index(jen.Lit(0)).Op("+=").Add(en.ref(g)))
		case len(g.Shape) == 0 && g.Op == ir.OpConst:
			en.add(dst.Clone().Index(jen.Lit(0)).Op("=").Add(en.e.constant(g)))
		case len(g.Shape) == 0:
			en.add(dst.Clone().Index(jen.Lit(0)).Op("=").Add(en.ref(g)))
		case en.tile:
			en.add(jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Add(en.ref(g))).Block(dst.Clone().Index(jen.Id("i")).Op("+=").Id("v")))
		case g.Op == ir.OpConst:
			en.add(jen.For(jen.Id("i").Op(":=").Range().Add(dst)).Block(dst.Clone().Index(jen.Id("i")).Op("=").Add(en.e.constant(g))))
		default:
			en.add(jen.Copy(dst, en.ref(g)))
		}
	}
}

// entry generates one pass over a batch as a method.
func (e *emitter) entry(name, doc string, pass *ir.Pass, plan *ir.Plan, withLoss, withGrad bool) jen.Code {
	en := e.newEntry(plan, pass)
	// The rows of the work area are ld apart: the n rows of this call rounded up to whole
	// zmm, not the largest batch. A worker's share of a batch (half of it on two workers) is
	// then dense in memory; with MaxBatch apart, half of every row was never touched and a
	// training pass of the Conv1D autoencoder took 2.86 ms instead of 2.04 on two cores.
	lanes := 64 / floatBytes(e.bits) // a zmm
	limit := "MaxBatch"
	if !withLoss {
		limit = "PredictBatch"
	}
	en.ldName = "ld"
	en.add(jen.Comment(fmt.Sprintf("ld is the stride of the work area's rows: n rounded up to whole vectors (at most %s).", limit)))
	en.add(jen.Id("ld").Op(":=").Min(jen.Parens(jen.Id("n").Op("+").Lit(lanes-1)).Op("&^").Lit(lanes-1), jen.Id(limit)))
	if withGrad {
		en.markGrads()
	}
	for _, n := range plan.Order {
		en.node(n)
	}
	en.flushVec(len(en.body))
	if withGrad {
		en.finishGrads()
	}
	// Copy the prediction out, row-major.
	predBuf := en.ref(pass.Pred)
	outName := "predRows"
	if !withLoss {
		outName = "dstRows"
	}
	store := jen.Qual(KernelsPath, "Transpose"+e.bits).Call(jen.Id("NumOutputs"), jen.Id("n"), predBuf, en.ld(), jen.Id(outName), jen.Id("NumOutputs"))
	if withLoss {
		en.add(jen.Comment("The outputs, row-major."))
		en.add(jen.If(jen.Id("predRows").Op("!=").Nil()).Block(store))
		en.add(jen.Return(en.ref(pass.Summed)))
	} else {
		en.add(jen.Comment("The outputs, row-major."))
		en.add(store)
	}
	params := []jen.Code{jen.Id("w").Op("*").Id("worker")}
	if withLoss {
		params = append(params, jen.List(jen.Id("xRows"), jen.Id("yRows")).Index().Id("T"), jen.List(jen.Id("n"), jen.Id("total")).Int())
		if withGrad {
			params = append(params, jen.Id("rng").Op("*").Qual(RuntimePath, "RNG"))
		}
		params = append(params, jen.Id("predRows").Index().Id("T"))
	} else {
		params = append(params, jen.List(jen.Id("dstRows"), jen.Id("xRows")).Index().Id("T"), jen.Id("n").Int())
	}
	fn := jen.Comment(doc).Line().Func().Params(recv()).Id(name).Params(params...)
	if withLoss {
		fn = fn.Id("T")
	}
	return fn.Block(en.body...)
}

// entry is the state of one generated pass: local names of the materialized nodes.
type entry struct {
	e       *emitter
	row     bool // one sample, no batch loops: the single-row Predict
	tile    bool // a tile of rows r0 … r0+n-1 of the model's point sets; gradients accumulate
	predict bool // a tile of Predict's arguments rather than of the point sets
	plan    *ir.Plan
	pass    *ir.Pass
	names   map[int]string
	used    map[string]bool
	gradOf  map[int]*ir.Param // nodes computed straight into a parameter's gradient view
	body    []jen.Code
	ldName  string    // the batch stride of the pass's buffers: MaxBatch unless set
	group   *vecGroup // elementwise nodes waiting to be written as one vector program
}

func (en *entry) add(c ...jen.Code) { en.body = append(en.body, c...) }

// ld is the batch stride of the pass's buffers: element f of sample b is at f·ld + b.
func (en *entry) ld() *jen.Statement {
	if en.ldName == "" {
		return jen.Id("MaxBatch")
	}
	return jen.Id(en.ldName)
}

// fresh returns a Go identifier based on name, unique in this method.
func (en *entry) fresh(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r == '_' || r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" || unicode.IsDigit(rune(s[0])) {
		s = "v" + s
	}
	if goReserved[s] || s == "_" {
		s += "_"
	}
	if !en.used[s] {
		en.used[s] = true
		return s
	}
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s_%d", s, i)
		if !en.used[c] {
			en.used[c] = true
			return c
		}
	}
}

// ref is the storage of a materialized node: a local slice, a view, or a scalar.
func (en *entry) ref(n *ir.Node) *jen.Statement {
	if n.Op == ir.OpParam {
		if len(n.Shape) == 0 { // a coefficient: a scalar, stored as one element
			return jen.Id("m").Dot(GoName(n.Param.Name)).Index(jen.Lit(0))
		}
		return jen.Id("m").Dot(GoName(n.Param.Name))
	}
	if n.Op == ir.OpConst {
		return jen.Id("T").Call(en.e.constant(n))
	}
	name, ok := en.names[n.ID]
	if !ok {
		panic(fmt.Sprintf("mlc: internal error: %v used before it is computed", n))
	}
	return jen.Id(name)
}

// declare names the storage of n before it is computed.
func (en *entry) declare(n *ir.Node, base string) string {
	name, ok := en.names[n.ID] // reserved by target for the comment above it
	if !ok {
		name = en.fresh(base)
		en.names[n.ID] = name
	}
	switch {
	case n.Batched && en.row:
		off := en.plan.Offset[n.ID]
		en.add(jen.Id(name).Op(":=").Id("m").Dot("rowWork").Index(jen.Lit(off).Op(":").Lit(off + n.Size())))
	case n.Batched:
		off := en.plan.Offset[n.ID]
		en.add(jen.Id(name).Op(":=").Id("w").Dot("work").Index(
			jen.Lit(off).Op("*").Add(en.ld()).Op(":").Lit(off + n.Size()).Op("*").Add(en.ld())))
	case len(n.Shape) > 0:
		if p := en.gradOf[n.ID]; p != nil {
			// The gradient of a parameter goes straight into the worker's gradient.
			en.add(jen.Id(name).Op(":=").Id("w").Dot("grads").Index(jen.Lit(p.Offset).Op(":").Lit(p.Offset + p.Size())))
		} else if en.row {
			// The single-row Predict runs on the model, without a worker.
			off := en.e.rowUSize
			en.e.rowUSize += n.Size()
			en.add(jen.Id(name).Op(":=").Id("m").Dot("rowScratch").Index(jen.Lit(off).Op(":").Lit(off + n.Size())))
		} else {
			off := en.e.uSize
			en.e.uSize += n.Size()
			en.add(jen.Id(name).Op(":=").Id("w").Dot("scratch").Index(jen.Lit(off).Op(":").Lit(off + n.Size())))
		}
	}
	return name
}

func (en *entry) comment(n *ir.Node, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	if pos := sourcePos(n); pos.Line > 0 {
		text += " (" + en.e.loc(pos.Line) + ")"
	}
	if len(en.body) > 0 {
		en.add(jen.Line())
	}
	en.add(jen.Comment(text))
}

// generatedNames are the identifiers generated code writes itself (jen.Id with a fixed name
// in this package: locals, parameters, fields, types, package-level names). A named
// constant that would take one is renamed, so no local can shadow it;
// TestGeneratedNamesComplete keeps the list complete.
var generatedNames = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`b batches c dst dstRows f grads i j k l m mask minSplit n o out p params pred
		predDst predIn predRows r0 rng row rowScratch rowWork rows s scratch setHi setLo sums termNames tiles total v w
		work worker x xRows y yRows T MaxBatch PredictBatch NumInputs NumOutputs NumTargets NumParams NumSets
		NumTerms NumWorkers Model New Points cols dir err refs want MakePoints References PredictColumns MakeData Standardize train test Domain
		best ch e top vec points cand col res idx chunkWeights chunks epsilon ld convFFTs fft fftCache`) {
		generatedNames[n] = true
	}
}

// usedNames is the set of names an entry starts with: the locals it writes itself and the
// named constants', which its buffers must not shadow.
func (e *emitter) usedNames(locals ...string) map[string]bool {
	used := map[string]bool{}
	for _, n := range locals {
		used[n] = true
	}
	for _, c := range e.consts {
		used[c.goName] = true
	}
	return used
}

// target is the Go name of the node about to be computed, chosen now so that the comment
// above its code can use it.
func (en *entry) target(n *ir.Node) string {
	if name, ok := en.names[n.ID]; ok {
		return name
	}
	name := en.fresh(nodeName(n))
	en.names[n.ID] = name
	return name
}

// local is how a comment names a value: the Go name of a computed buffer (which may carry
// a suffix, d_dense9_W_2, when several values share an IR name), else its IR name.
func (en *entry) local(n *ir.Node) string {
	if name, ok := en.names[n.ID]; ok {
		return name
	}
	if n.Op == ir.OpConst && n.ConstName == "" {
		return strconv.FormatFloat(n.Value, 'g', -1, 64)
	}
	return nodeName(n)
}

func nodeName(n *ir.Node) string {
	if n.Name != "" && n.Name != "const" {
		return n.Name
	}
	return n.Op.String()
}

// assign is the operator that stores n: gradients of a tile add to what earlier tiles left.
func (en *entry) assign(n *ir.Node) string {
	if en.tile && en.gradOf[n.ID] != nil {
		return "+="
	}
	return "="
}

// column is the data column a tile's input or known value is read from.
func (en *entry) column(n *ir.Node) *jen.Statement {
	if en.predict {
		return jen.Id("m").Dot("predIn").Index(jen.Lit(en.e.inputIndex(n.Name)))
	}
	return jen.Id("m").Dot("col" + GoName(n.Name))
}

// rowRange is a range of rows of the current batch: statements declaring lo and hi.
type rowRange struct {
	decl   []jen.Code
	lo, hi jen.Code
}

// ranges are the row ranges of the batch that belong to the point sets in mask (every row
// for 0). Consecutive sets are stored next to each other and make one range.
func (en *entry) ranges(mask uint64) []rowRange {
	if mask == 0 || !en.tile {
		return []rowRange{{lo: jen.Lit(0), hi: jen.Id("n")}}
	}
	var out []rowRange
	for i := 0; i < 64; i++ {
		if mask&(1<<i) == 0 {
			continue
		}
		j := i
		for j+1 < 64 && mask&(1<<(j+1)) != 0 {
			j++
		}
		lo, hi := en.fresh("lo"), en.fresh("hi")
		out = append(out, rowRange{
			decl: []jen.Code{jen.Comment(en.setList(mask&(((1<<(j+1))-1)&^((1<<i)-1))) + ": the rows of this batch"),
				jen.List(jen.Id(lo), jen.Id(hi)).Op(":=").List(
					jen.Max(jen.Id("m").Dot("setLo").Index(jen.Lit(i)).Op("-").Id("r0"), jen.Lit(0)),
					jen.Min(jen.Id("m").Dot("setHi").Index(jen.Lit(j)).Op("-").Id("r0"), jen.Id("n")))},
			lo: jen.Id(lo), hi: jen.Id(hi)})
		i = j
	}
	return out
}

// count is the number of rows a mean over mask divides by: all rows of the whole data
// (not just this batch) of the sets.
func (en *entry) count(mask uint64) jen.Code {
	if !en.tile {
		return jen.Id("total") // this part of the batch over the whole batch
	}
	if mask == 0 {
		return jen.Id("m").Dot("rows")
	}
	return jen.Id("m").Dot("rowsIn").Call(jen.Lit(int(mask)))
}

func (en *entry) setList(mask uint64) string {
	if mask == 0 {
		return "the batch"
	}
	var names []string
	for i, ps := range en.e.m.PointSets {
		if mask&(1<<i) != 0 {
			names = append(names, ps.Name)
		}
	}
	return strings.Join(names, " + ")
}

// predictBudget is the size the intermediate values of one Predict batch should stay within:
// they are written and read back layer after layer, so they should stay in the core's L2.
const predictBudget = 128 << 10

// predictBatchFor is PredictBatch: the multiple of 64 rows whose work area (rows values a row
// of bits-bit floats) fits predictBudget, between maxBatch and 1024.
func predictBatchFor(maxBatch, rows int, bits string) int {
	b := predictBudget / (max(rows, 1) * floatBytes(bits)) / 64 * 64
	return max(maxBatch, min(b, 1024))
}

// floatBytes is the size of the model's floats ("32" or "64" bits) in bytes.
func floatBytes(bits string) int {
	if bits == "64" {
		return 8
	}
	return 4
}

// sourcePos is where in the .ml file a node comes from: its own position, or for a value a
// derivative rule made (a slope, an adjoint), the nearest of its arguments'.
func sourcePos(n *ir.Node) dsl.Pos {
	seen := map[*ir.Node]bool{}
	queue := []*ir.Node{n}
	for len(queue) > 0 && len(seen) < 64 {
		x := queue[0]
		queue = queue[1:]
		if x.Pos.Line > 0 {
			return x.Pos
		}
		seen[x] = true
		for _, a := range x.Args {
			if !seen[a] {
				queue = append(queue, a)
			}
		}
	}
	return dsl.Pos{}
}
