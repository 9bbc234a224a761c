package ir

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/mlc-go/mlc/dsl"
)

// layerKind is one kind of layer: its arguments and how it lowers to ops. Adding a layer
// is adding a row to layerKinds.
type layerKind struct {
	// usage is an example of the statement, for messages: dense 20, tanh.
	usage string
	// args are the layer's arguments: named, or given in order without a name (positional).
	args []argSpec
	// check reads the arguments against the layer's input shape and returns the output
	// shape, the parameters to make and a description, or what is wrong (at the argument
	// it names, else at the layer).
	check func(a layerArgs, in []int) (layerShape, *layerErr)
	// build adds the layer's ops to g: x is its input, p(i) reads its parameter i (in the
	// order check gave them). Dropout differs in training.
	build func(g *Graph, sp *layerSpec, x *Node, p func(i int) *Node, training bool) *Node
}

// argKind is what an argument's value must be.
type argKind int

const (
	argCount      argKind = iota // an integer from 1 to maxSize
	argRate                      // a number in [0, 1)
	argActivation                // one of activations
	argChoice                    // one of argSpec.choices
	argWeight                    // a number ≥ 0: the weight of a penalty
)

// argSpec is one argument of a layer.
type argSpec struct {
	name       string
	aliases    []string // other names Keras users write (kernel_size for kernel)
	positional int      // its place among the unnamed arguments, or -1: named only
	kind       argKind
	what       string   // what it is, for messages: "a number of units"
	choices    []string // for argChoice
	def        string   // the default ("" with required: none)
	required   bool
}

// layerArgs are a layer's arguments as read: counts and rates as numbers, names as text,
// and where each was written.
type layerArgs struct {
	num  map[string]float64
	text map[string]string
	pos  map[string]dsl.Pos
}

// layerErr is what a layer's check found wrong, and the argument to blame ("": the layer).
type layerErr struct{ arg, msg string }

func errorAt(arg, format string, args ...any) *layerErr {
	return &layerErr{arg, fmt.Sprintf(format, args...)}
}

// layerShape is what check finds: the output shape, the parameters and a description.
type layerShape struct {
	out    []int
	params []paramSpec
	desc   []string // dense 20, tanh: the parts after the layer's name
	// pool and stride are a pooling layer's windows: pool steps, stride apart.
	pool, stride int
}

// paramSpec is a parameter a layer needs.
type paramSpec struct {
	suffix         string // W, b: the parameter is named dense1_W
	shape          []int
	init           string // glorot_uniform, zeros, rwf_scale or rwf_kernel (Param.Init)
	initValue      float64
	scale          string // rwf_kernel: the suffix of its scale parameter
	fanIn, fanOut  int
	padL, padR     int // conv1d: padding of the input (set by check)
	kernel, stride int
	l2             float64 // the weight of its L2 penalty
}

// layerSpec is one layer statement with its arguments read, once: the graphs of both passes
// are built from it.
type layerSpec struct {
	stmt   *dsl.LayerStmt
	kind   *layerKind
	name   string // dense1, conv1d2, dropout1
	args   layerArgs
	shape  layerShape
	params []*Param
}

