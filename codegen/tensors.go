package codegen

// The generated package's Safetensors: its parameters as safetensors files and PyTorch name
// and lay them out, and the PyTorch replica of its network (an nn.Sequential), which the
// files' metadata describe so a script can rebuild it from a file alone.
//
// A layer kind appears in PyTorch through its row of torchLayers: the modules it becomes
// and where its parameters go in them. A new layer is a new row.

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/ir"
)

// SafetensorsPath is the import path of the safetensors reader and writer.
const SafetensorsPath = RuntimePath + "/safetensors"

// torchModule is one module of the nn.Sequential replica.
type torchModule struct {
	typ    string       // its class in torch.nn: Linear, Conv1d, Tanh, Dropout (Sin is the script's)
	args   []torchArg   // its constructor's arguments, in order
	layer  string       // the mlc layer it comes from
	params []torchParam // the parameters it holds
}

// torchArg is an argument of a module's constructor. Positional ones are written without
// their name in the Python of the doc comment, and one equal to def is left out there; the
// metadata's JSON gives every argument by name.
type torchArg struct {
	name       string
	value      any // int, float64, string or []int
	positional bool
	def        any
}

// torchParam is a parameter of a module: mlc's parameter, its name in the module (weight,
// bias) and its layout there.
type torchParam struct {
	p      *ir.Param
	name   string
	shape  []int // PyTorch's shape
	stored []int // nil: mlc stores it as shape; else as stored, with axes perm (see safetensors.Tensor)
	perm   []int
	note   string // how the layouts differ, for the table's comment
}

// torchLayout is how one sample's value is laid out: mlc's shape, and PyTorch's as a
// permutation of it (PyTorch's axis i is mlc's axis perm[i]). A series is [steps, channels]
// in mlc and [channels, steps] in PyTorch: perm [1, 0]. A vector keeps the shape it was
// flattened from, so a dense layer after a flatten can reorder its kernel's columns.
type torchLayout struct {
	shape, perm []int
	flat        bool // flattened: PyTorch holds it as a vector
}

func (l torchLayout) identity() bool {
	for i, a := range l.perm {
		if a != i {
			return false
		}
	}
	return true
}

func vectorLayout(n int) torchLayout { return torchLayout{shape: []int{n}, perm: []int{0}} }

// seriesLayout is a [steps, channels] series, channels first in PyTorch.
func seriesLayout(steps, channels int) torchLayout {
	return torchLayout{shape: []int{steps, channels}, perm: []int{1, 0}}
}

