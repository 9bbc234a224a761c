package difftest

import (
	"testing"
)

// finding is a minimised model from a difftest run: the smallest model that showed a bug,
// kept as a regression case.
type finding struct {
	bug   string
	model *Model
	dtype string // the dtype it is built with ("": float64)
}

var (
	x1  = Tensor{"x", nil}
	t1  = Tensor{"t", nil}
	u   = Ref{"u"}
	mse = LossFn{"mse", Ref{"u"}, Ref{"y"}}
)

// dense1 is `dense n, act [-> out]`.
func dense1(n int, act, out string) Layer { return Layer{Kind: "dense", Units: n, Act: act, Out: out} }

func findings() []finding {
	return []finding{
		{"a constant term of a mini-batch loss was added once per worker when the batch is split (n ≥ 64)",
			Build("ConstSplit", 64, func(b *Builder) {
				b.Input(Tensor{"x", []int{2}})
				b.Layer(dense1(1, "linear", "u"))
				b.Target(Tensor{"y", []int{1}})
				b.Loss(Bin{'+', mse, Num{1}}, "")
			}), ""},
		{"a constant term of a point-set loss was counted more than once (2× or 3× when the points span several tiles)",
			Build("ConstTiles", 3, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "tanh", "u"))
				b.Set("bd")
				b.Loss(Bin{'+', SetMean{[]string{"bd"}, false, Sq{u}}, Num{1}}, "")
			}), ""},
		{"a point-set model with one scalar input crashed Check (matvec of a scalar tangent)",
			Build("OneInput", 4, func(b *Builder) {
				b.Input(x1)
				b.Layer(dense1(2, "tanh", ""))
				b.Layer(dense1(1, "linear", "u"))
				b.Set("bd")
				b.Let("residual", "r", D{u, []string{"x", "x"}})
				b.Loss(SetMean{[]string{"bd"}, false, Sq{Ref{"r"}}}, "")
			}), ""},
		{"the derivative of a linear network is one number, and a let holding it was refused",
			Build("LinearNet", 4, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "linear", "u"))
				b.Set("bd")
				b.Let("residual", "r", D{u, []string{"x"}})
				b.Loss(SetMean{[]string{"bd"}, false, Sq{Ref{"r"}}}, "")
			}), ""},
		{"a mean over sets that are not next to each other (a + c of a, b, c), after a mean over a, generated code that does not compile",
			Build("SetGap", 4, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "tanh", "u"))
				b.Set("a")
				b.Set("b")
				b.Set("c")
				b.Loss(Bin{'+', SetMean{[]string{"a"}, false, Sq{u}}, SetMean{[]string{"a", "c"}, false, D{u, []string{"x", "x"}}}}, "")
			}), ""},
		{"a named dropout as the first layer renamed the input's node: Check crashed (no input or target d0)",
			Build("DropoutFirst", 4, func(b *Builder) {
				b.Input(Tensor{"x", []int{2}})
				b.Layer(Layer{Kind: "dropout", Rate: 0.1, Out: "d0"})
				b.Layer(dense1(1, "linear", "u"))
				b.Target(Tensor{"y", []int{1}})
				b.Loss(mse, "")
			}), ""},
		{"the mean of a derivative of a linear network (one number, unbatched [1]) was refused as a loss that is not a scalar",
			Build("LinearMean", 4, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "linear", "u"))
				b.Set("bd")
				b.Loss(SetMean{[]string{"bd"}, false, Sq{D{u, []string{"x"}}}}, "")
			}), ""},
		{"several inputs of a mini-batch model all read column 0 (NumInputs was the first input's size)",
			Build("TwoInputs", 4, func(b *Builder) {
				b.Input(Tensor{"a", nil}, Tensor{"b", nil})
				b.Layer(dense1(1, "linear", "u"))
				b.Target(Tensor{"y", []int{1}})
				b.Loss(mse, "")
			}), ""},
		{"a second target read the first target's columns",
			Build("TwoTargets", 4, func(b *Builder) {
				b.Input(Tensor{"x", []int{2}})
				b.Layer(dense1(1, "linear", "u"))
				b.Target(Tensor{"y", []int{1}}, Tensor{"y2", []int{1}})
				b.Loss(Bin{'+', mse, LossFn{"mse", u, Ref{"y2"}}}, "")
			}), ""},
		{"mean(e) inside a residual was computed per tile of points",
			Build("MeanInResidual", 3, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "tanh", "u"))
				b.Set("bd")
				b.Let("residual", "r", Bin{'-', D{u, []string{"t"}}, Mean{u}})
				b.Loss(SetMean{[]string{"bd"}, false, Sq{Ref{"r"}}}, "mean in a residual")
			}), ""},
		{"a mean nested in a mean was computed per tile, and the interpreter's gradient treated it as a constant",
			Build("NestedMean", 3, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "tanh", "u"))
				b.Set("a")
				b.Set("b")
				b.Loss(SetMean{[]string{"a"}, false, Sq{Bin{'-', u, SetMean{[]string{"b"}, false, u}}}}, "mean nested in a mean")
			}), ""},
		{"mean(left - right, e) was the union of the sets",
			Build("SetDifference", 4, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "tanh", "u"))
				b.Set("a")
				b.Set("b")
				b.Loss(SetMean{[]string{"a", "b"}, true, Sq{u}}, "set difference")
			}), ""},
		{"a third derivative through a let",
			Build("Order3", 4, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(2, "tanh", ""))
				b.Layer(dense1(1, "linear", "u"))
				b.Set("bd")
				b.Let("let", "uxx", D{u, []string{"x", "x"}})
				b.Let("residual", "r", D{Ref{"uxx"}, []string{"x"}})
				b.Loss(SetMean{[]string{"bd"}, false, Sq{Ref{"r"}}}, "order 3 through a let")
			}), ""},
		{"two params with one gradient node (nu*u + c*u): the second added the first's slot after each tile, earlier tiles' sums included, so Grads was wrong over several tiles",
			Build("TwoCoefs", 3, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "tanh", "u"))
				b.Param("nu", Num{0.7}, false)
				b.Param("c", Num{0.7}, false)
				b.Set("bd")
				b.Let("residual", "r", Bin{'+', Bin{'*', Ref{"nu"}, u}, Bin{'*', Ref{"c"}, u}})
				b.Loss(SetMean{[]string{"bd"}, false, Sq{Ref{"r"}}}, "")
			}), ""},
		{"two params with one gradient node: a linear layer's bias and a coefficient added to its output (u + k), wrong over several tiles",
			Build("BiasCoef", 3, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "linear", "u"))
				b.Param("k", Num{0.7}, false)
				b.Set("bd")
				b.Let("residual", "r", Bin{'+', u, Ref{"k"}})
				b.Loss(SetMean{[]string{"bd"}, false, Sq{Ref{"r"}}}, "")
			}), ""},
		{"a positive param in a mini-batch output: generated code did not compile (predictRow read a worker w it does not have)",
			Build("PositiveOutput", 4, func(b *Builder) {
				b.Input(Tensor{"x", []int{2}})
				b.Layer(dense1(1, "linear", "u"))
				b.Target(Tensor{"y", []int{1}})
				b.Param("k", Num{0.5}, true)
				b.Output("w", Bin{'*', Ref{"k"}, u}, 1)
				b.Loss(LossFn{"mse", Ref{"w"}, Ref{"y"}}, "")
			}), ""},
		{"a coefficient weighting a term (k * mean(...)) was refused: the loss must be a scalar, found [1] per sample",
			Build("ParamWeight", 3, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "tanh", "u"))
				b.Param("k", Num{0.5}, true)
				b.Set("bd")
				b.Loss(Bin{'+', SetMean{[]string{"bd"}, false, Sq{u}}, Bin{'*', Ref{"k"}, SetMean{[]string{"bd"}, false, D{u, []string{"x"}}}}}, "")
			}), ""},
		{"the mean of a coefficient alone over a set (mean(bd, k^2)) was refused as not a scalar",
			Build("ParamMean", 3, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "tanh", "u"))
				b.Param("k", Num{0.5}, false)
				b.Set("bd")
				b.Loss(Bin{'+', SetMean{[]string{"bd"}, false, Sq{u}}, SetMean{[]string{"bd"}, false, Sq{Ref{"k"}}}}, "")
			}), ""},
		{"a coefficient times a vector (k * u^2 with u [3]) was refused: shapes [1] and [3] do not match",
			Build("ParamVector", 4, func(b *Builder) {
				b.Input(Tensor{"x", []int{2}})
				b.Layer(dense1(3, "tanh", "u"))
				b.Param("k", Num{0.5}, false)
				b.Loss(Mean{Bin{'*', Ref{"k"}, Sq{u}}}, "")
			}), ""},
		{"a term named like an earlier term's automatic name (... as bd after mean(bd, ...)) was refused as two terms named bd",
			Build("TermName", 3, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "tanh", "u"))
				b.Set("bd")
				b.Set("in")
				b.Loss(Bin{'+', SetMean{[]string{"bd"}, false, Sq{u}}, Named{SetMean{[]string{"in"}, false, Sq{D{u, []string{"x"}}}}, "bd"}}, "")
			}), ""},
		{"difftest: an output using a target was drawn after an output of a series, which mlc refuses first, a line earlier, for its shape",
			Build("SeriesOutputTarget", 4, func(b *Builder) {
				b.Input(Tensor{"s", []int{6, 1}})
				b.Layer(Layer{Kind: "conv1d", Units: 2, Kernel: 1, Stride: 1, Act: "sigmoid", Out: "u"})
				b.Target(Tensor{"y", []int{6, 2}})
				b.Output("w", Bin{'-', u, Ref{"y"}}, 12)
				b.Loss(LossFn{"mse", Ref{"u"}, Ref{"y"}}, "")
				b.Refuse("output using a known value", "output w =")
			}), ""},
		{"difftest: features and periodic drew a second periodic statement for one input, which mlc refuses first, a line earlier",
			Build("FeaturesPeriodic", 4, func(b *Builder) {
				b.Input(x1)
				b.Periodic("x", Num{0}, Num{1}, 0)
				b.Features(1, Fn{"cos", Ref{"x"}})
				b.Layer(dense1(1, "tanh", "u"))
				b.Set("bd")
				b.Loss(SetMean{[]string{"bd"}, false, Sq{u}}, "")
				b.Refuse("features and periodic", "features ")
			}), ""},
		{"difftest: a param weighted a term of constants (nu * mean(0.5)), a term of params alone, which mlc refuses as the language says",
			Build("ParamsAlone", 4, func(b *Builder) {
				b.Input(Tensor{"x", []int{2}})
				b.Layer(dense1(1, "linear", "u"))
				b.Target(Tensor{"y", []int{1}})
				b.Param("nu", Neg{Num{0.5}}, false)
				b.Loss(Bin{'+', mse, Bin{'*', Ref{"nu"}, Mean{Num{0.5}}}}, "")
				b.Refuse("a term of params alone", "nu * mean(0.5)")
			}), ""},
		{"a positive param did not compile in float32: Init assigned math.Log(0.5), a float64, to a float32",
			Build("PositiveF32", 3, func(b *Builder) {
				b.Input(x1, t1)
				b.Layer(dense1(1, "tanh", "u"))
				b.Param("k", Num{0.5}, true)
				b.Set("bd")
				b.Loss(SetMean{[]string{"bd"}, false, Sq{Bin{'*', Ref{"k"}, u}}}, "")
			}), "float32"},
		{"a loss nonlinear in its means on a split batch",
			Build("LogMSE", 64, func(b *Builder) {
				b.Input(Tensor{"x", []int{2}})
				b.Layer(dense1(1, "linear", "u"))
				b.Target(Tensor{"y", []int{1}})
				b.Loss(Fn{"log", Bin{'+', Num{1}, mse}}, "loss nonlinear in its means")
			}), ""},
		{"refused at a shared subexpression: the term of params alone 0.1 * k^2 was refused at the k^2 of the valid term before it",
			Build("SharedPosition", 4, func(b *Builder) {
				b.Input(Tensor{"x", []int{2}})
				b.Layer(dense1(1, "linear", "u"))
				b.Target(Tensor{"y", []int{1}})
				b.Param("k", Num{0.5}, false)
				b.Loss(Bin{'+', Bin{'+', mse, Mean{Bin{'*', Sq{Ref{"k"}}, u}}}, Bin{'*', Num{0.1}, Sq{Ref{"k"}}}}, "")
				b.Refuse("a term of params alone", "0.1 * k^2")
			}), ""},
		{"difftest: the finite differences of a loss with a large constant term (6.25·mean(e^6.25)² ≈ 1.7e6) differ from the gradient by the loss's rounding over the step, which the tester counted as a wrong gradient",
			Build("BigConstant", 3, func(b *Builder) {
				b.Input(Tensor{"x", []int{2}})
				b.Layer(dense1(8, "tanh", ""))
				b.Layer(dense1(4, "softmax", "u"))
				b.Target(Tensor{"y", []int{4}})
				b.Loss(Bin{'+', LossFn{"categorical_crossentropy", Ref{"u"}, Ref{"y"}}, Num{1.7e6}}, "")
			}), ""},
		{"one value per sample (a logsumexp) divided a series of one step and one channel ([1, 1]) elementwise, and Check panicked: adjoint of shape [1 1] for a value of shape [1]",
			Build("OneByOne", 4, func(b *Builder) {
				b.Input(Tensor{"s", []int{2, 1}})
				b.Layer(Layer{Kind: "conv1d", Units: 1, Kernel: 2, Stride: 1, Act: "tanh", Out: "u"})
				b.Loss(Mean{Bin{'/', u, Bin{'+', Num{1}, Sq{Fn{"logsumexp", u}}}}}, "")
			}), "float32"},
		{"the single-row Predict of a mini-batch model with a factorized kernel did not compile: e^s, a value of no row, was put in a worker's scratch area, which that pass has not",
			Build("FactorizedRow", 4, func(b *Builder) {
				b.Input(Tensor{"x", []int{2}})
				b.Layer(Layer{Kind: "dense", Units: 3, Act: "tanh", Factorize: 1})
				b.Layer(dense1(1, "linear", "u"))
				b.Target(Tensor{"y", []int{1}})
				b.Loss(mse, "")
			}), ""},
	}
}

