package codegen

// The generated file's declarations and public API: constants, the Model type, its
// methods, the workers' share of a call, and the train and optimizer settings.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unsafe"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/ir"
	"github.com/mlc-go/mlc/kernels"
)

func (e *emitter) file(pkg string) {
	if len(e.m.PointSets) > 0 {
		e.pointsFile(pkg)
		return
	}
	m, f := e.m, e.f
	var doc strings.Builder
	fmt.Fprintf(&doc, "Package %s is the model %s of %s, compiled by mlc.\n\n", pkg, m.Name, e.source())
	for _, in := range m.Inputs {
		fmt.Fprintf(&doc, "\tinput  %s%s\n", in.Name, shapeComment(in.Shape))
	}
	for _, l := range m.Layers {
		fmt.Fprintf(&doc, "\t%-9s %-22s # %s\n", l.Name, l.Desc, e.loc(l.Pos.Line))
	}
	fmt.Fprintf(&doc, "\toutput %s\n", outputDesc(m))
	for _, t := range m.Targets {
		fmt.Fprintf(&doc, "\ttarget %s%s\n", t.Name, shapeComment(t.Shape))
	}
	doc.WriteString("\nParameters live in one flat vector (Params) with a named view per tensor; a dense\n" +
		"kernel is stored [out][in], row-major. Batched buffers are batch-major: element f of\n" +
		"sample b is at f*ld + b, ld the rows of the call rounded up to whole vectors.")
	f.PackageComment(doc.String())

	f.Commentf("T is the element type of the model (dtype %s).", m.DType)
	f.Type().Id("T").Op("=").Id("float" + e.bits)
	e.constDecls()

	out := m.Output
	nInputs, nTargets := 0, 0
	var inDesc, targetDesc []string
	for _, in := range m.Inputs {
		nInputs += in.Size()
		inDesc = append(inDesc, in.Name+shapeComment(in.Shape))
	}
	for _, t := range m.Targets {
		nTargets += t.Size()
		targetDesc = append(targetDesc, t.Name+shapeComment(t.Shape))
	}
	targets := jen.Id("NumTargets").Op("=").Lit(nTargets)
	if len(targetDesc) > 0 {
		targets.Comment(rowLayout(targetDesc))
	}
	f.Const().Defs(
		jen.Id("NumInputs").Op("=").Lit(nInputs).Comment(rowLayout(inDesc)),
		jen.Id("NumOutputs").Op("=").Lit(out.Size()).Comment(outputDesc(m)),
		targets,
		jen.Id("NumParams").Op("=").Lit(m.NumParams),
		jen.Line().Comment("MaxBatch is the largest batch LossGrad and Loss take: the batch size of the train").
			Line().Comment("statement. Predict takes any number of rows.").Line().
			Id("MaxBatch").Op("=").Lit(e.maxBatch),
		jen.Comment("NumWorkers is how many goroutines share a call: a batch is split between them when it"),
		jen.Comment("has at least minSplit rows; prediction over many rows always uses them all."),
		jen.Id("NumWorkers").Op("=").Lit(numWorkers),
		jen.Id("minSplit").Op("=").Lit(minSplit),
	)

	// Plans first: their sizes set the struct's scratch areas.
	// The inference passes read a conv layer's input straight from the previous layer's
	// pre-activation where they compute the layer through the FFT; the single-row Predict
	// computes every layer directly, on a plan of its own.
	fft := ir.ConvOptions{ReadsInput: func(n *ir.Node) bool { return e.fftLength(n) > 0 }, Chains: e.chains}
	predPlan := ir.ScheduleWith(m.Infer.Graph, []*ir.Node{m.Infer.Pred}, fft)
	rowPlan := ir.Schedule(m.Infer.Graph, []*ir.Node{m.Infer.Pred})
	var lossPlan, gradPlan *ir.Plan
	if m.Infer.Loss != nil {
		lossPlan = ir.ScheduleWith(m.Infer.Graph, []*ir.Node{m.Infer.Pred, m.Infer.Summed}, fft)
		gradPlan = ir.Schedule(m.Train.Graph, append([]*ir.Node{m.Train.Pred, m.Train.Summed}, m.Train.Grads...))
	}
	for _, p := range []*ir.Plan{predPlan, lossPlan, gradPlan} {
		if p != nil {
			e.workRows = max(e.workRows, p.Rows)
		}
	}
	e.predictRows, e.rowRows = predPlan.Rows, rowPlan.Rows
	e.predictBatch = predictBatchFor(e.maxBatch, predPlan.Rows, e.bits)
	f.Const().Defs(
		jen.Comment("PredictBatch is how many rows a worker runs through the network at a time in Predict:"),
		jen.Comment("as many as keep that pass's intermediate values within about 128 KB, at least MaxBatch."),
		jen.Id("PredictBatch").Op("=").Lit(e.predictBatch),
	)
	var methods []jen.Code
	methods = append(methods, e.rowEntry(rowPlan))
	methods = append(methods, e.entry("predictBatch", "predictBatch computes the outputs of n ≤ PredictBatch rows of x into dst (inference: no dropout).",
		m.Infer, predPlan, false, false))
	if lossPlan != nil {
		methods = append(methods, e.entry("lossBatch", "lossBatch is the inference-mode loss of n ≤ MaxBatch rows; pred, if not nil, receives the outputs.",
			m.Infer, lossPlan, true, false))
		methods = append(methods, e.entry("lossGradBatch", "lossGradBatch runs the training pass on n ≤ MaxBatch rows: the loss, its gradient into the\n"+
			"Grad views, and the outputs into pred if not nil. rng draws the dropout masks; nil turns\ndropout off.",
			m.Train, gradPlan, true, true))
	}

	e.modelType()
	e.publicMethods(lossPlan != nil)
	e.trainingSetup()
	if len(m.Data) > 0 {
		e.makeData()
	}
	for _, c := range methods {
		f.Add(c)
		f.Line()
	}
}