var layerKinds = map[string]*layerKind{
	"dense": {
		usage: "dense 20, tanh",
		args: []argSpec{
			{name: "units", positional: 0, kind: argCount, what: "a number of units", required: true},
			{name: "activation", positional: 1, kind: argActivation, def: "linear"},
			l2Arg,
			{name: "factorize", positional: -1, kind: argWeight, what: "the mean of the log-scales of a factorized kernel", def: "0"},
		},
		check: func(a layerArgs, in []int) (layerShape, *layerErr) {
			if len(in) != 1 {
				return layerShape{}, errorAt("", "dense takes a vector; its input is %s, a series [steps, channels]: flatten it first (a flatten layer) or pool it over its steps (global_avgpool1d)", shapeText(in))
			}
			units, fanIn := int(a.num["units"]), in[0]
			if a.text["activation"] == "softmax" && units == 1 {
				return layerShape{}, errorAt("activation", "softmax of one value is always 1; one probability is 'dense 1, sigmoid' with binary_crossentropy")
			}
			desc := []string{fmt.Sprint(units)}
			if act := a.text["activation"]; act != "linear" {
				desc = append(desc, act)
			}
			if l2 := a.num["l2"]; l2 > 0 {
				desc = append(desc, fmt.Sprintf("l2 = %v", l2))
			}
			if mu := a.num["factorize"]; mu > 0 {
				if a.num["l2"] > 0 {
					return layerShape{}, errorAt("factorize", "dense: a factorized kernel is e^s·V, and l2 penalises a kernel; give one of them")
				}
				desc = append(desc, fmt.Sprintf("factorize = %v", mu))
				return layerShape{out: []int{units}, desc: desc, params: []paramSpec{
					{suffix: "s", shape: []int{units}, init: "rwf_scale", initValue: mu, fanIn: fanIn, fanOut: units},
					{suffix: "V", shape: []int{units, fanIn}, init: "rwf_kernel", scale: "s", fanIn: fanIn, fanOut: units},
					{suffix: "b", shape: []int{units}, init: "zeros", fanIn: fanIn, fanOut: units},
				}}, nil
			}
			return layerShape{out: []int{units}, desc: desc, params: []paramSpec{
				{suffix: "W", shape: []int{units, fanIn}, init: "glorot_uniform", fanIn: fanIn, fanOut: units, l2: a.num["l2"]},
				{suffix: "b", shape: []int{units}, init: "zeros", fanIn: fanIn, fanOut: units},
			}}, nil
		},
		build: func(g *Graph, sp *layerSpec, x *Node, p func(int) *Node, _ bool) *Node {
			pos := sp.stmt.Pos
			if sp.args.num["factorize"] > 0 {
				// W·x = diag(e^s)·V·x: the scales multiply the product, unit by unit. (Scaling
				// the kernel once per pass instead would spare each derivative stream this
				// product, but mlc has no op yet for the sum over a kernel's rows that its
				// gradient needs.)
				vx := g.must(OpMatVec, sp.name+"_Vx", pos, p(1), x)
				scale := g.must(OpExp, sp.name+"_scale", pos, p(0))
				wx := g.must(OpMul, sp.name+"_Wx", pos, scale, vx)
				return activate(g, sp, g.must(OpAdd, sp.name+"_z", pos, wx, p(2)))
			}
			wx := g.must(OpMatVec, sp.name+"_Wx", pos, p(0), x)
			z := g.must(OpAdd, sp.name+"_z", pos, wx, p(1))
			return activate(g, sp, z)
		},
	},
	"conv1d": {
		usage: "conv1d 32, kernel = 10, padding = same, relu",
		args: []argSpec{
			{name: "filters", positional: 0, kind: argCount, what: "a number of filters", required: true},
			{name: "kernel", aliases: []string{"kernel_size"}, positional: -1, kind: argCount, what: "a kernel size", required: true},
			{name: "stride", aliases: []string{"strides"}, positional: -1, kind: argCount, what: "a stride", def: "1"},
			{name: "padding", positional: -1, kind: argChoice, choices: []string{"same", "valid"}, def: "valid"},
			{name: "activation", positional: 1, kind: argActivation, def: "linear"},
			l2Arg,
		},
		check: func(a layerArgs, in []int) (layerShape, *layerErr) {
			if len(in) != 2 {
				return layerShape{}, errorAt("", "conv1d takes a series [steps, channels]; its input is %s", shapeText(in))
			}
			if a.text["activation"] == "softmax" {
				return layerShape{}, errorAt("activation", "conv1d: softmax would be taken over all the steps and channels of a sample; flatten the series and give softmax to a dense layer")
			}
			filters, k, stride := int(a.num["filters"]), int(a.num["kernel"]), int(a.num["stride"])
			steps, cin := in[0], in[1]
			var padL, padR int
			if a.text["padding"] == "same" {
				// Keras/TensorFlow: out = ceil(steps/stride); an odd total pad puts the extra
				// row on the right, so an even kernel pads (k-1)/2 on the left and k/2 on the right.
				out := (steps + stride - 1) / stride
				total := max((out-1)*stride+k-steps, 0)
				padL, padR = total/2, total-total/2
			} else if k > steps {
				return layerShape{}, errorAt("kernel", "conv1d: kernel %d is longer than its input of %d steps (padding = valid)", k, steps)
			}
			desc := []string{fmt.Sprint(filters), fmt.Sprintf("kernel = %d", k)}
			if stride != 1 {
				desc = append(desc, fmt.Sprintf("stride = %d", stride))
			}
			desc = append(desc, "padding = "+a.text["padding"])
			if act := a.text["activation"]; act != "linear" {
				desc = append(desc, act)
			}
			lout := (steps+padL+padR-k)/stride + 1
			conv := paramSpec{padL: padL, padR: padR, kernel: k, stride: stride}
			w, b := conv, conv
			w.suffix, w.shape, w.init, w.fanIn, w.fanOut, w.l2 = "W", []int{filters, k * cin}, "glorot_uniform", k*cin, k*filters, a.num["l2"]
			if w.l2 > 0 {
				desc = append(desc, fmt.Sprintf("l2 = %v", w.l2))
			}
			b.suffix, b.shape, b.init, b.fanIn, b.fanOut = "b", []int{filters}, "zeros", k*cin, k*filters
			return layerShape{out: []int{lout, filters}, desc: desc, params: []paramSpec{w, b}}, nil
		},
		build: func(g *Graph, sp *layerSpec, x *Node, p func(int) *Node, _ bool) *Node {
			c, pos := sp.shape.params[0], sp.stmt.Pos
			xp := g.Pad(x, c.padL, c.padR, sp.name+"_in")
			y := g.Conv(OpConv1D, p(0), xp, c.kernel, c.stride, xp.Shape[0], sp.name+"_Wx", pos)
			return activate(g, sp, g.must(OpAdd, sp.name+"_z", pos, y, p(1)))
		},
	},
	"flatten": {
		usage: "flatten",
		check: func(_ layerArgs, in []int) (layerShape, *layerErr) {
			return layerShape{out: []int{size(in)}}, nil
		},
		build: func(g *Graph, sp *layerSpec, x *Node, _ func(int) *Node, _ bool) *Node {
			return g.ReshapeAt(x, sp.shape.out, sp.name, sp.stmt.Pos)
		},
	},
	"maxpool1d":        poolLayer("maxpool1d", false),
	"avgpool1d":        poolLayer("avgpool1d", false),
	"global_maxpool1d": poolLayer("global_maxpool1d", true),
	"global_avgpool1d": poolLayer("global_avgpool1d", true),
	"dropout": {
		usage: "dropout 0.2",
		args:  []argSpec{{name: "rate", positional: 0, kind: argRate, what: "a dropout rate", required: true}},
		check: func(a layerArgs, in []int) (layerShape, *layerErr) {
			return layerShape{out: in, desc: []string{fmt.Sprint(a.num["rate"])}}, nil
		},
		build: func(g *Graph, sp *layerSpec, x *Node, _ func(int) *Node, training bool) *Node {
			if !training {
				return x // Keras' inverted dropout: nothing at inference
			}
			mask := g.DropMask(x, sp.args.num["rate"], sp.name+"_mask", sp.stmt.Pos)
			return g.must(OpMul, sp.name, sp.stmt.Pos, x, mask)
		},
	},
}

