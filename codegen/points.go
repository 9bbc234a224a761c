package codegen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/ir"
)

// numWorkers is how many goroutines share a call of a generated model (a mini-batch
// model's batch, a point-set model's tiles). The work is split into this many fixed parts
// whatever the number of cores, and the parts are summed in a fixed order, so a seed gives
// the same result on one core or two.
const numWorkers = 2

// minSplit is the smallest batch a mini-batch model splits between its workers: below it
// the cost of waking the second goroutine is not worth paying.
const minSplit = 64

// defaultTile is the batch a point-set model's passes work on when the train statement
// gives none: large enough that loop overhead vanishes, small enough that a tile's
// buffers stay in the cache: 512 bytes a row, 128 float32 or 64 float64 columns (the
// Burgers Adam step in float64, one core: 7.2 ms at 128 columns, 6.8 at 64).
const defaultTile = 512

func (e *emitter) defaultTile() int { return defaultTile / floatBytes(e.bits) }

// pointsFile generates a model trained on named point sets (a physics-informed network):
// all points are one data set, cut into tiles processed by two goroutines.
func (e *emitter) pointsFile(pkg string) {
	m, f := e.m, e.f
	var doc strings.Builder
	fmt.Fprintf(&doc, "Package %s is the model %s of %s, compiled by mlc.\n\n", pkg, m.Name, e.source())
	var ins []string
	for _, in := range m.Inputs {
		ins = append(ins, in.Name)
	}
	fmt.Fprintf(&doc, "\tinput  %s\n", strings.Join(ins, ", "))
	for _, p := range m.Periodic {
		fmt.Fprintf(&doc, "\tperiodic %s in [%v, %v], harmonics %d  # %s\n", p.Input, p.Lo, p.Hi, p.Harmonics, e.loc(p.Pos.Line))
	}
	for _, l := range m.Layers {
		fmt.Fprintf(&doc, "\t%-9s %-22s # %s\n", l.Name, l.Desc, e.loc(l.Pos.Line))
	}
	for _, c := range m.Coefficients {
		pos := ""
		if c.Positive {
			pos = ", positive"
		}
		fmt.Fprintf(&doc, "\tparam  %s = %v%s  # %s\n", c.Name, c.Init, pos, e.loc(c.Pos.Line))
	}
	fmt.Fprintf(&doc, "\toutput %s\n", outputDesc(m))
	for _, ps := range m.PointSets {
		var known []string
		for _, k := range ps.Known {
			known = append(known, k.Name)
		}
		fmt.Fprintf(&doc, "\tpoints %s(%s", ps.Name, strings.Join(ins, ", "))
		if len(known) > 0 {
			fmt.Fprintf(&doc, "; %s", strings.Join(known, ", "))
		}
		fmt.Fprintf(&doc, ")  # %s\n", e.loc(ps.Pos.Line))
	}
	fmt.Fprintf(&doc, "\tloss terms: %s\n", strings.Join(m.TermNames, ", "))
	doc.WriteString("\nThe input derivatives the loss uses are derived at build time (forward mode, once per\n" +
		"order) and the gradient of the loss is the exact gradient through them.\n" +
		"Parameters live in one flat vector (Params) with a named view per tensor; a dense\n" +
		"kernel is stored [out][in], row-major. Tiles of MaxBatch points are batch-major:\n" +
		"element f of point b is at f*MaxBatch + b.")
	f.PackageComment(doc.String())

	f.Commentf("T is the element type of the model (dtype %s).", m.DType)
	f.Type().Id("T").Op("=").Id("float" + e.bits)
	e.constDecls()

	tile := e.maxBatch
	if !m.Settings.BatchGiven {
		tile = e.defaultTile()
	}
	e.maxBatch = tile
	decls := []jen.Code{
		jen.Id("NumInputs").Op("=").Lit(len(m.Inputs)).Comment(strings.Join(ins, ", ")),
		jen.Id("NumOutputs").Op("=").Lit(m.Output.Size()).Comment(outputDesc(m)),
		jen.Id("NumParams").Op("=").Lit(m.NumParams),
		jen.Id("NumSets").Op("=").Lit(len(m.PointSets)),
		jen.Id("NumTerms").Op("=").Lit(len(m.TermNames)),
	}
	if ir.NeedsResiduals(m) {
		decls = append(decls, jen.Id("NumResiduals").Op("=").Lit(len(m.ResidualNames)).Comment(strings.Join(m.ResidualNames, ", ")))
	}
	f.Const().Defs(append(decls,
		jen.Line().Comment("MaxBatch is the tile: the passes work on this many points at a time.").Line().
			Id("MaxBatch").Op("=").Lit(tile),
		jen.Comment("NumWorkers is how many goroutines share the tiles."),
		jen.Id("NumWorkers").Op("=").Lit(numWorkers),
	)...)
	names := make([]jen.Code, len(m.TermNames))
	for i, n := range m.TermNames {
		names[i] = jen.Lit(n)
	}
	f.Comment("termNames name the terms of the loss, in the order of Terms.")
	f.Var().Id("termNames").Op("=").Index().String().Values(names...)

	predPlan := ir.Schedule(m.Infer.Graph, []*ir.Node{m.Infer.Pred})
	lossPlan := ir.Schedule(m.Infer.Graph, append([]*ir.Node{m.Infer.Summed}, nonNil(m.Infer.TermSummed)...))
	gradPlan := ir.Schedule(m.Train.Graph, append(append([]*ir.Node{m.Train.Summed}, nonNil(m.Train.TermSummed)...), m.Train.Grads...))
	plans := []*ir.Plan{predPlan, lossPlan, gradPlan}
	residuals := ir.NeedsResiduals(m)
	var residPlan *ir.Plan
	if residuals {
		residPlan = ir.Schedule(m.Infer.Graph, m.Infer.Residuals)
		plans = append(plans, residPlan)
	}
	for _, p := range plans {
		e.workRows = max(e.workRows, p.Rows)
	}
	methods := []jen.Code{
		e.tileEntry("predictTile", "predictTile computes the outputs at rows r0 … r0+n-1 of Predict's columns.", m.Infer, predPlan, tilePredict),
		e.tileEntry("lossTile", "lossTile adds the loss and its terms on rows r0 … r0+n-1 of the points to sums.", m.Infer, lossPlan, tileLoss),
		e.tileEntry("lossGradTile", "lossGradTile adds the loss and its terms on rows r0 … r0+n-1 of the points to sums, and\nits gradient to w.grads.", m.Train, gradPlan, tileGrad),
	}
	if residuals {
		methods = append(methods, e.tileEntry("residualTile", "residualTile computes the residuals at rows r0 … r0+n-1 of Residuals' columns.", m.Infer, residPlan, tileResiduals))
	}

	e.pointTypes()
	e.workerType()
	fields := append(workersField(), e.paramFields()...)
	fields = append(fields,
		jen.Comment("The points of all sets, one after another, a column per input and known value."),
		jen.Id("rows").Int(),
		jen.List(jen.Id("setLo"), jen.Id("setHi")).Index(jen.Id("NumSets")).Int())
	for _, c := range e.columns() {
		fields = append(fields, jen.Id("col"+GoName(c)).Index().Id("T"))
	}
	fields = append(fields,
		jen.Line(),
		jen.Comment("Predict's arguments, for the workers."),
		jen.Id("predIn").Index(jen.Id("NumInputs")).Index().Id("T"),
		jen.Id("predDst").Index().Id("T"),
		jen.Comment("points are the sets SetPoints last set, which Resample draws again in part."),
		jen.Id("points").Op("*").Id("Points"),
		jen.Comment("tiles runs the passes on the workers: worker 0 on the caller's goroutine, the others"),
		jen.Comment("on goroutines of their own that stay awake between calls."),
		jen.Id("tiles").Qual(RuntimePath, "Tiles").Types(jen.Id("T"), jen.Id("worker")),
	)
	f.Commentf("Model holds the parameters of %s, its points and the scratch space of its passes.", m.Name)
	f.Comment("A Model is not safe for concurrent use.")
	f.Type().Id("Model").Struct(fields...)
	body := append([]jen.Code{jen.Id("m").Op(":=").Op("&").Id("Model").Values()}, e.paramViews()...)
	var consts []jen.Code
	anyConst := m.Infer.Const != 0
	for _, c := range m.Infer.TermConst {
		consts = append(consts, lit(c))
		anyConst = anyConst || c != 0
	}
	passes := jen.Dict{
		jen.Id("Tile"):     jen.Id("MaxBatch"),
		jen.Id("Terms"):    jen.Id("NumTerms"),
		jen.Id("Predict"):  jen.Id("m").Dot("predictTile"),
		jen.Id("Loss"):     jen.Id("m").Dot("lossTile"),
		jen.Id("LossGrad"): jen.Id("m").Dot("lossGradTile"),
		jen.Id("Grads"):    jen.Func().Params(jen.Id("w").Op("*").Id("worker")).Index().Id("T").Block(jen.Return(jen.Id("w").Dot("grads").Index(jen.Op(":").Id("NumParams")))),
	}
	if residuals {
		passes[jen.Id("Residuals")] = jen.Id("m").Dot("residualTile")
	}
	if anyConst {
		// The constant parts of the loss and its terms, added once rather than per tile.
		passes[jen.Id("LossConst")] = lit(m.Infer.Const)
		passes[jen.Id("TermConsts")] = jen.Index().Float64().Values(consts...)
	}
	body = append(body,
		jen.Id("m").Dot("tiles").Dot("Init").Call(jen.Qual(RuntimePath, "TilePasses").Types(jen.Id("T"), jen.Id("worker")).Values(passes), jen.Id("m").Dot("w").Index(jen.Op(":"))),
		jen.Return(jen.Id("m")))
	f.Comment("New returns a model with zero parameters and no points; call Init (or load weights) and SetPoints.")
	f.Func().Id("New").Params().Op("*").Id("Model").Block(body...)
	f.Line()
	e.commonMethods()
	e.pointMethods()
	if ir.NeedsResiduals(m) {
		e.residualMethods()
	}
	e.fitSetup()
	if HasSources(m) || len(m.References) > 0 {
		e.problem()
	}
	for _, c := range methods {
		f.Add(c)
		f.Line()
	}
}