// rowLayout describes a row of Predict's or Loss's x or y: the declared tensors, one after
// another.
func rowLayout(desc []string) string {
	if len(desc) > 1 {
		return strings.Join(desc, ", ") + ", one after another in a row"
	}
	return strings.Join(desc, "")
}

// rowOffset is where input or target n starts in a row of x or y: the sizes of the tensors
// declared before it.
func (e *emitter) rowOffset(n *ir.Node) int {
	list := e.m.Inputs
	if n.Op == ir.OpTarget {
		list = e.m.Targets
	}
	off := 0
	for _, t := range list {
		if t.Name == n.Name {
			return off
		}
		off += t.Size()
	}
	panic("mlc: internal error: no input or target " + n.Name)
}

// paramFields are the Model fields every generated model has: the flat parameter and
// gradient vectors and a named view of each tensor in both.
func (e *emitter) paramFields() []jen.Code {
	fields := []jen.Code{
		jen.Id("params").Index(jen.Id("NumParams")).Id("T"),
		jen.Id("grads").Index(jen.Id("NumParams")).Id("T"),
		jen.Line(),
	}
	for _, p := range e.m.Params {
		if c := e.coefficient(p); c != nil {
			what := "the coefficient " + c.Name
			if c.Positive {
				what = "the logarithm of the positive coefficient " + c.Name
			}
			fields = append(fields, jen.Commentf("%s is %s (%s).", GoName(p.Name), what, e.loc(p.Pos.Line)))
		} else {
			fields = append(fields, jen.Commentf("%s is %s of %s (%s): %s.", GoName(p.Name), paramRole(p), p.Layer, e.loc(p.Pos.Line), shapeComment(p.Shape)))
		}
		fields = append(fields, jen.Id(GoName(p.Name)).Index().Id("T"))
	}
	if len(e.m.Params) == 0 {
		return fields
	}
	fields = append(fields, jen.Line(), jen.Comment("The gradient of the loss, in the same layout."))
	names := make([]jen.Code, len(e.m.Params))
	for i, p := range e.m.Params {
		names[i] = jen.Id(gradName(p))
	}
	return append(fields, jen.List(names...).Index().Id("T"), jen.Line())
}