// poolLayer is maxpool1d or avgpool1d (the largest or the mean value of each channel over
// windows of pool steps, stride apart, Keras' MaxPooling1D and AveragePooling1D), or their
// global forms over all the steps, which give a vector of one value per channel.
func poolLayer(kind string, global bool) *layerKind {
	k := &layerKind{usage: kind}
	if !global {
		k.usage = kind + " 2"
		k.args = []argSpec{
			{name: "pool", aliases: []string{"pool_size"}, positional: 0, kind: argCount, what: "a pool size", def: "2"},
			{name: "stride", aliases: []string{"strides"}, positional: -1, kind: argCount, what: "a stride", def: "0"},
			{name: "padding", positional: -1, kind: argChoice, choices: []string{"valid", "same"}, def: "valid"},
		}
	}
	k.check = func(a layerArgs, in []int) (layerShape, *layerErr) {
		if len(in) != 2 {
			return layerShape{}, errorAt("", "%s takes a series [steps, channels]; its input is %s", kind, shapeText(in))
		}
		if global {
			return layerShape{out: []int{in[1]}, pool: in[0], stride: in[0]}, nil
		}
		pool, stride := int(a.num["pool"]), int(a.num["stride"])
		if stride == 0 {
			stride = pool // Keras: strides default to the pool size
		}
		switch {
		case a.text["padding"] == "same":
			return layerShape{}, errorAt("padding", "%s: padding = same is not supported: the windows lie inside the series (padding = valid, Keras' default); pad with a conv1d's padding = same", kind)
		case pool > in[0]:
			return layerShape{}, errorAt("pool", "%s: a pool of %d steps is longer than its input of %d steps", kind, pool, in[0])
		}
		desc := []string{fmt.Sprint(pool)}
		if stride != pool {
			desc = append(desc, fmt.Sprintf("stride = %d", stride))
		}
		return layerShape{out: []int{(in[0]-pool)/stride + 1, in[1]}, desc: desc, pool: pool, stride: stride}, nil
	}
	k.build = func(g *Graph, sp *layerSpec, x *Node, _ func(int) *Node, _ bool) *Node {
		pool, stride, pos := sp.shape.pool, sp.shape.stride, sp.stmt.Pos
		var y *Node
		if strings.Contains(kind, "max") {
			y = g.Pool(OpPoolSelect, x, x, pool, stride, x.Shape[0], sp.name, pos)
		} else {
			sum := g.Pool(OpPoolSum, nil, x, pool, stride, x.Shape[0], sp.name+"_sum", pos)
			y = g.must(OpMul, sp.name, pos, sum, g.Const(1/float64(pool)))
		}
		return g.ReshapeAt(y, sp.shape.out, sp.name, pos)
	}
	return k
}