// columns are the data columns of the point sets: the inputs, then each known value.
func (e *emitter) columns() []string {
	var cols []string
	for _, in := range e.m.Inputs {
		cols = append(cols, in.Name)
	}
	for _, ps := range e.m.PointSets {
		for _, k := range ps.Known {
			cols = append(cols, k.Name)
		}
	}
	return cols
}

// nonNil is the nodes of list that are not nil.
func nonNil(list []*ir.Node) []*ir.Node {
	var out []*ir.Node
	for _, n := range list {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}

func setType(ps *ir.PointSet) string { return GoName(ps.Name) + "Points" }

// pointTypes declares Points, the argument of SetPoints: a struct of columns per set.
func (e *emitter) pointTypes() {
	f := e.f
	var sets []jen.Code
	for _, ps := range e.m.PointSets {
		var cols []jen.Code
		for _, in := range e.m.Inputs {
			cols = append(cols, jen.Id(GoName(in.Name)))
		}
		for _, k := range ps.Known {
			cols = append(cols, jen.Id(GoName(k.Name)))
		}
		f.Commentf("%s are the points of the set %s (%s): one value per point in each column.", setType(ps), ps.Name, e.loc(ps.Pos.Line))
		f.Type().Id(setType(ps)).Struct(jen.List(cols...).Index().Id("T"))
		sets = append(sets, jen.Id(GoName(ps.Name)).Id(setType(ps)))
	}
	f.Comment("Points holds every point set of the model.")
	f.Type().Id("Points").Struct(sets...)
	f.Line()
}

func (e *emitter) pointMethods() {
	m, f := e.m, e.f
	// SetPoints
	var body []jen.Code
	body = append(body, jen.Id("rows").Op(":=").Lit(0))
	for i, ps := range m.PointSets {
		set := jen.Id("p").Dot(GoName(ps.Name))
		first := m.Inputs[0].Name
		body = append(body, jen.Id("m").Dot("setLo").Index(jen.Lit(i)).Op("=").Id("rows"))
		var cols []string
		for _, in := range m.Inputs[1:] {
			cols = append(cols, in.Name)
		}
		for _, k := range ps.Known {
			cols = append(cols, k.Name)
		}
		for _, c := range cols {
			body = append(body, jen.If(jen.Len(set.Clone().Dot(GoName(c))).Op("!=").Len(set.Clone().Dot(GoName(first)))).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s: point set %s: column %s has %%d values, column %s has %%d", strings.ToLower(m.Name), ps.Name, c, first)),
					jen.Len(set.Clone().Dot(GoName(c))), jen.Len(set.Clone().Dot(GoName(first)))))))
		}
		body = append(body, jen.Id("rows").Op("+=").Len(set.Clone().Dot(GoName(first))),
			jen.Id("m").Dot("setHi").Index(jen.Lit(i)).Op("=").Id("rows"))
	}
	body = append(body, jen.If(jen.Id("rows").Op("==").Lit(0)).Block(
		jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(strings.ToLower(m.Name)+": no points")))))
	body = append(body, jen.Id("m").Dot("rows").Op("=").Id("rows"))
	for _, c := range e.columns() {
		col := jen.Id("m").Dot("col" + GoName(c))
		body = append(body, jen.Add(col).Op("=").Append(col.Clone().Index(jen.Op(":").Lit(0)), jen.Make(jen.Index().Id("T"), jen.Id("rows")).Op("...")))
		for i, ps := range m.PointSets {
			has := false
			for _, in := range m.Inputs {
				has = has || in.Name == c
			}
			for _, k := range ps.Known {
				has = has || k.Name == c
			}
			if has {
				body = append(body, jen.Copy(col.Clone().Index(jen.Id("m").Dot("setLo").Index(jen.Lit(i)).Op(":")), jen.Id("p").Dot(GoName(ps.Name)).Dot(GoName(c))))
			}
		}
	}
	body = append(body, jen.Id("m").Dot("points").Op("=").Id("p"), jen.Return(jen.Nil()))
	f.Comment("SetPoints copies the point sets into the model; the loss is evaluated on them.")
	f.Comment("Known values are zero on the sets that do not give them (the loss never reads them there).")
	f.Func().Params(recv()).Id("SetPoints").Params(jen.Id("p").Op("*").Id("Points")).Error().Block(body...)
	f.Line()

	f.Comment("Rows is the number of points set by SetPoints.")
	f.Func().Params(recv()).Id("Rows").Params().Int().Block(jen.Return(jen.Id("m").Dot("rows")))
	f.Comment("rowsIn counts the points of the sets in mask (bit i: set i).")
	f.Func().Params(recv()).Id("rowsIn").Params(jen.Id("mask").Int()).Int().Block(
		jen.Id("c").Op(":=").Lit(0),
		jen.For(jen.Id("i").Op(":=").Range().Id("m").Dot("setLo")).Block(
			jen.If(jen.Id("mask").Op("&").Parens(jen.Lit(1).Op("<<").Id("i")).Op("!=").Lit(0)).Block(
				jen.Id("c").Op("+=").Id("m").Dot("setHi").Index(jen.Id("i")).Op("-").Id("m").Dot("setLo").Index(jen.Id("i")))),
		jen.Return(jen.Id("c")))
	f.Line()

	tiles := jen.Id("m").Dot("tiles")
	f.Comment("LossGrad evaluates the loss on all points, writes its gradient into Grads and the")
	f.Comment("values of its terms into Terms. It allocates nothing after its first call.")
	f.Func().Params(recv()).Id("LossGrad").Params().Float64().Block(
		jen.Return(tiles.Clone().Dot("LossGrad").Call(jen.Id("m").Dot("rows"), jen.Id("m").Dot("grads").Index(jen.Op(":")))))
	f.Comment("Loss evaluates the loss on all points (and Terms), without the gradient.")
	f.Func().Params(recv()).Id("Loss").Params().Float64().Block(
		jen.Return(tiles.Clone().Dot("Loss").Call(jen.Id("m").Dot("rows"))))
	f.Comment("Terms are the values of the loss's terms at the last Loss or LossGrad, named by TermNames.")
	f.Func().Params(recv()).Id("Terms").Params().Index().Float64().Block(jen.Return(tiles.Clone().Dot("Terms").Call()))
	f.Comment("TermNames names the terms of the loss.")
	f.Func().Params(recv()).Id("TermNames").Params().Index().String().Block(jen.Return(jen.Id("termNames")))
	f.Line()

	// Predict
	var args []jen.Code
	var checks, sets []jen.Code
	first := m.Inputs[0].Name
	for i, in := range m.Inputs {
		args = append(args, jen.Id(in.Name+"s"))
		if i > 0 {
			checks = append(checks, jen.If(jen.Len(jen.Id(in.Name+"s")).Op("!=").Len(jen.Id(first+"s"))).Block(
				jen.Panic(jen.Lit(fmt.Sprintf("%s: Predict: columns of different lengths", m.Name)))))
		}
		sets = append(sets, jen.Id("m").Dot("predIn").Index(jen.Lit(i)).Op("=").Id(in.Name+"s"))
	}
	pbody := append(checks, jen.If(jen.Len(jen.Id("dst")).Op("<").Len(jen.Id(first+"s")).Op("*").Id("NumOutputs")).Block(
		jen.Panic(jen.Lit(m.Name+": Predict: dst too short"))))
	pbody = append(pbody, sets...)
	pbody = append(pbody, jen.Id("m").Dot("predDst").Op("=").Id("dst"),
		jen.Id("m").Dot("tiles").Dot("Predict").Call(jen.Len(jen.Id(first+"s"))))
	for i := range m.Inputs {
		pbody = append(pbody, jen.Id("m").Dot("predIn").Index(jen.Lit(i)).Op("=").Nil())
	}
	pbody = append(pbody, jen.Id("m").Dot("predDst").Op("=").Nil())
	f.Commentf("Predict writes %s at the points given by the columns %s (one value per point each)", m.Output.Name, strings.Join(func() []string {
		var s []string
		for _, in := range m.Inputs {
			s = append(s, in.Name+"s")
		}
		return s
	}(), ", "))
	f.Comment("into dst (NumOutputs values a point).")
	f.Func().Params(recv()).Id("Predict").Params(jen.Id("dst").Index().Id("T"), jen.List(args...).Index().Id("T")).Block(pbody...)
	f.Line()

	f.Comment("Close stops the model's worker goroutines; a later call starts them again.")
	f.Func().Params(recv()).Id("Close").Params().Block(jen.Id("m").Dot("tiles").Dot("Close").Call())
	f.Line()
}

