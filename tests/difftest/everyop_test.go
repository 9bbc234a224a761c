package difftest

import (
	"strings"
	"testing"

	"github.com/mlc-go/mlc/codegen"
	"github.com/mlc-go/mlc/ir"
)

// unreachableOps are ops of ir.Ops that no construct of the language produces yet, with the
// reason; every other op must appear in the models of TestEveryOpRuns.
var unreachableOps = map[ir.Op]string{
	ir.OpReshape:     "flatten is not in the language yet",
	ir.OpPoolSum:     "pooling is not in the language yet",
	ir.OpPoolSumT:    "pooling is not in the language yet",
	ir.OpPoolSelect:  "pooling is not in the language yet",
	ir.OpPoolScatter: "pooling is not in the language yet",
}

// everyOpModels use, between them, every op of ir.Ops: each activation in a dense layer and
// in the loss, every elementwise function of the loss, conv1d with padding (pad, crop and
// the transposed products), dropout, both cross-entropies (the clipped one brings clip and
// its derivative), several inputs (concat), and a PINN with first, second and mixed input
// derivatives over two point sets (means over some sets and their adjoints), and the same
// for a network linear in its inputs.
func everyOpModels() []*Model {
	var models []*Model
	var acts, funcs []string
	for _, info := range ir.Ops {
		if info.Activation {
			acts = append(acts, info.Func)
		}
		if info.Func != "" {
			funcs = append(funcs, info.Func)
		}
	}
	models = append(models, Build("Activations", 70, func(b *Builder) {
		b.Input(Tensor{"a", nil}, Tensor{"v", []int{3}})
		for _, a := range acts {
			b.Layer(dense1(3, a, ""))
		}
		b.Layer(Layer{Kind: "dropout", Rate: 0.2})
		b.Layer(dense1(2, "linear", "u"))
		b.Target(Tensor{"y", []int{2}})
		loss := Expr(LossFn{"mse", Ref{"u"}, Ref{"y"}})
		for _, f := range funcs {
			arg := Expr(u)
			if f == "log" {
				arg = Bin{'+', Num{1}, Sq{u}} // its domain
			}
			loss = Bin{'+', loss, Bin{'*', Num{0.1}, Mean{Fn{f, arg}}}}
		}
		b.Loss(Bin{'+', Bin{'-', loss, Mean{Bin{'/', u, Bin{'+', Num{2}, Sq{u}}}}}, LossFn{"mae", Ref{"u"}, Ref{"y"}}}, "")
	}))
	models = append(models, Build("Classes", 8, func(b *Builder) {
		b.Input(Tensor{"x", []int{4}})
		b.Layer(dense1(3, "tanh", ""))
		b.Layer(dense1(1, "sigmoid", "p"))
		b.Layer(dense1(1, "sin", "q"))
		b.Target(Tensor{"y", []int{1}})
		b.Loss(Bin{'+', LossFn{"binary_crossentropy", Ref{"p"}, Ref{"y"}}, LossFn{"binary_crossentropy", Ref{"q"}, Ref{"y"}}}, "")
	}))
	models = append(models, Build("Labels", 8, func(b *Builder) {
		// A softmax classifier of class labels (onehot, logsumexp) with the per-sample max
		// (its derivative marks the largest value) and sum (its adjoint repeats a value per
		// sample), repeated over a vector.
		b.Input(Tensor{"x", []int{3}})
		b.Layer(dense1(4, "tanh", "h"))
		b.Layer(dense1(3, "softmax", "p"))
		b.Target(Tensor{"y", []int{1}})
		b.Labels("y", 3)
		h := Ref{"h"}
		b.Loss(Bin{'+', LossFn{"categorical_crossentropy", Ref{"p"}, Ref{"y"}},
			Bin{'*', Num{0.1}, Mean{Bin{'*', Fn{"max", h}, Bin{'+', h, Fn{"sum", Sq{h}}}}}}}, "")
	}))
	models = append(models, Build("Probabilities", 8, func(b *Builder) {
		// The categorical cross-entropy of one value per class on an output that is not a
		// softmax: scaled to sum to 1, clipped.
		b.Input(Tensor{"x", []int{3}})
		b.Layer(dense1(4, "sigmoid", "q"))
		b.Target(Tensor{"y", []int{4}})
		b.Loss(LossFn{"categorical_crossentropy", Ref{"q"}, Ref{"y"}}, "")
	}))
	models = append(models, Build("Conv", 8, func(b *Builder) {
		b.Input(Tensor{"s", []int{12, 2}})
		b.Layer(Layer{Kind: "conv1d", Units: 3, Kernel: 4, Stride: 1, Same: true, Act: "relu"})
		b.Layer(Layer{Kind: "conv1d", Units: 2, Kernel: 3, Stride: 2, Same: true, Act: "tanh"})
		b.Layer(Layer{Kind: "conv1d", Units: 2, Kernel: 2, Stride: 1, Act: "linear", Out: "u"})
		b.Loss(Mean{Sq{u}}, "")
	}))
	models = append(models, Build("PINN", 4, func(b *Builder) {
		b.Input(x1, t1)
		b.Layer(dense1(4, "tanh", ""))
		b.Layer(dense1(1, "linear", "u"))
		b.Set("bd", "ub")
		b.Set("in")
		b.Let("residual", "r", Bin{'-', Bin{'+', D{u, []string{"t"}}, Bin{'*', u, D{u, []string{"x"}}}}, Bin{'*', Num{0.01}, D{u, []string{"x", "t"}}}})
		b.Loss(Bin{'+', SetMean{[]string{"bd"}, false, Sq{Bin{'-', u, Ref{"ub"}}}}, SetMean{[]string{"in"}, false, Sq{Bin{'+', Ref{"r"}, D{u, []string{"x", "x"}}}}}}, "")
	}))
	models = append(models, Build("Components", 4, func(b *Builder) {
		// dense 2 -> u, v slices the layer's output; a positive coefficient is exp of its
		// parameter; an output transform, integer powers, a fourth derivative, named terms.
		b.Input(x1, t1)
		b.Layer(dense1(3, "tanh", ""))
		b.Layer(Layer{Kind: "dense", Units: 2, Act: "linear", Outs: []string{"u", "v"}})
		b.Param("nu", Num{0.5}, true)
		b.Param("k", Neg{Num{0.3}}, false)
		b.Set("bd", "ub")
		b.Set("in")
		b.Output("w", Bin{'+', Bin{'*', Ref{"x"}, u}, Bin{'*', Ref{"k"}, Ref{"t"}}}, 1)
		b.Let("residual", "r", Bin{'-', D{Ref{"w"}, []string{"t"}}, Bin{'*', Ref{"nu"}, Bin{'+', D{Ref{"v"}, []string{"x", "x", "t", "t"}}, Pow{Ref{"v"}, 3, "3"}}}})
		b.Loss(Bin{'+', Named{SetMean{[]string{"bd"}, false, Sq{Bin{'-', Ref{"w"}, Ref{"ub"}}}}, "data"},
			Named{SetMean{[]string{"in"}, false, Bin{'+', Sq{Ref{"r"}}, Pow{Bin{'+', Num{1}, Sq{u}}, -2, "-2"}}}, "pde"}}, "")
	}))
	models = append(models, Build("Linear", 4, func(b *Builder) {
		// d(u, x) of a network linear in x is the same at every point: a broadcast.
		b.Input(x1, t1)
		b.Layer(dense1(1, "linear", "u"))
		b.Set("bd")
		b.Loss(SetMean{[]string{"bd"}, false, Sq{Bin{'-', D{u, []string{"x"}}, u}}}, "")
	}))
	return models
}