// torchLayers are the rows: for a layer and the layout of its input, the modules it is in
// the replica and the layout of its output, or why PyTorch has no counterpart.
var torchLayers = map[string]func(l *ir.Layer, in torchLayout) ([]torchModule, torchLayout, error){
	// dense: nn.Linear, whose weight is [out, in] as mlc's kernel; after a flatten of a
	// series its columns follow PyTorch's order (channels first).
	"dense": func(l *ir.Layer, in torchLayout) ([]torchModule, torchLayout, error) {
		if l.Num["factorize"] > 0 {
			return nil, in, fmt.Errorf("a factorized kernel (factorize) has no nn.Linear counterpart")
		}
		units, fanIn := l.Out[0], l.In[0]
		w := torchParam{p: l.Params[0], name: "weight", shape: []int{units, fanIn}}
		if !in.identity() || len(in.shape) > 1 {
			w.note = fmt.Sprintf("its columns are the flattened input %s in PyTorch's order", shapeComment(in.shape))
			w.stored = append([]int{units}, in.shape...)
			w.perm = []int{0}
			for _, a := range in.perm {
				w.perm = append(w.perm, a+1)
			}
		}
		b := torchParam{p: l.Params[1], name: "bias", shape: []int{units}}
		lin := torchModule{typ: "Linear", layer: l.Name, params: []torchParam{w, b}, args: []torchArg{
			{name: "in_features", value: fanIn, positional: true},
			{name: "out_features", value: units, positional: true},
		}}
		return withActivation(l, lin), vectorLayout(units), nil
	},
	// conv1d: nn.Conv1d on [channels, steps]; mlc's kernel [filters][kernel·channels] is
	// PyTorch's [filters][channels][kernel] with two axes swapped. Keras' 'same' padding (the
	// odd one on the right) is PyTorch's padding='same' at stride 1; other uneven padding is
	// an nn.ConstantPad1d before the convolution.
	"conv1d": func(l *ir.Layer, in torchLayout) ([]torchModule, torchLayout, error) {
		if !isSeries(in) || len(l.In) != 2 {
			return nil, in, fmt.Errorf("its input is not a series in PyTorch's [channels, steps] layout")
		}
		cin := l.In[1]
		filters, k, stride := l.Out[1], int(l.Num["kernel"]), int(l.Num["stride"])
		w := torchParam{p: l.Params[0], name: "weight", shape: []int{filters, cin, k}, stored: []int{filters, k, cin}, perm: []int{0, 2, 1},
			note: "[filters][channels][kernel] in PyTorch, [filters][kernel][channels] here"}
		b := torchParam{p: l.Params[1], name: "bias", shape: []int{filters}}
		conv := torchModule{typ: "Conv1d", layer: l.Name, params: []torchParam{w, b}, args: []torchArg{
			{name: "in_channels", value: cin, positional: true},
			{name: "out_channels", value: filters, positional: true},
			{name: "kernel_size", value: k, positional: true},
			{name: "stride", value: stride, def: 1},
		}}
		var mods []torchModule
		switch {
		case l.PadL == l.PadR:
			conv.args = append(conv.args, torchArg{name: "padding", value: l.PadL, def: 0})
		case stride == 1 && l.PadR == l.PadL+1 && l.PadL+l.PadR == k-1:
			conv.args = append(conv.args, torchArg{name: "padding", value: "same"})
		default:
			mods = append(mods, torchModule{typ: "ConstantPad1d", layer: l.Name, args: []torchArg{
				{name: "padding", value: []int{l.PadL, l.PadR}, positional: true},
				{name: "value", value: 0.0, positional: true},
			}})
			conv.args = append(conv.args, torchArg{name: "padding", value: 0, def: 0})
		}
		mods = append(mods, withActivation(l, conv)...)
		return mods, seriesLayout(l.Out[0], filters), nil
	},
	// flatten: nn.Flatten. The values keep their order (a series' channels first in
	// PyTorch, steps first in mlc), which the next dense layer's kernel follows.
	"flatten": func(l *ir.Layer, in torchLayout) ([]torchModule, torchLayout, error) {
		in.flat = true
		return []torchModule{{typ: "Flatten", layer: l.Name}}, in, nil
	},
	"maxpool1d":        poolRow("MaxPool1d"),
	"avgpool1d":        poolRow("AvgPool1d"),
	"global_maxpool1d": globalPoolRow("AdaptiveMaxPool1d"),
	"global_avgpool1d": globalPoolRow("AdaptiveAvgPool1d"),
	// dropout: nn.Dropout, inverted as Keras' (nothing at inference).
	"dropout": func(l *ir.Layer, in torchLayout) ([]torchModule, torchLayout, error) {
		return []torchModule{{typ: "Dropout", layer: l.Name, args: []torchArg{{name: "p", value: l.Num["rate"], positional: true}}}}, in, nil
	},
}

// poolRow is maxpool1d or avgpool1d: nn.MaxPool1d or nn.AvgPool1d on [channels, steps].
// Both take windows of pool steps, stride apart, inside the series (mlc refuses padding =
// same) and leave out the steps after the last whole window, as PyTorch does without
// padding and with ceil_mode=False; an average divides by the pool size.
func poolRow(typ string) func(l *ir.Layer, in torchLayout) ([]torchModule, torchLayout, error) {
	return func(l *ir.Layer, in torchLayout) ([]torchModule, torchLayout, error) {
		if !isSeries(in) {
			return nil, in, fmt.Errorf("its input is not a series in PyTorch's [channels, steps] layout")
		}
		pool := torchModule{typ: typ, layer: l.Name, args: []torchArg{
			{name: "kernel_size", value: l.Pool, positional: true},
			{name: "stride", value: l.PoolStride, def: l.Pool}, // PyTorch's default stride is the kernel size
		}}
		return []torchModule{pool}, seriesLayout(l.Out[0], l.Out[1]), nil
	}
}

