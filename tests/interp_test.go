package tests

import (
	"math"
	"os"
	"testing"

	"github.com/mlc-go/mlc/codegen"
	"github.com/mlc-go/mlc/ir"
	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/tests/models/multi"
)

// interpretRows lowers the .ml file at path and runs its inference pass through the IR
// interpreter on n rows of x and y laid out as the generated Predict and Loss take them
// (a row holds the inputs, or the targets, one after another): the reference that the
// generated code must match.
func interpretRows(t *testing.T, path string, params, x, y []float64, n int) (pred []float64, loss float64) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := codegen.Check(path, src)
	if err != nil {
		t.Fatal(err)
	}
	in := &ir.Batch{N: n, Leaves: map[string][]float64{}, Params: map[string][]float64{}}
	columns := func(list []*ir.Tensor, rows []float64) {
		width, off := 0, 0
		for _, v := range list {
			width += v.Size()
		}
		for _, v := range list {
			col := make([]float64, v.Size()*n)
			for f := 0; f < v.Size(); f++ {
				for b := 0; b < n; b++ {
					col[f*n+b] = rows[b*width+off+f]
				}
			}
			in.Leaves[v.Name] = col
			off += v.Size()
		}
	}
	columns(m.Inputs, x)
	columns(m.Targets, y)
	for _, p := range m.Params {
		in.Params[p.Name] = params[p.Offset : p.Offset+p.Size()]
	}
	pass := m.Infer
	val := ir.Evaluate(pass.Graph, []*ir.Node{pass.Pred, pass.Loss}, in)
	out := pass.Pred.Size()
	pred = make([]float64, n*out)
	for b := 0; b < n; b++ {
		for f := 0; f < out; f++ {
			pred[b*out+f] = val[pass.Pred.ID][f*n+b]
		}
	}
	return pred, val[pass.Loss.ID][0]
}

// TestSeveralInputsAndTargets: a mini-batch model with inputs a, b, v[3] and targets y[2],
// z[1] reads each from its own columns (once, b read a's column and z read y's), and its
// outputs and loss, split between the workers or not, equal the interpreter's.
func TestSeveralInputsAndTargets(t *testing.T) {
	m := multi.New()
	m.Init(mlrt.NewRNG(3))
	f := func(a, b float64) float64 {
		out := make([]float64, 1)
		m.Predict(out, []float64{a, b, 0.3, -0.2, 0.7}, 1)
		return out[0]
	}
	if f(1, 5) == f(1, -5) {
		t.Errorf("f(1, 5) = f(1, -5) = %v: input b is not read", f(1, 5))
	}
	if f(1, 5) == f(-1, 5) {
		t.Errorf("f(1, 5) = f(-1, 5) = %v: input a is not read", f(1, 5))
	}
	rng := mlrt.NewRNG(4)
	for _, n := range []int{1, 7, 80} { // 80 rows are split between the workers
		x, y := randomBatch(rng, n, multi.NumInputs, multi.NumTargets, false)
		want, wantLoss := interpretRows(t, "models/multi/multi.ml", m.Params(), x, y, n)
		got := make([]float64, n*multi.NumOutputs)
		m.Predict(got, x, n)
		loss := m.Loss(x, y, n, nil)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-13 {
				t.Fatalf("n=%d output %d: Predict %v, interpreter %v", n, i, got[i], want[i])
			}
		}
		if math.Abs(loss-wantLoss) > 1e-13*math.Max(1, math.Abs(wantLoss)) {
			t.Errorf("n=%d: Loss %v, interpreter %v", n, loss, wantLoss)
		}
	}
}

// TestShortSlicesPanicInTheCaller: a slice too short for n rows is reported by the public
// method, in the caller's goroutine (where recover works), naming the argument; it used to
// fail inside a worker goroutine with an index error in generated code.
func TestShortSlicesPanicInTheCaller(t *testing.T) {
	m := multi.New()
	n := 80
	x := make([]float64, n*multi.NumInputs)
	y := make([]float64, n*multi.NumTargets)
	cases := []struct {
		name, want string
		f          func()
	}{
		{"Predict dst", "Multi.Predict: dst has 79 values; 80 rows of 1 need 80", func() { m.Predict(make([]float64, n-1), x, n) }},
		{"Predict x", "Multi.Predict: x has 399 values; 80 rows of 5 need 400", func() { m.Predict(make([]float64, n), x[:len(x)-1], n) }},
		{"Loss y", "Multi.Loss: y has 3 values; 80 rows of 3 need 240", func() { m.Loss(x, y[:3], n, nil) }},
		{"LossGrad pred", "Multi.LossGrad: pred has 2 values; 80 rows of 1 need 80", func() { m.LossGrad(x, y, n, nil, make([]float64, 2)) }},
		{"Predict n < 0", "Multi.Predict: n is -1 rows; want 0 or more", func() { m.Predict(nil, x, -1) }},
	}
	for _, c := range cases {
		got := func() (msg any) {
			defer func() { msg = recover() }()
			c.f()
			return nil
		}()
		if got != c.want {
			t.Errorf("%s: panic %v, want %q", c.name, got, c.want)
		}
	}
}
