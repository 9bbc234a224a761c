package codegen

import (
	"sort"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/ir"
)

// opEmitter is how generated code computes one op of ir.Ops.
type opEmitter struct {
	// node writes the computation of a materialized op that is not elementwise.
	node func(en *entry, n *ir.Node)
	// expr is an elementwise op's value inside a loop, from its arguments' values, with
	// the precedence of the expression it returns.
	expr func(k *kernel, n *ir.Node) (jen.Code, int)
	// fn, for an elementwise function of one argument that neither Go nor the runtime
	// has, is a function the generated file defines and calls.
	fn *localFunc
	// biasKernel is the package kernels function that computes the op of z + bias over
	// rows of a batch at once (BiasTanh32, BiasTanh64: the name without the width).
	biasKernel string
}

// localFunc is a function of one value that a generated file defines for an op, computed
// in float64 from x.
type localFunc struct {
	name string   // its name in generated code; kept free of the model's names
	doc  string   // its doc comment
	body jen.Code // the result, an expression of the float64 x
}

// emitters is the emitter table, keyed on the op. It is filled in init because the
// emitters call the methods that read it.
var emitters [ir.NumOps]opEmitter

func init() {
	bin := func(op string, prec, rightNeed int) func(k *kernel, n *ir.Node) (jen.Code, int) {
		return func(k *kernel, n *ir.Node) (jen.Code, int) {
			x, px := k.expr(n.Args[0])
			y, py := k.expr(n.Args[1])
			return jen.Add(paren(x, px, prec)).Op(op).Add(paren(y, py, rightNeed)), prec
		}
	}
	// call is f(x) for a runtime function; perWidth: its name ends in the float width (Tanh32).
	call := func(f string, perWidth bool) func(k *kernel, n *ir.Node) (jen.Code, int) {
		return func(k *kernel, n *ir.Node) (jen.Code, int) {
			x, _ := k.expr(n.Args[0])
			if perWidth {
				return k.fn(f).Call(x), precAtom
			}
			return rt(f).Call(x), precAtom
		}
	}
	bounds := func(f string) func(k *kernel, n *ir.Node) (jen.Code, int) {
		return func(k *kernel, n *ir.Node) (jen.Code, int) {
			x, _ := k.expr(n.Args[0])
			return rt(f).Call(x, jen.Id("T").Call(lit(n.Lo)), jen.Id("T").Call(lit(n.Hi))), precAtom
		}
	}
	emitters = [ir.NumOps]opEmitter{
		ir.OpInput:    {node: (*entry).leafRows},
		ir.OpTarget:   {node: (*entry).leafRows},
		ir.OpDropMask: {node: (*entry).dropMask},
		ir.OpConstVec: {node: (*entry).constVec},
		// Parameters and constants have no emitter: they are read where they are used.

		ir.OpAdd: {expr: bin("+", precSum, precSum)},
		ir.OpSub: {expr: bin("-", precSum, precProd)},
		ir.OpMul: {expr: bin("*", precProd, precProd)},
		ir.OpDiv: {expr: bin("/", precProd, precAtom)},
		ir.OpNeg: {expr: func(k *kernel, n *ir.Node) (jen.Code, int) {
			x, px := k.expr(n.Args[0])
			return jen.Op("-").Add(paren(x, px, precAtom)), precAtom
		}},
		ir.OpTanh:     {expr: call("Tanh", true), biasKernel: "BiasTanh"},
		ir.OpSigmoid:  {expr: call("Sigmoid", true), biasKernel: "BiasSigmoid"},
		ir.OpSoftplus: {expr: call("Softplus", true), biasKernel: "BiasSoftplus"},
		ir.OpSin:      {expr: call("Sin", true), biasKernel: "BiasSin"},
		ir.OpRelu:     {expr: call("Relu", false), biasKernel: "BiasRelu"},
		ir.OpExp:      {expr: call("Exp", true)},
		ir.OpLog:      {expr: call("Log", true)},
		ir.OpCos:      {expr: call("Cos", true)},
		ir.OpStep:     {expr: call("Step", false)},
		ir.OpAbs:      {expr: call("Abs", false)},
		ir.OpSign:     {expr: call("Sign", false)},
		ir.OpSilu: {fn: &localFunc{name: "opSilu", doc: "opSilu is silu(x) = x·σ(x) = x/(1 + e^-x), computed in float64.",
			body: jen.Id("x").Op("/").Parens(jen.Lit(1).Op("+").Qual("math", "Exp").Call(jen.Op("-").Id("x")))}},
		ir.OpClip:    {expr: bounds("Clip")},
		ir.OpInRange: {expr: bounds("InRange")},

		ir.OpMatVec:  {node: func(en *entry, n *ir.Node) { en.matVec(n, false) }},
		ir.OpMatTVec: {node: func(en *entry, n *ir.Node) { en.matVec(n, true) }},
		ir.OpOuter:   {node: (*entry).outer},
		ir.OpConv1D:  {node: (*entry).conv},
		ir.OpConv1DT: {node: (*entry).conv},
		ir.OpConv1DW: {node: (*entry).conv},

		ir.OpSumBatch: {node: (*entry).sumBatch},
		ir.OpMean:     {node: (*entry).mean},
		ir.OpSpread: {node: (*entry).spread, expr: func(k *kernel, n *ir.Node) (jen.Code, int) {
			// s/(n·size) is the same at every element: computed once before the loop.
			s, ps := k.expr(n.Args[0])
			name := k.en.fresh(nodeName(n) + "_each")
			k.pre = append(k.pre, jen.Id(name).Op(":=").Add(paren(s, ps, precProd)).Op("/").Id("T").Call(times(k.en.count(0), n.Size())))
			return jen.Id(name), precAtom
		}},
		ir.OpBroadcast: {expr: func(k *kernel, n *ir.Node) (jen.Code, int) { return k.expr(n.Args[0]) }},

		ir.OpRowSum:      {node: (*entry).rowReduce},
		ir.OpRowMax:      {node: (*entry).rowReduce},
		ir.OpArgmaxMask:  {node: (*entry).argmaxMask},
		ir.OpRepeat:      {expr: func(k *kernel, n *ir.Node) (jen.Code, int) { return k.expr(n.Args[0]) }},
		ir.OpSoftmax:     {node: (*entry).softmax},
		ir.OpLogSumExp:   {node: (*entry).softmax},
		ir.OpOneHot:      {node: (*entry).oneHot},
		ir.OpReshape:     {node: (*entry).reshape},
		ir.OpPoolSum:     {node: (*entry).pool},
		ir.OpPoolSumT:    {node: (*entry).pool},
		ir.OpPoolSelect:  {node: (*entry).pool},
		ir.OpPoolScatter: {node: (*entry).pool},

		ir.OpConcat: {node: (*entry).shapeOp},
		ir.OpSlice:  {node: (*entry).shapeOp},
		ir.OpPad:    {node: (*entry).shapeOp},
		ir.OpCrop:   {node: (*entry).shapeOp},
	}
	for _, name := range localFuncNames() {
		goReserved[name] = true // the model's names never take a local function's
	}
}

// use notes that the generated file calls f and returns its name.
func (e *emitter) use(f *localFunc) string {
	if e.funcs == nil {
		e.funcs = map[string]*localFunc{}
	}
	e.funcs[f.name] = f
	return f.name
}

// localFuncs writes the functions the generated code called (use), in name order.
func (e *emitter) localFuncs() {
	var names []string
	for name := range e.funcs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := e.funcs[name]
		e.f.Comment(f.doc)
		e.f.Func().Id(f.name).Params(jen.Id("v").Id("T")).Id("T").Block(
			jen.Id("x").Op(":=").Float64().Call(jen.Id("v")),
			jen.Return(jen.Id("T").Call(f.body)))
		e.f.Line()
	}
}

// localFuncNames are the names of every localFunc: generated code keeps them free.
func localFuncNames() []string {
	var names []string
	for _, e := range emitters {
		if e.fn != nil {
			names = append(names, e.fn.name)
		}
	}
	return names
}