// globalPoolRow is global_maxpool1d or global_avgpool1d: nn.AdaptiveMaxPool1d(1) or
// nn.AdaptiveAvgPool1d(1), one window of all the steps, then nn.Flatten for PyTorch's
// [N, channels, 1]: a vector of one value per channel, in mlc's order.
func globalPoolRow(typ string) func(l *ir.Layer, in torchLayout) ([]torchModule, torchLayout, error) {
	return func(l *ir.Layer, in torchLayout) ([]torchModule, torchLayout, error) {
		if !isSeries(in) {
			return nil, in, fmt.Errorf("its input is not a series in PyTorch's [channels, steps] layout")
		}
		return []torchModule{
			{typ: typ, layer: l.Name, args: []torchArg{{name: "output_size", value: 1, positional: true}}},
			{typ: "Flatten", layer: l.Name},
		}, vectorLayout(l.Out[0]), nil
	}
}

// isSeries is whether a layout is a series PyTorch holds as [channels, steps].
func isSeries(in torchLayout) bool { return len(in.shape) == 2 && !in.identity() && !in.flat }

// torchActivations are the activations as modules; linear is none. torch.nn has no Sin:
// the round-trip script defines it (forward = torch.sin). softmax is over the values of a
// sample, a dense layer's units: dim 1 of PyTorch's [N, units].
var torchActivations = map[string]torchModule{
	"tanh": {typ: "Tanh"}, "sigmoid": {typ: "Sigmoid"}, "relu": {typ: "ReLU"}, "softplus": {typ: "Softplus"},
	"silu": {typ: "SiLU"}, "sin": {typ: "Sin"},
	"softmax": {typ: "Softmax", args: []torchArg{{name: "dim", value: 1}}},
}

// withActivation is m followed by the module of l's activation, if it has one.
func withActivation(l *ir.Layer, m torchModule) []torchModule {
	act := l.Text["activation"]
	if act == "" || act == "linear" {
		return []torchModule{m}
	}
	a, ok := torchActivations[act]
	if !ok {
		a = torchModule{typ: GoName(act)} // a new activation without a row: a module named after it
	}
	a.layer = l.Name
	return []torchModule{m, a}
}

// torchReplica is the model's network as PyTorch modules, the layouts of its input and
// output, and its parameters with their state_dict names; or why it has none.
type torchReplica struct {
	modules []torchModule
	in, out torchLayout
	// predict: the replica computes what Predict does (else it is the network alone, and
	// Predict transforms its inputs or outputs besides).
	predict bool
}

func torchModel(m *ir.Model) (*torchReplica, error) {
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("it has no layers")
	}
	r := &torchReplica{}
	first := m.Layers[0].In
	switch len(first) {
	case 1:
		r.in = vectorLayout(first[0])
	case 2:
		r.in = seriesLayout(first[0], first[1])
	default:
		return nil, fmt.Errorf("its input has shape %s", shapeComment(first))
	}
	at := r.in
	for _, l := range m.Layers {
		row := torchLayers[l.Kind]
		if row == nil {
			return nil, fmt.Errorf("layer %s (%s) has no PyTorch counterpart in mlc yet", l.Name, l.Kind)
		}
		mods, out, err := row(l, at)
		if err != nil {
			return nil, fmt.Errorf("layer %s (%s): %v", l.Name, l.Kind, err)
		}
		r.modules = append(r.modules, mods...)
		at = out
	}
	r.predict = m.Sequential
	if p := m.SoftmaxOutput; p != "" {
		// output p = softmax(z): over the values of a sample, dim 1 of a vector's [N, K] (an
		// output is never a series: mlc refuses one).
		if isSeries(at) {
			return nil, fmt.Errorf("its output %s is the softmax of a series", p)
		}
		sm := torchActivations["softmax"]
		sm.layer = "output " + p
		r.modules = append(r.modules, sm)
		r.predict = true
	}
	r.out = at
	return r, nil
}