// l2Arg is a layer's l2 = λ: the loss gains λ·Σ W² over its kernel (Keras'
// kernel_regularizer = l2(λ)).
var l2Arg = argSpec{name: "l2", positional: -1, kind: argWeight, what: "the weight of an L2 penalty", def: "0"}

// activate applies the layer's activation to z; linear is none.
func activate(g *Graph, sp *layerSpec, z *Node) *Node { return activateAs(g, sp, z, sp.name) }

// activateAs is activate naming the result name (a layer made of several, modified_mlp).
func activateAs(g *Graph, sp *layerSpec, z *Node, name string) *Node {
	if op := activations[sp.args.text["activation"]]; op >= 0 {
		return g.must(op, name, sp.stmt.Pos, z)
	}
	return z
}

// readArgs reads a layer statement's arguments against its kind's table, reporting what
// does not fit at its position.
func (l *lowerer) readArgs(s *dsl.LayerStmt, k *layerKind) (layerArgs, bool) {
	kindName := s.Kind.Name
	a := layerArgs{num: map[string]float64{}, text: map[string]string{}, pos: map[string]dsl.Pos{}}
	var names []string
	byName := map[string]*argSpec{}
	for i := range k.args {
		spec := &k.args[i]
		names = append(names, spec.name)
		byName[spec.name] = spec
		for _, alias := range spec.aliases {
			byName[alias] = spec
		}
	}
	given := map[string]bool{}
	unnamed := 0
	for _, arg := range s.Args {
		var spec *argSpec
		if arg.Name != nil {
			spec = byName[arg.Name.Name]
			if spec == nil {
				l.errorf(arg.Name.Pos, "%s has no argument '%s'; expected %s", kindName, arg.Name.Name, orList(names))
				return a, false
			}
		} else {
			for i := range k.args {
				if k.args[i].positional == unnamed {
					spec = &k.args[i]
				}
			}
			unnamed++
			if spec == nil {
				l.errorf(arg.Value.ExprPos(), "%s takes no more arguments without a name; expected %s = ..., as in '%s'", kindName, orList(names), k.usage)
				return a, false
			}
		}
		if given[spec.name] {
			l.errorf(arg.Value.ExprPos(), "%s: %s is given twice", kindName, spec.name)
			return a, false
		}
		given[spec.name] = true
		a.pos[spec.name] = arg.Value.ExprPos()
		if !l.readArg(arg.Value, spec, a) {
			return a, false
		}
	}
	for _, spec := range k.args {
		if given[spec.name] {
			continue
		}
		if spec.required {
			l.errorf(s.Kind.Pos, "%s needs %s (%s), as in '%s'", kindName, spec.what, spec.name, k.usage)
			return a, false
		}
		switch spec.kind {
		case argActivation, argChoice:
			a.text[spec.name] = spec.def
		default:
			a.num[spec.name], _ = parseFloat(spec.def)
		}
	}
	return a, true
}