// fitSetup emits FitConfig: the optimizer schedule and stop rule of the .ml file.
func (e *emitter) fitSetup() {
	m, f := e.m, e.f
	var stages []jen.Code
	for _, o := range m.Optimizers {
		d := jen.Dict{jen.Id("Optimizer"): jen.Lit(o.Name)}
		for k, v := range o.Args {
			switch k {
			case "steps":
				if v > 0 {
					d[jen.Id("Steps")] = jen.Lit(int(v))
				}
			case "memory":
				d[jen.Id("Memory")] = jen.Lit(int(v))
			case "lr":
				d[jen.Id("LR")] = lit(v)
			case "beta1", "beta2", "epsilon", "momentum":
				d[jen.Id(GoName(k))] = lit(v)
			}
		}
		stages = append(stages, jen.Values(d))
	}
	st := m.Settings
	cfg := jen.Dict{
		jen.Id("Stages"): jen.Index().Qual(RuntimePath, "Stage").Values(stages...),
		jen.Id("Epochs"): jen.Lit(st.Epochs),
	}
	if st.StopRelChange > 0 {
		cfg[jen.Id("StopRelChange")] = lit(st.StopRelChange)
		cfg[jen.Id("StopPatience")] = jen.Lit(st.StopPatience)
	}
	if c := st.Causal; c != nil {
		cfg[jen.Id("Causal")] = jen.Qual(RuntimePath, "Causal").Values(jen.Dict{
			jen.Id("Every"):   jen.Lit(c.Every),
			jen.Id("Chunks"):  jen.Lit(c.Chunks),
			jen.Id("Epsilon"): lit(c.Epsilon),
		})
	}
	if r := st.Resample; r != nil {
		cfg[jen.Id("Resample")] = jen.Qual(RuntimePath, "Resample").Values(jen.Dict{
			jen.Id("Every"): jen.Lit(r.Every),
			jen.Id("K"):     lit(r.K),
			jen.Id("C"):     lit(r.C),
		})
	}
	if b := st.Balance; b != nil {
		var offs []jen.Code
		for _, c := range m.Coefficients {
			if c.Term > 0 {
				offs = append(offs, jen.Lit(c.Param.Offset))
			}
		}
		cfg[jen.Id("Balance")] = jen.Qual(RuntimePath, "Balance").Values(jen.Dict{
			jen.Id("Every"):   jen.Lit(b.Every),
			jen.Id("Alpha"):   lit(b.Alpha),
			jen.Id("Weights"): jen.Index().Int().Values(offs...),
		})
	}
	f.Commentf("FitConfig returns the optimizer schedule and the train settings of %s.", e.source())
	f.Func().Id("FitConfig").Params().Qual(RuntimePath, "FitConfig").Block(jen.Return(jen.Qual(RuntimePath, "FitConfig").Values(cfg)))
	f.Line()
}