// paramViews sets the named views of a new model m.
func (e *emitter) paramViews() []jen.Code {
	var body []jen.Code
	for _, p := range e.m.Params {
		lo, hi := p.Offset, p.Offset+p.Size()
		body = append(body,
			jen.Id("m").Dot(GoName(p.Name)).Op("=").Id("m").Dot("params").Index(jen.Lit(lo).Op(":").Lit(hi).Op(":").Lit(hi)),
			jen.Id("m").Dot(gradName(p)).Op("=").Id("m").Dot("grads").Index(jen.Lit(lo).Op(":").Lit(hi).Op(":").Lit(hi)))
	}
	return body
}

func (e *emitter) modelType() {
	m, f := e.m, e.f
	fields := append(workersField(), e.paramFields()...)
	fields = append(fields,
		jen.Comment("rowWork is the work area of the single-row Predict."),
		jen.Id("rowWork").Index(jen.Lit(e.rowRows)).Id("T"),
		jen.Comment("rowScratch holds its values of no row (e^s of a factorized kernel)."),
		jen.Id("rowScratch").Index(jen.Lit(max(e.rowUSize, 1))).Id("T"),
		jen.Comment("batches runs the passes on the workers: worker 0 on the caller's goroutine, the others"),
		jen.Comment("on goroutines of their own that stay awake between calls."),
		jen.Id("batches").Qual(RuntimePath, "Batches").Types(jen.Id("T"), jen.Id("worker")),
	)
	e.workerType()
	f.Commentf("Model holds the parameters of %s, their gradient and the scratch space of its passes.", m.Name)
	f.Comment("A Model is not safe for concurrent use; make one per goroutine.")
	f.Type().Id("Model").Struct(fields...)

	passes := jen.Dict{
		jen.Id("Name"):         jen.Lit(m.Name),
		jen.Id("Inputs"):       jen.Id("NumInputs"),
		jen.Id("Outputs"):      jen.Id("NumOutputs"),
		jen.Id("Targets"):      jen.Id("NumTargets"),
		jen.Id("MaxBatch"):     jen.Id("MaxBatch"),
		jen.Id("PredictBatch"): jen.Id("PredictBatch"),
		jen.Id("MinSplit"):     jen.Id("minSplit"),
		jen.Id("PredictRow"):   jen.Id("m").Dot("predictRow"),
		jen.Id("Predict"):      jen.Id("m").Dot("predictBatch"),
		jen.Id("Grads"):        jen.Func().Params(jen.Id("w").Op("*").Id("worker")).Index().Id("T").Block(jen.Return(jen.Id("w").Dot("grads").Index(jen.Op(":").Id("NumParams")))),
	}
	if m.Infer.Loss != nil {
		passes[jen.Id("Loss")] = jen.Id("m").Dot("lossBatch")
		passes[jen.Id("LossGrad")] = jen.Id("m").Dot("lossGradBatch")
		if c := m.Infer.Const; c != 0 {
			passes[jen.Id("LossConst")] = lit(c)
		}
		if e.penalty() {
			passes[jen.Id("Penalty")] = jen.Id("m").Dot("penalty")
		}
	}
	body := append([]jen.Code{jen.Id("m").Op(":=").Op("&").Id("Model").Values()}, e.paramViews()...)
	body = append(body,
		jen.Id("m").Dot("batches").Dot("Init").Call(jen.Qual(RuntimePath, "BatchPasses").Types(jen.Id("T"), jen.Id("worker")).Values(passes), jen.Id("m").Dot("w").Index(jen.Op(":"))),
		jen.Return(jen.Id("m")))
	f.Comment("New returns a model with zero parameters; call Init or load weights.")
	f.Func().Id("New").Params().Op("*").Id("Model").Block(body...)
	f.Line()
}