// readArg reads one argument's value into a.
func (l *lowerer) readArg(e dsl.Expr, spec *argSpec, a layerArgs) bool {
	switch spec.kind {
	case argCount:
		v, ok := l.intExpr(e, spec.what)
		a.num[spec.name] = float64(v)
		return ok
	case argRate:
		v, ok := l.constExpr(e)
		if ok && (v < 0 || v >= 1) {
			l.errorf(e.ExprPos(), "expected %s in [0, 1), found %v", spec.what, v)
			return false
		}
		a.num[spec.name] = v
		return ok
	case argActivation:
		id, isID := e.(*dsl.Ident)
		if !isID {
			l.errorf(e.ExprPos(), "expected an activation (%s)", keys(activations))
			return false
		}
		if _, known := activations[id.Name]; !known {
			l.errorf(id.Pos, "unknown activation '%s'; expected one of %s", id.Name, keys(activations))
			return false
		}
		a.text[spec.name] = id.Name
	case argWeight:
		v, ok := l.constExpr(e)
		if ok && !(v >= 0) || math.IsInf(v, 0) {
			l.errorf(e.ExprPos(), "expected %s (a number ≥ 0), found %v", spec.what, v)
			return false
		}
		a.num[spec.name] = v
		return ok
	case argChoice:
		id, isID := e.(*dsl.Ident)
		if !isID || !contains(spec.choices, id.Name) {
			var opts []string
			for _, c := range spec.choices {
				opts = append(opts, spec.name+" = "+c)
			}
			l.errorf(e.ExprPos(), "expected %s", orList(opts))
			return false
		}
		a.text[spec.name] = id.Name
	}
	return true
}

// layerSpecs reads every layer statement once, in order, with the shapes flowing from the
// model's input: the layers' names, descriptions, parameters and output shapes.
func (l *lowerer) layerSpecs(in []int) []*layerSpec {
	var specs []*layerSpec
	counts := map[string]int{}
	for _, s := range l.layers {
		k := layerKinds[s.Kind.Name]
		if k == nil {
			var kinds []string
			for name := range layerKinds {
				kinds = append(kinds, name)
			}
			sort.Strings(kinds)
			l.errorf(s.Kind.Pos, "unknown statement or layer '%s'; the layers are %s%s", s.Kind.Name, orList(kinds), statementHint(s.Kind.Name))
			return nil
		}
		counts[s.Kind.Name]++
		sp := &layerSpec{stmt: s, kind: k, name: fmt.Sprintf("%s%d", s.Kind.Name, counts[s.Kind.Name])}
		args, ok := l.readArgs(s, k)
		if !ok {
			return nil
		}
		sp.args = args
		shape, bad := k.check(args, in)
		if bad != nil {
			pos, ok := args.pos[bad.arg]
			if !ok {
				pos = s.Kind.Pos
			}
			l.errorf(pos, "%s", bad.msg)
			return nil
		}
		sp.shape = shape
		for _, p := range shape.params {
			sp.params = append(sp.params, l.newParam(sp.name+"_"+p.suffix, p.shape, p.init, p.fanIn, p.fanOut, sp.name, s.Pos))
			np := sp.params[len(sp.params)-1]
			np.L2, np.InitValue = p.l2, p.initValue
			if p.scale != "" {
				np.Scale = sp.name + "_" + p.scale
			}
			if p.l2 > 0 && len(l.m.PointSets) > 0 {
				l.errorf(args.pos["l2"], "%s: l2 is for mini-batch models (trained on data); a model with points statements takes none yet", sp.name)
				return nil
			}
		}
		if len(l.errs) > 0 {
			return nil
		}
		l.m.Layers = append(l.m.Layers, &Layer{Name: sp.name, Desc: s.Kind.Name + " " + strings.Join(shape.desc, ", "), Pos: s.Pos})
		sp.describe(l.m.Layers[len(l.m.Layers)-1], in)
		if !l.layerOutputs(s, shape.out) {
			return nil
		}
		specs = append(specs, sp)
		in = shape.out
	}
	return specs
}

