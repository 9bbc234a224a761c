package difftest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Model is the generator's description of one random model: everything the .ml text
// says, kept in a form the reference evaluator reads directly.
type Model struct {
	Name   string // model name; the file is Name.ml
	DType  string // the dtype the source declares ("" for none)
	Points bool   // a point-set (physics-informed) model

	Inputs  []Tensor // in declaration order
	Layers  []*Layer // with repeats expanded
	Targets []Tensor
	Sets    []Set
	Consts  []Const
	Lets    []Let // let, residual and output statements, in order
	Loss    Expr
	// Coefs are the param statements (trainable coefficients), in order; each is also the
	// last of Params, after the layers'.
	Coefs []*Coef
	// Periodic are the periodic statements, in order.
	Periodic []Periodic
	// FeatureExprs are the expressions of the features statement (nil: none), FeatureSize
	// their total size per row.
	FeatureExprs []Expr
	FeatureSize  int
	// CoefsEarly writes the param statements before the layers (else after the targets).
	CoefsEarly bool
	// Balance weighs the loss terms by their gradient norms (train balance = grad_norm): the
	// loss gets a coefficient weight_TERM per term.
	Balance bool
	// QuasiNewton is the stage after Adam: lbfgs (also when empty) or bfgs. It changes only
	// FitConfig, which the tester compiles but does not train with.
	QuasiNewton string
	Batch       int // the train statement's batch (a point-set model's tile)

	// Params are the tensors of the flat parameter vector in the order the README
	// documents: per layer its kernel then its bias.
	Params    []Param
	NumParams int

	// Binary marks targets whose values must lie in [0, 1] (binary cross-entropy on an
	// output that is not a sigmoid).
	Binary map[string]bool
	// Labels marks targets that hold class labels, with the number of classes: their
	// values are whole numbers from 0 to that number − 1.
	Labels map[string]int
	// Outside names the construct outside the documented language this model carries
	// ("" for none): mlc must refuse it or compile it as the reference evaluates it.
	Outside string
	// MustRefuse: the construct outside the language is one mlc must refuse (compiling it is
	// a finding), at the line of the first occurrence of RefuseAt in Source (when not "").
	MustRefuse bool
	RefuseAt   string
	// LinearLoss: the loss is a weighted sum of means over all rows, so the loss of a
	// batch is the row-weighted average of the losses of its parts.
	LinearLoss bool

	// BuildDType, when set, is the dtype this model is built with whatever the round's.
	BuildDType string

	Features map[string]bool
	Source   string
}

// Tensor is an input or target: a name and its per-sample shape (nil: a scalar).
type Tensor struct {
	Name  string
	Shape []int
}

// Size is the number of values per sample.
func (t Tensor) Size() int {
	s := 1
	for _, d := range t.Shape {
		s *= d
	}
	return s
}

// Layer is one dense, conv1d or dropout layer. In, Out and the padding are computed by
// the generator as the README documents them.
type Layer struct {
	Kind       string // dense, conv1d, dropout, maxpool1d, avgpool1d, global_maxpool1d, global_avgpool1d, flatten
	Units      int    // dense units or conv filters
	Act        string
	Kernel     int     // conv1d's kernel, a pooling layer's pool
	L2         float64 // dense and conv1d: the weight of the kernel's l2 penalty (0: none)
	Stride     int
	Same       bool
	Rate       float64
	Out        string   // the name given with ->, or ""
	Outs       []string // one name per component (-> u, v, p), instead of Out
	Repeat     int      // > 0 on the first layer of a `repeat N { … }` block of RepeatLen layers
	RepeatLen  int
	InShape    []int
	OutShape   []int
	PadL, PadR int
	W, B       int     // indices into Model.Params (dense, conv1d; modified_mlp: of U's kernel and bias)
	Depth      int     // modified_mlp: its gated layers, whose kernels and biases follow U's and V's
	Factorize  float64 // dense: > 0 for a factorized kernel e^s·V (W is V's index, S s's)
	S          int
	Name       string
}

// Set is a `points` statement: a name and the known values given on it.
type Set struct {
	Name  string
	Known []string
}

// Const is a `const` statement; Expr holds only numbers, pi and earlier constants.
type Const struct {
	Name  string
	Expr  Expr
	Value float64
}

// Let is a `let`, `residual` or `output` statement.
type Let struct {
	Keyword string
	Name    string
	Expr    Expr
	// Size is an output's number of values per row.
	Size int
}

// Coef is `param NAME = VALUE [, positive]`: a trainable scalar, stored as log(value) when
// positive (its parameter is then log_NAME).
type Coef struct {
	Name     string
	Value    Expr
	Init     float64
	Positive bool
	Param    int // index into Model.Params
}

