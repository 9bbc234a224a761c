package difftest

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// gen draws one random model. Everything comes from r, so a seed and an index give the
// same model on every run.
type gen struct {
	r *rand.Rand
	m *Model
	// outs are the named layer outputs with their shapes and the layer that made them.
	outs []namedOut
	// nconst numbers the const statements.
	nconst int
	opt    GenOptions
	// maxOrder is the highest order of derivative a point-set model takes.
	maxOrder int
	// classes is the number of classes of the model's categorical cross-entropies (0: none
	// yet), labels the target of their class labels ("": one value per class).
	classes int
	labels  string
}

type namedOut struct {
	name  string
	shape []int
	layer *Layer
}

// GenOptions steer the generator.
type GenOptions struct {
	// Outside is the probability that a model carries a construct outside the documented
	// language (set difference, mean in a residual, order 3, a loss nonlinear in its means).
	Outside float64
	// KnownBugs: use the constructs of knownBugs too (see genlang.go).
	KnownBugs bool
	// DType is the dtype the models will be built with ("" for float64), for the known
	// bugs of one dtype.
	DType string
}

// Generate draws model number index of the stream seed. Its name is M<index>.
func Generate(seed uint64, index int, opt GenOptions) *Model {
	g := &gen{r: rand.New(rand.NewPCG(seed, uint64(index)*0x9e3779b97f4a7c15+1)), opt: opt}
	g.m = &Model{Name: fmt.Sprintf("M%d", index), Features: map[string]bool{}, Binary: map[string]bool{}, Labels: map[string]int{}}
	g.m.DType = g.pick("", "float32", "float64")
	if g.m.DType != "" {
		g.m.feature("dtype %s in source", g.m.DType)
	}
	outside := g.chance(opt.Outside)
	if g.chance(0.4) {
		g.pointsModel(outside)
	} else {
		g.batchModel(outside)
	}
	if g.m.Outside != "" {
		g.m.feature("outside: %s", g.m.Outside)
	}
	return g.m
}

func (g *gen) intn(lo, hi int) int            { return lo + g.r.IntN(hi-lo+1) }
func (g *gen) chance(p float64) bool          { return g.r.Float64() < p }
func (g *gen) pick(s ...string) string        { return s[g.r.IntN(len(s))] }
func (g *gen) pickExpr(s ...Expr) Expr        { return s[g.r.IntN(len(s))] }
func (g *gen) uniform(lo, hi float64) float64 { return lo + (hi-lo)*g.r.Float64() }

// coef is a loss weight: a round number people write, or a constant.
func (g *gen) coef() Expr {
	if len(g.m.Consts) > 0 && g.chance(0.3) {
		return Ref{g.m.Consts[g.r.IntN(len(g.m.Consts))].Name}
	}
	return Num{[]float64{0.5, 2, 0.1, 1.5, 3, 0.25, 0.01, 5}[g.r.IntN(8)]}
}

// addConst declares a constant from numbers, pi and the constants before it.
func (g *gen) addConst() {
	g.nconst++
	name := fmt.Sprintf("c%d", g.nconst)
	if g.chance(0.3) {
		// A name generated code uses itself (a loop index, a parameter, a type, a Go
		// name): generated code writes constants by name, and must not let it be shadowed.
		risky := []string{"f", "n", "total", "row", "m", "k", "j", "l", "r0", "i", "v", "sums", "out", "T", "len", "New", "nu"}
		name = risky[g.r.IntN(len(risky))]
		if g.taken(name) {
			name = fmt.Sprintf("c%d", g.nconst)
		}
		g.m.feature("const with a name generated code uses")
	}
	var e Expr
	switch g.r.IntN(4) {
	case 0:
		e = Num{math.Round(g.uniform(0.05, 3)*100) / 100}
	case 1:
		e = Bin{'/', Num{0.01 * float64(g.intn(1, 50))}, Ref{"pi"}}
	case 2:
		if len(g.m.Consts) > 0 {
			prev := g.m.Consts[g.r.IntN(len(g.m.Consts))].Name
			e = Bin{'*', Num{float64(g.intn(2, 4))}, Ref{prev}}
		} else {
			e = Bin{'+', Num{1}, Num{0.5}}
		}
	default:
		e = Sq{Bin{'-', Num{float64(g.intn(2, 3))}, Num{0.5}}}
	}
	c := Const{Name: name, Expr: e}
	c.Value = constValue(e, g.m.Consts)
	g.m.Consts = append(g.m.Consts, c)
	g.m.feature("const")
}