// workerType declares the scratch space of one goroutine's passes. Its arrays are whole
// cache lines and the struct is too, so that with the workers first in the Model (a large
// allocation, which starts on a page) every worker's buffers start on a cache line and a
// row of ld values, ld a whole number of vectors, never straddles two: the Burgers
// float32 step took 1.60 ms with its buffers 56 bytes off a line and 1.50 ms on it.
func (e *emitter) workerType() {
	lanes := 64 / floatBytes(e.bits)
	whole := func(n *jen.Statement) *jen.Statement { // n rounded up to whole vectors
		return jen.Parens(n.Op("+").Lit(lanes - 1)).Op("&^").Lit(lanes - 1)
	}
	size := jen.Lit(e.workRows).Op("*").Id("MaxBatch")
	if e.predictBatch > 0 {
		size = jen.Max(jen.Lit(e.workRows).Op("*").Id("MaxBatch"), jen.Lit(e.predictRows).Op("*").Id("PredictBatch"))
	}
	roundUp := func(n int) int { return (n + lanes - 1) &^ (lanes - 1) }
	fields := []jen.Code{
		jen.Comment("work holds the batch-major intermediate values; buffers whose lifetimes do not overlap share it."),
		jen.Id("work").Index(whole(size)).Id("T"),
		jen.Id("scratch").Index(jen.Lit(roundUp(max(e.uSize, 1)))).Id("T"),
	}
	if e.fftSize > 0 {
		fields = append(fields,
			jen.Comment("fft is the scratch of the conv layers Predict and Loss compute through the FFT, and"),
			jen.Comment("fftCache holds each one's coefficients, computed again only when its weights change."),
			jen.Id("fft").Index(jen.Lit(roundUp(e.fftSize))).Id("T"),
			jen.Id("fftCache").Index(jen.Lit(roundUp(e.fftCacheSize))).Id("T"))
	}
	fields = append(fields,
		jen.Comment("grads is this worker's share of the gradient of the last LossGrad (its first NumParams)."),
		jen.Id("grads").Index(whole(jen.Id("NumParams"))).Id("T"),
		jen.Comment("vec holds the operands of the vector programs it runs."),
		jen.Id("vec").Qual(KernelsPath, "VecTables"))
	if pad := (64 - unsafe.Sizeof(kernels.VecTables{})%64) % 64; pad > 0 {
		fields = append(fields, jen.Id("_").Index(jen.Lit(int(pad))).Byte())
	}
	e.f.Comment("worker is the scratch space of the passes one goroutine runs.")
	e.f.Type().Id("worker").Struct(fields...)
	e.f.Line()
}

// workersField is the Model's first field: its workers, on the page the Model starts on.
func workersField() []jen.Code {
	return []jen.Code{
		jen.Comment("w are the workers' scratch spaces, first so that they start on a cache line."),
		jen.Id("w").Index(jen.Id("NumWorkers")).Id("worker"),
		jen.Line(),
	}
}

func paramRole(p *ir.Param) string {
	switch p.Init {
	case "zeros":
		return "the bias"
	case "rwf_scale":
		return "the log-scales of the rows of the kernel"
	case "rwf_kernel":
		return "the kernel without its row scales"
	}
	return "the kernel"
}

func recv() *jen.Statement { return jen.Id("m").Op("*").Id("Model") }