// Periodic is `periodic NAME in [LO, HI] [, harmonics = H]` (Harmonics 0: not written, 1).
type Periodic struct {
	Input     string
	Lo, Hi    Expr
	Harmonics int
}

// H is the number of harmonics.
func (p Periodic) H() int { return max(p.Harmonics, 1) }

// Param is a parameter tensor: its name as mlc gives it (dense1_W), shape and offset.
type Param struct {
	Name   string
	Shape  []int
	Offset int
	Coef   *Coef // the coefficient it holds, or nil
	// Weight is set on the weight of loss term Term under balance = grad_norm; mlc names it
	// weight_ and the term's name, which the layout check does not compare.
	Weight bool
	Term   int
}

// Size is the number of values of p.
func (p Param) Size() int {
	s := 1
	for _, d := range p.Shape {
		s *= d
	}
	return s
}

// NumInputs is the number of values in a row of Predict's x: the inputs one after another.
func (m *Model) NumInputs() int {
	n := 0
	for _, in := range m.Inputs {
		n += in.Size()
	}
	return n
}

// refuseLine is the line of the last occurrence of RefuseAt in Source (0: none).
func (m *Model) refuseLine() int {
	i := strings.LastIndex(m.Source, m.RefuseAt)
	if i < 0 {
		return 0
	}
	return strings.Count(m.Source[:i], "\n") + 1
}

// NumFeatures is the size of the first layer's input: the inputs, each periodic one as
// its 2·H features, or the features statement's.
func (m *Model) NumFeatures() int {
	if m.FeatureExprs != nil {
		return m.FeatureSize
	}
	n := 0
	for _, in := range m.Inputs {
		n += in.Size()
		for _, p := range m.Periodic {
			if p.Input == in.Name {
				n += 2*p.H() - 1
			}
		}
	}
	return n
}

// NumTargets is the number of values in a row of y.
func (m *Model) NumTargets() int {
	n := 0
	for _, t := range m.Targets {
		n += t.Size()
	}
	return n
}

// Output is the last layer's output shape.
func (m *Model) Output() []int { return m.Layers[len(m.Layers)-1].OutShape }

// OutputSize is NumOutputs: the values Predict writes per row, the network's output or,
// when there are output statements, theirs one after another.
func (m *Model) OutputSize() int {
	n := 0
	for _, l := range m.Lets {
		if l.Keyword == "output" {
			n += l.Size
		}
	}
	if n > 0 {
		return n
	}
	return prod(m.Output())
}