// python is the module as Python: nn.Linear(30, 20), nn.Dropout(0.2).
func (t torchModule) python() string {
	var args []string
	for _, a := range t.args {
		if a.def != nil && fmt.Sprint(a.def) == fmt.Sprint(a.value) {
			continue
		}
		v := pyValue(a.value)
		if !a.positional {
			v = a.name + "=" + v
		}
		args = append(args, v)
	}
	pkg := "nn."
	if t.typ == "Sin" { // the script's: torch.nn has none
		pkg = ""
	}
	return pkg + t.typ + "(" + strings.Join(args, ", ") + ")"
}

func pyValue(v any) string {
	switch v := v.(type) {
	case string:
		return "'" + v + "'"
	case float64:
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return s
	case []int:
		s := make([]string, len(v))
		for i, d := range v {
			s[i] = strconv.Itoa(d)
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return fmt.Sprint(v)
}

// json is the module as one JSON object: its type, then its arguments by name.
func (t torchModule) json() string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"type": %q`, t.typ)
	for _, a := range t.args {
		v, _ := json.Marshal(a.value)
		fmt.Fprintf(&b, `, %q: %s`, a.name, v)
	}
	return b.String() + "}"
}

func jsonInts(s []int) string {
	b, _ := json.Marshal(s)
	return strings.ReplaceAll(string(b), ",", ", ")
}

// safetensorsVar writes Safetensors: the tensors (the replica's state_dict names, or mlc's
// own where the network has no replica) and the metadata files carry.
func (e *emitter) safetensorsVar() {
	m := e.m
	r, why := torchModel(m)
	type entry struct {
		name, note   string
		p            *ir.Param
		shape        []int
		stored, perm []int
	}
	var entries []entry
	placed := map[*ir.Param]bool{}
	var doc strings.Builder
	meta := map[string]string{"format": "pt", "mlc.model": m.Name, "mlc.source": e.source()}
	if r != nil {
		var py, js []string
		width := 0
		for i, mod := range r.modules {
			line := fmt.Sprintf("%s,", mod.python())
			py = append(py, line)
			width = max(width, len(line))
			js = append(js, "    "+mod.json())
			for _, tp := range mod.params {
				entries = append(entries, entry{name: fmt.Sprintf("%d.%s", i, tp.name), note: tp.note, p: tp.p, shape: tp.shape, stored: tp.stored, perm: tp.perm})
				placed[tp.p] = true
			}
		}
		fmt.Fprintf(&doc, "Safetensors lays out the parameters as safetensors files and PyTorch do: each tensor is\n"+
			"named as in the state_dict of the network's PyTorch replica, with PyTorch's shape,\n\n\tnet = nn.Sequential(\n")
		digits := len(strconv.Itoa(len(r.modules) - 1))
		for i, mod := range r.modules {
			fmt.Fprintf(&doc, "\t    %-*s  # %*d: %s\n", width, py[i], digits, i, mod.layer)
		}
		doc.WriteString("\t)\n\n")
		doc.WriteString(torchIO(r))
		var coefs, names []string
		for _, p := range m.Params {
			if !placed[p] {
				coefs = append(coefs, fmt.Sprintf("%q", p.Name))
				names = append(names, p.Name)
			}
		}
		if len(coefs) > 0 {
			fmt.Fprintf(&doc, "\nThe coefficients (%s) are not net's: load them by hand, and the rest with\n"+
				"load_state_dict(..., strict=False).", strings.Join(names, ", "))
		}
		doc.WriteString("\n\n")
		torch := "{\n  \"input\": {\"shape\": " + jsonInts(r.in.shape) + ", \"perm\": " + jsonInts(r.in.perm) + "},\n" +
			"  \"output\": {\"shape\": " + jsonInts(r.out.shape) + ", \"perm\": " + jsonInts(r.out.perm) + "},\n" +
			"  \"predict\": " + strconv.FormatBool(r.predict) + ",\n"
		if len(coefs) > 0 {
			torch += "  \"coefficients\": [" + strings.Join(coefs, ", ") + "],\n"
		}
		torch += "  \"modules\": [\n" + strings.Join(js, ",\n") + "\n  ]\n}"
		meta["mlc.torch"] = torch
	} else {
		fmt.Fprintf(&doc, "Safetensors lays out the parameters as safetensors files do, under their mlc names: the\n"+
			"model has no PyTorch replica, as %s.\n\n", why)
	}
	for _, p := range m.Params {
		if !placed[p] {
			note := ""
			if c := e.coefficient(p); c != nil {
				note = "the coefficient " + c.Name
				if c.Positive {
					note = "the logarithm of the positive coefficient " + c.Name
				}
			}
			entries = append(entries, entry{name: p.Name, note: note, p: p, shape: p.Shape})
		}
	}
	doc.WriteString("mlrt.SaveSafetensors(path, m.Params(), &Safetensors) writes a file PyTorch loads with\n" +
		"net.load_state_dict; mlrt.LoadSafetensors(path, m.Params(), &Safetensors) reads one it wrote\n" +
		"(F32 or F64). The metadata (mlc.torch) describes the replica in JSON.")

	multi := jen.Options{Open: "{", Close: "}", Separator: ",", Multi: true}
	var items []jen.Code
	for _, en := range entries {
		fields := []jen.Code{
			jen.Id("Name").Op(":").Lit(en.name),
			jen.Id("Param").Op(":").Lit(en.p.Name),
			jen.Id("Offset").Op(":").Lit(en.p.Offset),
		}
		if len(en.shape) > 0 {
			fields = append(fields, jen.Id("Shape").Op(":").Add(ints(en.shape)))
		}
		if en.stored != nil {
			fields = append(fields, jen.Id("Stored").Op(":").Add(ints(en.stored)), jen.Id("Perm").Op(":").Add(ints(en.perm)))
		}
		item := jen.Values(fields...)
		if en.note != "" {
			item = jen.Comment(en.name + ": " + en.note).Line().Add(item)
		}
		items = append(items, item)
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var metaItems []jen.Code
	for _, k := range keys {
		v := jen.Lit(meta[k])
		if strings.Contains(meta[k], "\n") {
			v = jen.Id("`" + meta[k] + "`")
		}
		metaItems = append(metaItems, jen.Lit(k).Op(":").Add(v))
	}
	e.f.Comment(doc.String())
	e.f.Var().Id("Safetensors").Op("=").Qual(SafetensorsPath, "Layout").Custom(multi,
		jen.Id("Tensors").Op(":").Index().Qual(SafetensorsPath, "Tensor").Custom(multi, items...),
		jen.Id("Metadata").Op(":").Map(jen.String()).String().Custom(multi, metaItems...),
	)
	e.f.Line()
}

// torchIO says how the replica's input and output relate to Predict's rows.
func torchIO(r *torchReplica) string {
	var series []string
	side := func(l torchLayout) string {
		if isSeries(l) {
			if s := shapeComment(l.shape); !slices.Contains(series, s) {
				series = append(series, s)
			}
			return fmt.Sprintf("[N, %d, %d]", l.shape[1], l.shape[0])
		}
		return fmt.Sprintf("[N, %d]", product(l.shape))
	}
	s := fmt.Sprintf("It maps inputs %s to outputs %s", side(r.in), side(r.out))
	switch {
	case len(series) > 0:
		s += ": a series is channels first in PyTorch, and steps\nfirst in Predict's rows (" + strings.Join(series, " and ") + ")."
	case r.predict:
		s += ", as Predict does."
	default:
		s += "."
	}
	if !r.predict {
		s += "\nIt is the network alone: Predict also transforms its inputs or outputs (features,\n" +
			"periodic or output statements), which PyTorch would have to do around it."
	}
	return s
}

func product(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

func ints(s []int) jen.Code {
	vals := make([]jen.Code, len(s))
	for i, d := range s {
		vals[i] = jen.Lit(d)
	}
	return jen.Index().Int().Values(vals...)
}