func (e *emitter) publicMethods(hasLoss bool) {
	m, f := e.m, e.f
	e.commonMethods()
	for _, c := range []string{"NumInputs", "NumOutputs", "NumTargets", "MaxBatch"} {
		f.Func().Params(recv()).Id(c).Params().Int().Block(jen.Return(jen.Id(c)))
	}
	f.Line()
	if m.Classes > 0 {
		target := "one value per class"
		if m.Labels != "" {
			target = "the class label " + m.Labels + " (0 … " + fmt.Sprint(m.Classes-1) + ")"
		}
		f.Commentf("Classes is the number of classes of this classifier (the categorical cross-entropy of %s):", e.loc(m.ClassesPos.Line))
		f.Commentf("Predict gives one probability per class, and a row of y holds %s.", target)
		f.Func().Params(recv()).Id("Classes").Params().Int().Block(jen.Return(jen.Lit(m.Classes)))
		f.Line()
	}
	e.batchMethods(m, f, hasLoss)
}

// commonMethods are Params, Grads and Init, the same for every model.
func (e *emitter) commonMethods() {
	m, f := e.m, e.f
	f.Comment("Params is the flat parameter vector; the named fields are views into it.")
	f.Func().Params(recv()).Id("Params").Params().Index().Id("T").Block(jen.Return(jen.Id("m").Dot("params").Index(jen.Op(":"))))
	f.Comment("Grads is the gradient of the loss as left by the last LossGrad, laid out as Params.")
	f.Func().Params(recv()).Id("Grads").Params().Index().Id("T").Block(jen.Return(jen.Id("m").Dot("grads").Index(jen.Op(":"))))
	f.Line()

	var init []jen.Code
	for _, p := range m.Params {
		switch c := e.coefficient(p); {
		case c != nil && c.Positive:
			init = append(init, jen.Id("m").Dot(GoName(p.Name)).Index(jen.Lit(0)).Op("=").Id("T").Call(jen.Qual("math", "Log").Call(lit(c.Init))).Comment(c.Name+" = "+fmt.Sprint(c.Init)))
		case c != nil:
			init = append(init, jen.Id("m").Dot(GoName(p.Name)).Index(jen.Lit(0)).Op("=").Add(lit(c.Init)))
		case p.Init == "zeros":
			init = append(init, rt("Zeros").Call(jen.Id("m").Dot(GoName(p.Name))))
		case p.Init == "rwf_scale":
			init = append(init, rt("RWFScales").Call(jen.Id("m").Dot(GoName(p.Name)), lit(p.InitValue), jen.Id("rng")))
		case p.Init == "rwf_kernel":
			init = append(init, rt("RWFKernel").Call(jen.Id("m").Dot(GoName(p.Name)), jen.Id("m").Dot(GoName(p.Scale)), jen.Lit(p.FanIn), jen.Lit(p.FanOut), jen.Id("rng")))
		default:
			init = append(init, rt("GlorotUniform").Call(jen.Id("m").Dot(GoName(p.Name)), jen.Lit(p.FanIn), jen.Lit(p.FanOut), jen.Id("rng")))
		}
	}
	if len(m.Coefficients) > 0 {
		f.Comment("Init sets the parameters as Keras does (Glorot-uniform kernels, zero biases) and the")
		f.Comment("coefficients to the values the param statements start them at.")
	} else {
		f.Comment("Init sets the parameters as Keras does: Glorot-uniform kernels, zero biases.")
	}
	f.Func().Params(recv()).Id("Init").Params(jen.Id("rng").Op("*").Qual(RuntimePath, "RNG")).Block(init...)
	f.Line()
	e.coefficientMethods()
	if names := m.OutputNames; len(names) > 1 {
		vals := make([]jen.Code, len(names))
		for i, n := range names {
			vals[i] = jen.Lit(n)
		}
		f.Comment("OutputNames name the values Predict writes for each row, in their order.")
		f.Func().Params(recv()).Id("OutputNames").Params().Index().String().Block(jen.Return(jen.Index().String().Values(vals...)))
		f.Line()
	}
}

// coefficient returns the coefficient whose parameter p is, or nil.
func (e *emitter) coefficient(p *ir.Param) *ir.Coefficient {
	for _, c := range e.m.Coefficients {
		if c.Param == p {
			return c
		}
	}
	return nil
}