// constValue evaluates a const expression as mlc's README defines it, in float64.
func constValue(e Expr, consts []Const) float64 {
	switch e := e.(type) {
	case Num:
		return e.V
	case Ref:
		if e.Name == "pi" {
			return math.Pi
		}
		for _, c := range consts {
			if c.Name == e.Name {
				return c.Value
			}
		}
	case Neg:
		return -constValue(e.X, consts)
	case Sq:
		return math.Pow(constValue(e.X, consts), 2)
	case Bin:
		x, y := constValue(e.X, consts), constValue(e.Y, consts)
		switch e.Op {
		case '+':
			return x + y
		case '-':
			return x - y
		case '*':
			return x * y
		case '/':
			return x / y
		}
	}
	panic("difftest: not a constant expression")
}

var activations = []string{"linear", "tanh", "sigmoid", "relu", "softplus", "sin", "silu"}

// addLayer appends l, computing its shapes, padding and parameters as the README says.
func (g *gen) addLayer(l *Layer) *Layer {
	m := g.m
	in := []int{m.NumFeatures()}
	if len(m.Layers) > 0 {
		in = m.Layers[len(m.Layers)-1].OutShape
	} else if len(m.Inputs) == 1 && len(m.Inputs[0].Shape) == 2 {
		in = m.Inputs[0].Shape
	}
	l.InShape = in
	count := 1
	for _, p := range m.Layers {
		if p.Kind == l.Kind {
			count++
		}
	}
	l.Name = fmt.Sprintf("%s%d", l.Kind, count)
	if l.L2 > 0 {
		m.feature("l2 penalty")
	}
	switch l.Kind {
	case "dense":
		l.OutShape = []int{l.Units}
		if l.Factorize > 0 {
			l.S = g.param(l.Name+"_s", []int{l.Units})
			l.W, l.B = g.param(l.Name+"_V", []int{l.Units, in[0]}), g.param(l.Name+"_b", []int{l.Units})
			m.feature("dense, factorized kernel")
		} else {
			l.W, l.B = g.param(l.Name+"_W", []int{l.Units, in[0]}), g.param(l.Name+"_b", []int{l.Units})
		}
		m.feature("dense %s", l.Act)
	case "modified_mlp":
		l.OutShape = []int{l.Units}
		l.W = g.param(l.Name+"_U_W", []int{l.Units, in[0]})
		l.B = g.param(l.Name+"_U_b", []int{l.Units})
		g.param(l.Name+"_V_W", []int{l.Units, in[0]})
		g.param(l.Name+"_V_b", []int{l.Units})
		for k := 1; k <= l.Depth; k++ {
			from := l.Units
			if k == 1 {
				from = in[0]
			}
			g.param(fmt.Sprintf("%s_%d_W", l.Name, k), []int{l.Units, from})
			g.param(fmt.Sprintf("%s_%d_b", l.Name, k), []int{l.Units})
		}
		m.feature("modified_mlp %s", l.Act)
	case "conv1d":
		steps, cin := in[0], in[1]
		var out int
		if l.Same {
			out = (steps + l.Stride - 1) / l.Stride
			total := max((out-1)*l.Stride+l.Kernel-steps, 0)
			l.PadL, l.PadR = total/2, total-total/2
			m.feature("conv1d padding same")
			if l.Kernel%2 == 0 {
				m.feature("conv1d same, even kernel")
			}
		} else {
			out = (steps-l.Kernel)/l.Stride + 1
			m.feature("conv1d padding valid")
		}
		if l.Stride > 1 {
			m.feature("conv1d stride > 1")
		}
		l.OutShape = []int{out, l.Units}
		l.W, l.B = g.param(l.Name+"_W", []int{l.Units, l.Kernel * cin}), g.param(l.Name+"_b", []int{l.Units})
		m.feature("conv1d %s", l.Act)
	case "dropout":
		l.OutShape = in
		m.feature("dropout")
	case "maxpool1d", "avgpool1d":
		l.OutShape = []int{(in[0]-l.Kernel)/l.Stride + 1, in[1]}
		m.feature("%s", l.Kind)
		if l.Stride < l.Kernel {
			m.feature("pooling windows that overlap")
		}
	case "global_maxpool1d", "global_avgpool1d":
		l.OutShape = []int{in[1]}
		m.feature("%s", l.Kind)
	case "flatten":
		l.OutShape = []int{prod(in)}
		m.feature("flatten")
	}
	if l.Out != "" {
		g.outs = append(g.outs, namedOut{l.Out, l.OutShape, l})
		if l.Kind == "dropout" {
			m.feature("named dropout output")
		}
	}
	for _, o := range l.Outs {
		g.outs = append(g.outs, namedOut{o, []int{1}, l})
	}
	if len(l.Outs) > 0 {
		m.feature("named output components")
	}
	m.Layers = append(m.Layers, l)
	return l
}