// TestFindings runs the minimised models of past difftest findings: each must now be
// refused with a positioned error (those outside the language) or agree everywhere.
func TestFindings(t *testing.T) {
	for _, r := range runFindings(t, findings()) {
		c, f := r.c, r.f
		switch {
		case len(c.Findings) > 0:
			t.Errorf("%s:\n%s", f.bug, Report(c, "minimised finding"))
		case c.Refusal != "":
			t.Logf("%s: %s refused: %s", f.bug, c.M.Name, c.Refusal)
		default:
			t.Logf("%s: %s agrees", f.bug, c.M.Name)
		}
	}
}

type findingCase struct {
	f finding
	c *Case
}

// runFindings builds, runs and judges fs, each in its dtype, in one round.
func runFindings(t *testing.T, fs []finding) []findingCase {
	t.Helper()
	var models []*Model
	for _, f := range fs {
		f.model.BuildDType = f.dtype
		models = append(models, f.model)
	}
	var out []findingCase
	for i, c := range runFixed(t, models) {
		out = append(out, findingCase{fs[i], c})
	}
	return out
}

// openBugs are minimised models of compiler bugs the tester found that are not fixed yet
// (see knownBugs in genlang.go, whose constructs the generator avoids by default): each
// disagrees or is refused today. TestOpenBugs runs them with -difftest.knownbugs and is
// skipped otherwise, so that CI stays green while they are open; once one agrees, move it
// to findings and delete its knownBugs entry.
func openBugs() []finding {
	return nil
}

// TestOpenBugs runs openBugs with -difftest.knownbugs: it fails while they are open.
func TestOpenBugs(t *testing.T) {
	if !*flagBugs {
		t.Skip("compiler bugs, open (knownBugs): run with -difftest.knownbugs")
	}
	for _, r := range runFindings(t, openBugs()) {
		if len(r.c.Findings) > 0 {
			t.Errorf("%s:\n%s", r.f.bug, Report(r.c, "open bug"))
		} else {
			t.Logf("%s: %s agrees now (refusal: %q)", r.f.bug, r.c.M.Name, r.c.Refusal)
		}
	}
}