type tileKind int

const (
	tilePredict tileKind = iota
	tileLoss
	tileGrad
	tileResiduals // Predict's columns in, the residual statements' values out
)

// tileEntry generates one pass over a tile of a point-set model.
func (e *emitter) tileEntry(name, doc string, pass *ir.Pass, plan *ir.Plan, kind tileKind) jen.Code {
	en := e.newEntry(plan, pass)
	en.tile = true
	en.predict = kind == tilePredict || kind == tileResiduals
	if kind == tileGrad {
		en.markGrads()
	}
	for _, n := range plan.Order {
		en.node(n)
	}
	en.flushVec(len(en.body))
	switch kind {
	case tileResiduals:
		en.residualOut(pass)
	case tilePredict:
		pred := en.ref(pass.Pred)
		en.add(jen.Comment("The outputs, a row per point."))
		en.add(jen.For(jen.Id("f").Op(":=").Lit(0), jen.Id("f").Op("<").Id("NumOutputs"), jen.Id("f").Op("++")).Block(
			jen.Id("row").Op(":=").Add(pred).Index(jen.Id("f").Op("*").Add(en.ld()).Op(":")).Index(jen.Op(":").Id("n")),
			jen.For(jen.List(jen.Id("b"), jen.Id("v")).Op(":=").Range().Id("row")).Block(
				jen.Id("m").Dot("predDst").Index(jen.Parens(jen.Id("r0").Op("+").Id("b")).Op("*").Id("NumOutputs").Op("+").Id("f")).Op("=").Id("v"))))
	default:
		if kind == tileGrad {
			en.finishGrads()
		}
		en.add(jen.Comment("This tile's share of the loss (sums[0]) and of its terms."))
		en.add(jen.Id("sums").Index(jen.Lit(0)).Op("+=").Float64().Call(en.ref(pass.Summed)))
		for i, t := range pass.TermSummed {
			if t == nil {
				continue // a constant term: Tiles adds it once
			}
			en.add(jen.Id("sums").Index(jen.Lit(1 + i)).Op("+=").Float64().Call(en.ref(t)))
		}
	}
	params := []jen.Code{jen.Id("w").Op("*").Id("worker"), jen.List(jen.Id("r0"), jen.Id("n")).Int()}
	if kind == tileLoss || kind == tileGrad {
		params = append(params, jen.Id("sums").Index().Float64())
	}
	return jen.Comment(doc).Line().Func().Params(recv()).Id(name).Params(params...).Block(en.body...)
}