// maxParams bounds a model's parameter count: the generated code holds them in arrays
// (parameters, gradients, and a gradient per worker).
const maxParams = 1 << 24

func (l *lowerer) newParam(name string, shape []int, init string, fanIn, fanOut int, layer string, pos dsl.Pos) *Param {
	if n := size(shape); n > maxParams || l.m.NumParams+n > maxParams {
		l.errorf(pos, "%s would bring the model to %d parameters; mlc's limit is %d", name, l.m.NumParams+n, maxParams)
		shape = []int{1}
	}
	p := &Param{Name: name, Shape: shape, Offset: l.m.NumParams, Init: init, FanIn: fanIn, FanOut: fanOut, Layer: layer, Pos: pos}
	l.m.Params = append(l.m.Params, p)
	l.m.NumParams += p.Size()
	return p
}

func shapeText(s []int) string {
	if len(s) == 0 {
		return "a scalar"
	}
	return "[" + strings.Trim(strings.ReplaceAll(fmt.Sprint(s), " ", ", "), "[]") + "]"
}

// orList is "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func parseFloat(s string) (float64, bool) {
	var v float64
	_, err := fmt.Sscan(s, &v)
	return v, err == nil && !math.IsNaN(v)
}

// layerOutputs declares the names of a layer's output: one name for all of it, or one per
// component of a vector (`dense 3 -> u, v, p`).
func (l *lowerer) layerOutputs(s *dsl.LayerStmt, out []int) bool {
	outs := s.Outputs
	if len(outs) == 1 {
		return l.declare(outs[0], &binding{kind: "output", shape: out, pos: outs[0].Pos})
	}
	if len(outs) > 1 && (len(out) != 1 || out[0] != len(outs)) {
		gives := shapeText(out)
		if len(out) == 1 {
			gives = fmt.Sprintf("%d values", out[0])
		}
		l.errorf(outs[0].Pos, "this layer gives %s per point but has %d names: give one name for all of it, or one per component of a vector",
			gives, len(outs))
		return false
	}
	for _, o := range outs {
		if !l.declare(o, &binding{kind: "output", shape: []int{1}, pos: o.Pos}) {
			return false
		}
	}
	return true
}

// statementHint points a word a physicist might try at the statement that does it.
func statementHint(word string) string {
	switch strings.ToLower(word) {
	case "var", "variable", "trainable", "parameter", "coefficient", "unknown", "coef":
		return " (a trainable coefficient is 'param NAME = VALUE')"
	case "bc", "ic", "boundary", "domain", "geometry", "collocation":
		return " (points where the loss is evaluated are 'points NAME(INPUTS; KNOWN VALUES)')"
	case "equation", "pde", "ode":
		return " (an equation is 'residual NAME = EXPR', with mean(SET, NAME^2) in the loss)"
	case "outputs", "transform":
		return " (an output transform is 'output NAME = EXPR')"
	}
	return ""
}