// coefficientMethods are CoefficientNames and Coefficients, for a model with param
// statements: what training reports besides the loss.
func (e *emitter) coefficientMethods() {
	cs := e.m.Coefficients
	if len(cs) == 0 {
		return
	}
	f := e.f
	names := make([]jen.Code, len(cs))
	vals := make([]jen.Code, len(cs))
	for i, c := range cs {
		names[i] = jen.Lit(c.Name)
		v := jen.Float64().Call(jen.Id("m").Dot(GoName(c.Param.Name)).Index(jen.Lit(0)))
		if c.Positive {
			v = jen.Qual("math", "Exp").Call(v)
		}
		vals[i] = v
	}
	f.Comment("CoefficientNames name the trainable coefficients of the param statements.")
	f.Func().Params(recv()).Id("CoefficientNames").Params().Index().String().Block(jen.Return(jen.Index().String().Values(names...)))
	f.Comment("Coefficients appends the coefficients' current values to dst, in the order of CoefficientNames.")
	f.Func().Params(recv()).Id("Coefficients").Params(jen.Id("dst").Index().Float64()).Index().Float64().Block(
		jen.Return(jen.Append(append([]jen.Code{jen.Id("dst")}, vals...)...)))
	f.Line()
}

func (e *emitter) batchMethods(m *ir.Model, f *jen.File, hasLoss bool) {
	b := jen.Id("m").Dot("batches")
	f.Comment("Predict writes the outputs of n rows of x (row-major, NumInputs values a row) into dst")
	f.Comment("(NumOutputs values a row). The workers take batches of up to PredictBatch rows as")
	f.Comment("they finish one, so a core slowed by other work does fewer; each row's outputs are")
	f.Comment("the same whichever worker computes them. It allocates nothing.")
	f.Func().Params(recv()).Id("Predict").Params(jen.List(jen.Id("dst"), jen.Id("x")).Index().Id("T"), jen.Id("n").Int()).Block(
		b.Clone().Dot("Predict").Call(jen.Id("dst"), jen.Id("x"), jen.Id("n")))
	f.Line()
	if hasLoss {
		f.Comment("Loss is the mean loss of n ≤ MaxBatch rows in inference mode (no dropout). y holds")
		f.Comment("NumTargets values a row; pred, if not nil, receives the outputs.")
		f.Func().Params(recv()).Id("Loss").Params(jen.List(jen.Id("x"), jen.Id("y")).Index().Id("T"), jen.Id("n").Int(), jen.Id("pred").Index().Id("T")).Float64().Block(
			jen.Return(b.Clone().Dot("Loss").Call(jen.Id("x"), jen.Id("y"), jen.Id("n"), jen.Id("pred"))))
		f.Line()
		f.Comment("LossGrad runs the training pass (dropout masks drawn from rng; nil turns dropout off)")
		f.Comment("on n ≤ MaxBatch rows, writes the gradient of the mean loss into Grads and returns the")
		f.Comment("loss. pred, if not nil, receives the outputs of that pass. The rows are split between")
		f.Comment("the workers in a fixed way and their gradients summed in a fixed order, so a seed gives")
		f.Comment("the same result on any number of cores.")
		f.Func().Params(recv()).Id("LossGrad").Params(jen.List(jen.Id("x"), jen.Id("y")).Index().Id("T"), jen.Id("n").Int(), jen.Id("rng").Op("*").Qual(RuntimePath, "RNG"), jen.Id("pred").Index().Id("T")).Float64().Block(
			jen.Return(b.Clone().Dot("LossGrad").Call(jen.Id("x"), jen.Id("y"), jen.Id("n"), jen.Id("rng"), jen.Id("pred"), jen.Id("m").Dot("grads").Index(jen.Op(":")))))
		f.Line()
	}
	f.Comment("Close stops the model's worker goroutines; a later call starts them again.")
	f.Func().Params(recv()).Id("Close").Params().Block(b.Clone().Dot("Close").Call())
	f.Line()
}