// HasOutputs reports whether m has output statements.
func (m *Model) HasOutputs() bool {
	return slices.ContainsFunc(m.Lets, func(l Let) bool { return l.Keyword == "output" })
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// feature records that m uses f, for the coverage table.
func (m *Model) feature(format string, args ...any) {
	m.Features[fmt.Sprintf(format, args...)] = true
}

// FeatureList is m's features, sorted.
func (m *Model) FeatureList() []string {
	var out []string
	for f := range m.Features {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

func shapeSrc(s []int) string {
	if len(s) == 0 {
		return ""
	}
	p := make([]string, len(s))
	for i, d := range s {
		p[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(p, ", ") + "]"
}

// writeSource renders m as .ml text; m.Source is set. inputGroups and targetGroups say
// how many declarations each input/target statement holds (several per statement or one
// statement each), so both spellings are exercised.
func (m *Model) writeSource(inputGroups, targetGroups []int, comment string) {
	var b strings.Builder
	if comment != "" {
		fmt.Fprintf(&b, "# %s\n", comment)
	}
	fmt.Fprintf(&b, "model %s\n", m.Name)
	if m.DType != "" {
		fmt.Fprintf(&b, "dtype %s\n", m.DType)
	}
	decls := func(kw string, ts []Tensor, groups []int) {
		i := 0
		for _, g := range groups {
			var parts []string
			for _, t := range ts[i : i+g] {
				parts = append(parts, t.Name+shapeSrc(t.Shape))
			}
			fmt.Fprintf(&b, "%s %s\n", kw, strings.Join(parts, ", "))
			i += g
		}
	}
	decls("input", m.Inputs, inputGroups)
	for _, c := range m.Consts {
		fmt.Fprintf(&b, "const %s = %s\n", c.Name, src(c.Expr))
	}
	for _, p := range m.Periodic {
		fmt.Fprintf(&b, "periodic %s in [%s, %s]", p.Input, src(p.Lo), src(p.Hi))
		if p.Harmonics > 0 {
			fmt.Fprintf(&b, ", harmonics = %d", p.Harmonics)
		}
		b.WriteString("\n")
	}
	if m.FeatureExprs != nil {
		var fs []string
		for _, e := range m.FeatureExprs {
			fs = append(fs, src(e))
		}
		fmt.Fprintf(&b, "features %s\n", strings.Join(fs, ", "))
	}
	coefs := func() {
		for _, c := range m.Coefs {
			fmt.Fprintf(&b, "param %s = %s", c.Name, src(c.Value))
			if c.Positive {
				b.WriteString(", positive")
			}
			b.WriteString("\n")
		}
	}
	if m.CoefsEarly {
		coefs()
	}
	for i := 0; i < len(m.Layers); i++ {
		l := m.Layers[i]
		if l.Repeat > 0 {
			fmt.Fprintf(&b, "repeat %d {\n", l.Repeat)
			for _, r := range m.Layers[i : i+l.RepeatLen] {
				fmt.Fprintf(&b, "    %s\n", r.src())
			}
			b.WriteString("}\n")
			i += l.Repeat*l.RepeatLen - 1
			continue
		}
		b.WriteString(l.src() + "\n")
	}
	decls("target", m.Targets, targetGroups)
	if !m.CoefsEarly {
		coefs()
	}
	for _, s := range m.Sets {
		fmt.Fprintf(&b, "points %s(", s.Name)
		var ins []string
		for _, in := range m.Inputs {
			ins = append(ins, in.Name)
		}
		b.WriteString(strings.Join(ins, ", "))
		if len(s.Known) > 0 {
			b.WriteString("; " + strings.Join(s.Known, ", "))
		}
		b.WriteString(")\n")
	}
	for _, l := range m.Lets {
		fmt.Fprintf(&b, "%s %s = %s\n", l.Keyword, l.Name, src(l.Expr))
	}
	b.WriteString("loss " + lossSrc(m.Loss) + "\n")
	if m.Points {
		balance := ""
		if m.Balance {
			balance = ", balance = grad_norm"
		}
		qn := m.QuasiNewton
		if qn == "" {
			qn = "lbfgs"
		}
		fmt.Fprintf(&b, "optimizer adam(lr = 1e-3, steps = 10) then %s\ntrain batch = %d%s\n", qn, m.Batch, balance)
	} else {
		fmt.Fprintf(&b, "optimizer adam(lr = 0.01)\ntrain epochs = 2, batch = %d, seed = 3\n", m.Batch)
	}
	m.Source = b.String()
}

// lossSrc writes a loss of several terms one term per line, each continuation line
// starting with its + or -, as the README allows.
func lossSrc(e Expr) string {
	terms := splitTerms(e)
	if len(terms) < 3 {
		return src(e)
	}
	var b strings.Builder
	for i, t := range terms {
		s := src(t.e)
		if _, named := t.e.(Named); !named && t.e.prec() <= 2 {
			s = "(" + s + ")"
		}
		switch {
		case i == 0 && t.neg:
			b.WriteString("-" + s)
		case i == 0:
			b.WriteString(s)
		case t.neg:
			b.WriteString("\n    - " + s)
		default:
			b.WriteString("\n    + " + s)
		}
	}
	return b.String()
}

// src is the layer's statement.
func (l *Layer) src() string {
	var s string
	switch l.Kind {
	case "dense":
		s = fmt.Sprintf("dense %d", l.Units)
		if l.Act != "linear" || l.Units%2 == 0 {
			s += ", " + l.Act
		}
	case "conv1d":
		s = fmt.Sprintf("conv1d %d, kernel = %d", l.Units, l.Kernel)
		if l.Stride != 1 {
			s += fmt.Sprintf(", stride = %d", l.Stride)
		}
		if l.Same {
			s += ", padding = same"
		} else if l.Kernel%2 == 0 {
			s += ", padding = valid"
		}
		if l.Act != "linear" {
			s += ", " + l.Act
		}
	case "modified_mlp":
		s = fmt.Sprintf("modified_mlp %d, depth = %d, %s", l.Units, l.Depth, l.Act)
	case "dropout":
		s = "dropout " + fmtNum(l.Rate)
	case "maxpool1d", "avgpool1d":
		s = fmt.Sprintf("%s %d", l.Kind, l.Kernel)
		if l.Stride != l.Kernel {
			s += fmt.Sprintf(", stride = %d", l.Stride)
		}
	default: // flatten, global pools: no arguments
		s = l.Kind
	}
	if l.L2 > 0 {
		s += ", l2 = " + fmtNum(l.L2)
	}
	if l.Factorize > 0 {
		s += ", factorize = " + fmtNum(l.Factorize)
	}
	if l.Out != "" {
		s += " -> " + l.Out
	}
	if len(l.Outs) > 0 {
		s += " -> " + strings.Join(l.Outs, ", ")
	}
	return s
}