func (g *gen) param(name string, shape []int) int {
	p := Param{Name: name, Shape: shape, Offset: g.m.NumParams}
	g.m.Params = append(g.m.Params, p)
	g.m.NumParams += p.Size()
	return len(g.m.Params) - 1
}

// addCoef declares `param name = value [, positive]`: its parameter comes after every
// layer's, so call it once the layers are all there.
func (g *gen) addCoef(name string, value Expr, positive bool) *Coef {
	c := &Coef{Name: name, Value: value, Init: constValue(value, g.m.Consts), Positive: positive}
	pname := name
	if positive {
		pname = "log_" + name
	}
	c.Param = g.param(pname, nil) // a scalar
	g.m.Params[c.Param].Coef = c
	g.m.Coefs = append(g.m.Coefs, c)
	return c
}

// elem draws an elementwise expression of the given depth over leaves. Every function the
// loss language has can appear; arguments are kept where the functions are defined and
// tame: log sees 1 + e², a division is by 1 + e², exp sees a leaf or a tanh.
func (g *gen) elem(depth int, leaves []Expr) Expr {
	if depth == 0 || g.chance(0.25) {
		return leaves[g.r.IntN(len(leaves))]
	}
	x := g.elem(depth-1, leaves)
	if g.chance(0.08) {
		return g.power(x)
	}
	if !g.m.Points {
		if r := g.rowReduction(x); r != x {
			return r
		}
	}
	switch g.r.IntN(9) {
	case 0:
		return Bin{'+', x, g.elem(depth-1, leaves)}
	case 1:
		return Bin{'-', x, g.elem(depth-1, leaves)}
	case 2:
		return Bin{'*', x, g.elem(depth-1, leaves)}
	case 3:
		g.m.feature("loss fn /")
		return Bin{'/', x, Bin{'+', Num{1}, Sq{g.elem(depth-1, leaves)}}}
	case 4:
		g.m.feature("loss fn ^2")
		return Sq{x}
	case 5:
		g.m.feature("loss fn log")
		return Fn{"log", Bin{'+', Num{1}, Sq{x}}}
	case 6:
		g.m.feature("loss fn exp")
		if _, leaf := x.(Ref); !leaf {
			x = Fn{"tanh", x}
		}
		return Fn{"exp", x}
	case 7:
		g.m.feature("loss fn neg")
		return Neg{x}
	}
	f := g.pick("tanh", "sin", "cos", "abs", "sigmoid", "relu", "softplus", "silu")
	g.m.feature("loss fn %s", f)
	return Fn{f, x}
}