// trainingSetup emits the train and optimizer statements as Go values, so a program
// trains the model as its .ml file says without repeating the settings.
func (e *emitter) trainingSetup() {
	m, f := e.m, e.f
	st := m.Settings
	metrics := make([]jen.Code, len(m.Metrics))
	for i, name := range m.Metrics {
		metrics[i] = jen.Lit(name)
	}
	cfg := jen.Dict{
		jen.Id("Epochs"):          jen.Lit(st.Epochs),
		jen.Id("BatchSize"):       jen.Lit(st.Batch),
		jen.Id("ValidationSplit"): lit(st.ValidationSplit),
		jen.Id("Shuffle"):         jen.Lit(st.Shuffle),
		jen.Id("Seed"):            jen.Lit(int(st.Seed)),
	}
	if st.Patience > 0 {
		cfg[jen.Id("Patience")] = jen.Lit(st.Patience)
		cfg[jen.Id("RestoreBest")] = jen.Lit(st.RestoreBest)
	}
	if len(metrics) > 0 {
		cfg[jen.Id("Metrics")] = jen.Index().String().Values(metrics...)
	}
	if s := m.Optimizers[0].Schedule; s != nil {
		sched := jen.Dict{jen.Id("Kind"): jen.Lit(s.Name)}
		fields := map[string]string{"rate": "Rate", "every": "Every", "warmup": "Warmup", "min_lr": "MinLR", "factor": "Factor", "patience": "Patience"}
		for k, v := range s.Args {
			switch k {
			case "every", "warmup", "patience":
				sched[jen.Id(fields[k])] = jen.Lit(int(v))
			default:
				if v != 0 {
					sched[jen.Id(fields[k])] = lit(v)
				}
			}
		}
		cfg[jen.Id("Schedule")] = jen.Op("&").Qual(RuntimePath, "Schedule").Values(sched)
	}
	f.Commentf("TrainConfig returns the settings of the train and metric statements of %s.", e.source())
	f.Func().Id("TrainConfig").Params().Qual(RuntimePath, "TrainConfig").Block(
		jen.Return(jen.Qual(RuntimePath, "TrainConfig").Values(cfg)))
	f.Line()

	o := m.Optimizers[0]
	var desc []string
	for _, k := range slices.Sorted(maps.Keys(o.Args)) {
		if o.Args[k] == 0 && (k == "steps" || k == "weight_decay" || k == "clipnorm" || k == "global_clipnorm") {
			continue // off
		}
		desc = append(desc, fmt.Sprintf("%s = %v", k, o.Args[k]))
	}
	if s := o.Schedule; s != nil {
		var args []string
		for _, k := range slices.Sorted(maps.Keys(s.Args)) {
			args = append(args, fmt.Sprintf("%s = %v", k, s.Args[k]))
		}
		desc = append(desc, fmt.Sprintf("schedule = %s(%s)", s.Name, strings.Join(args, ", ")))
	}
	body := []jen.Code{}
	switch o.Name {
	case "adam", "adamw":
		body = append(body,
			jen.Id("o").Op(":=").Qual(RuntimePath, "NewAdam").Types(jen.Id("T")).Call(jen.Id("NumParams")),
			jen.Id("o").Dot("LR").Op("=").Add(lit(o.Args["lr"])),
			jen.Id("o").Dot("Beta1").Op("=").Add(lit(o.Args["beta1"])),
			jen.Id("o").Dot("Beta2").Op("=").Add(lit(o.Args["beta2"])),
			jen.Id("o").Dot("Epsilon").Op("=").Add(lit(o.Args["epsilon"])))
	case "sgd":
		body = append(body,
			jen.Id("o").Op(":=").Qual(RuntimePath, "NewSGD").Types(jen.Id("T")).Call(jen.Id("NumParams")),
			jen.Id("o").Dot("LR").Op("=").Add(lit(o.Args["lr"])),
			jen.Id("o").Dot("Momentum").Op("=").Add(lit(o.Args["momentum"])))
	default:
		panic("mlc: internal error: optimizer " + o.Name)
	}
	body = append(body, e.regularization(o)...)
	body = append(body, jen.Return(jen.Id("o")))
	where := "the default optimizer"
	if o.Pos.Line > 0 {
		where = "the optimizer of " + e.loc(o.Pos.Line)
	}
	f.Commentf("NewOptimizer returns %s: %s(%s).", where, o.Name, strings.Join(desc, ", "))
	f.Func().Id("NewOptimizer").Params().Qual(RuntimePath, "Optimizer").Types(jen.Id("T")).Block(body...)
	f.Line()
}