// TestEveryOpRuns generates, builds and runs models that together use every op of the op
// table, judged like the random ones (interpreter, reference, finite differences): the test
// that each op's emitter computes what its row says.
func TestEveryOpRuns(t *testing.T) {
	goAndRoot(t) // skips where models cannot be built
	models := everyOpModels()
	used := map[ir.Op]bool{}
	for _, m := range models {
		lowered, err := codegen.Check(m.Name+".ml", []byte(m.Source))
		if err != nil {
			t.Fatalf("%s does not compile: %v\n%s", m.Name, err, m.Source)
		}
		for _, p := range []*ir.Pass{lowered.Infer, lowered.Train} {
			roots := append([]*ir.Node{p.Pred, p.Summed}, p.Grads...)
			for _, n := range p.TermSummed {
				if n != nil {
					roots = append(roots, n)
				}
			}
			for id := range ir.Schedule(p.Graph, roots).Live {
				used[p.Graph.Nodes[id].Op] = true
			}
		}
	}
	var missing []string
	for op := ir.Op(0); int(op) < ir.NumOps; op++ {
		if _, ok := unreachableOps[op]; !ok && !used[op] {
			missing = append(missing, op.String())
		}
	}
	if len(missing) > 0 {
		t.Errorf("no model of everyOpModels computes %s: add one that does", strings.Join(missing, ", "))
	}
	cases := runFixed(t, models)
	for _, c := range cases {
		if len(c.Findings) > 0 || c.Refusal != "" {
			t.Errorf("%s", Report(c, "every op"))
		}
	}
}
