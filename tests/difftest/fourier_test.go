package difftest

import "testing"

// TestFourierFeatures: a PINN seeing random Fourier features of x and t (and t itself) agrees
// with the reference — which draws the frequencies by the language's rule and evaluates the
// cos and sin on its own jets — in the loss, the gradient and the input derivatives up to
// the third order.
func TestFourierFeatures(t *testing.T) {
	goAndRoot(t) // skips where models cannot be built
	m := Build("Fourier", 4, func(b *Builder) {
		b.Input(x1, t1)
		b.Features(2*3+2*2+1,
			Fourier{Args: []Expr{Ref{"x"}, Ref{"t"}}, M: 3, Scale: 0.5, Seed: 4},
			Fourier{Args: []Expr{Bin{'*', Num{2}, Ref{"x"}}}, M: 2, Scale: 1, Seed: 1},
			Ref{"t"})
		b.Layer(dense1(4, "tanh", ""))
		b.Layer(dense1(1, "linear", "u"))
		b.Set("bd", "ub")
		b.Set("in")
		b.Let("residual", "r", Bin{'-', D{u, []string{"t"}}, Bin{'*', Num{0.1}, D{u, []string{"x", "x", "t"}}}})
		b.Loss(Bin{'+', SetMean{[]string{"bd"}, false, Sq{Bin{'-', u, Ref{"ub"}}}}, SetMean{[]string{"in"}, false, Sq{Ref{"r"}}}}, "")
	})
	for _, c := range runFixed(t, []*Model{m}) {
		if len(c.Findings) > 0 || c.Refusal != "" {
			t.Errorf("%s", Report(c, "fourier features"))
		}
	}
}