// regularization sets an optimizer's weight decay (of the layers' kernels, not their biases
// or the coefficients of param statements) and gradient clipping.
func (e *emitter) regularization(o *ir.Optimizer) []jen.Code {
	// spans are the places of the parameters keep picks, and a comment naming them.
	spans := func(keep func(p *ir.Param) bool) (jen.Code, string) {
		var vals []jen.Code
		var names []string
		for _, p := range e.m.Params {
			if keep(p) {
				vals = append(vals, jen.Values(jen.Id("Off").Op(":").Lit(p.Offset), jen.Id("Len").Op(":").Lit(p.Size())))
				names = append(names, p.Name)
			}
		}
		return jen.Index().Qual(RuntimePath, "Span").Values(vals...), strings.Join(names, ", ")
	}
	var out []jen.Code
	if wd := o.Args["weight_decay"]; wd > 0 {
		kernels, names := spans(func(p *ir.Param) bool { return p.Init == "glorot_uniform" })
		out = append(out,
			jen.Id("o").Dot("WeightDecay").Op("=").Add(lit(wd)),
			jen.Comment("The kernels decay: "+names+"."),
			jen.Id("o").Dot("Decayed").Op("=").Add(kernels))
	}
	if c := o.Args["global_clipnorm"]; c > 0 {
		out = append(out, jen.Id("o").Dot("GlobalClipNorm").Op("=").Add(lit(c)))
	}
	if c := o.Args["clipnorm"]; c > 0 {
		all, names := spans(func(*ir.Param) bool { return true })
		out = append(out,
			jen.Id("o").Dot("ClipNorm").Op("=").Add(lit(c)),
			jen.Comment("Each tensor's gradient is clipped: "+names+"."),
			jen.Id("o").Dot("Tensors").Op("=").Add(all))
	}
	return out
}

// penalty emits the method that adds the layers' l2 penalties, once per call, when the
// model has any.
func (e *emitter) penalty() bool {
	var body []jen.Code
	for _, p := range e.m.Params {
		if p.L2 > 0 {
			body = append(body, jen.Id("s").Op("+=").Qual(RuntimePath, "L2").Call(jen.Id("m").Dot(GoName(p.Name)), jen.Id("grads"), jen.Lit(p.Offset), lit(p.L2)).
				Comment(fmt.Sprintf("%s, l2 = %v (%s)", p.Layer, p.L2, e.loc(p.Pos.Line))))
		}
	}
	if body == nil {
		return false
	}
	e.f.Comment("penalty is the loss's L2 penalties of the layers' kernels, λ·Σ W² (the l2 arguments), added once")
	e.f.Comment("per call; with grads not nil it adds their gradient, 2λ·W, to it.")
	e.f.Func().Params(recv()).Id("penalty").Params(jen.Id("grads").Index().Id("T")).Float64().Block(
		append(append([]jen.Code{jen.Var().Id("s").Float64()}, body...), jen.Return(jen.Id("s")))...)
	e.f.Line()
	return true
}

// outputDesc describes what Predict returns: "u[1]", or the components' names "u, v, p".
func outputDesc(m *ir.Model) string {
	if len(m.OutputNames) > 1 {
		return strings.Join(m.OutputNames, ", ")
	}
	return m.Output.Name + shapeComment(m.Output.Shape)
}
