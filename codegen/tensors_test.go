package codegen

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/mlc-go/mlc/ir"
	"github.com/mlc-go/mlc/runtime/safetensors"
)

// TestTorchDenseAfterFlatten checks the flatten and dense rows on a series: PyTorch's
// nn.Flatten of [channels, steps] orders the dense kernel's columns channels first, mlc's
// flatten steps first, and the file must hold PyTorch's order.
func TestTorchDenseAfterFlatten(t *testing.T) {
	const steps, channels, units = 4, 3, 2
	flatten := &ir.Layer{Name: "flatten1", Kind: "flatten", In: []int{steps, channels}, Out: []int{steps * channels}}
	mods, flat, err := torchLayers["flatten"](flatten, seriesLayout(steps, channels))
	if err != nil || len(mods) != 1 || mods[0].python() != "nn.Flatten()" {
		t.Fatalf("flatten: %v, %v", mods, err)
	}
	conv := &ir.Layer{Name: "conv1d1", Kind: "conv1d", In: []int{steps * channels}, Out: []int{steps, 1}, Num: map[string]float64{"kernel": 1, "stride": 1}}
	if _, _, err := torchLayers["conv1d"](conv, flat); err == nil {
		t.Error("a conv1d took a flattened input")
	}
	w := &ir.Param{Name: "dense1_W", Shape: []int{units, steps * channels}}
	b := &ir.Param{Name: "dense1_b", Shape: []int{units}, Offset: units * steps * channels}
	l := &ir.Layer{Name: "dense1", Kind: "dense", In: []int{steps * channels}, Out: []int{units}, Params: []*ir.Param{w, b}}
	mods, out, err := torchLayers["dense"](l, flat)
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) != 1 || len(out.shape) != 1 || out.shape[0] != units {
		t.Fatalf("modules %v, output layout %v", mods, out)
	}
	if got := torchIO(&torchReplica{in: seriesLayout(steps, channels), out: flat, predict: true}); !strings.HasPrefix(got, "It maps inputs [N, 3, 4] to outputs [N, 12]") {
		t.Errorf("torchIO: %q", got)
	}
	tp := mods[0].params[0]
	layout := &safetensors.Layout{Tensors: []safetensors.Tensor{{Name: "0.weight", Param: w.Name, Shape: tp.shape, Stored: tp.stored, Perm: tp.perm}}}
	// params[u, s·channels + c] = 100u + 10s + c: mlc's column of step s, channel c.
	p := make([]float64, units*steps*channels)
	for u := range units {
		for s := range steps {
			for c := range channels {
				p[u*steps*channels+s*channels+c] = float64(100*u + 10*s + c)
			}
		}
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, p, layout, safetensors.F64); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	data = data[8+binary.LittleEndian.Uint64(data):]
	for u := range units {
		for c := range channels {
			for s := range steps {
				i := u*steps*channels + c*steps + s // PyTorch's column c·steps + s
				if got, want := math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:])), float64(100*u+10*s+c); got != want {
					t.Errorf("W[%d][%d·%d+%d] = %v, want %v", u, c, steps, s, got, want)
				}
			}
		}
	}
}

// TestTorchNoRow: a layer kind without a row leaves the model without a replica, and its
// tensors under mlc's names, rather than failing to compile.
func TestTorchNoRow(t *testing.T) {
	m := &ir.Model{Layers: []*ir.Layer{{Name: "pool1", Kind: "newpool", In: []int{4, 2}, Out: []int{2, 2}}}}
	if _, err := torchModel(m); err == nil || !strings.Contains(err.Error(), "layer pool1 (newpool) has no PyTorch counterpart") {
		t.Errorf("error %v", err)
	}
}

// replicaOf lowers src and returns its replica's modules as Python, one per line.
func replicaOf(t *testing.T, src string) (*torchReplica, []string) {
	t.Helper()
	m, err := lower("t.ml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := torchModel(m)
	if err != nil {
		t.Fatal(err)
	}
	var py []string
	for _, mod := range r.modules {
		py = append(py, mod.python())
	}
	return r, py
}

// TestTorchPools: the pooling rows on PyTorch's [N, channels, steps], with the stride given
// only where it is not the pool size, and global pools flattened to a vector.
func TestTorchPools(t *testing.T) {
	r, py := replicaOf(t, `model P
input x[13, 2]
maxpool1d 2
avgpool1d 2, stride = 3
maxpool1d 1
avgpool1d 1, stride = 1
conv1d 3, kernel = 1
global_avgpool1d
dense 2 -> u
target y[2]
loss mse(u, y)
`)
	want := []string{"nn.MaxPool1d(2)", "nn.AvgPool1d(2, stride=3)", "nn.MaxPool1d(1)", "nn.AvgPool1d(1)",
		"nn.Conv1d(2, 3, 1)", "nn.AdaptiveAvgPool1d(1)", "nn.Flatten()", "nn.Linear(3, 2)"}
	if !slices.Equal(py, want) {
		t.Errorf("replica\n%q\nwant\n%q", py, want)
	}
	// The series keeps PyTorch's layout through the pools: the conv1d takes it.
	if s := r.modules[4].json(); !strings.Contains(s, `"in_channels": 2`) {
		t.Errorf("conv1d after the pools: %s", s)
	}
	if !r.predict || len(r.out.shape) != 1 || r.out.shape[0] != 2 {
		t.Errorf("predict %v, output layout %v", r.predict, r.out)
	}
	_, py = replicaOf(t, `model G
input x[5, 3]
global_maxpool1d
dense 1, sigmoid -> p
target y[1]
loss binary_crossentropy(p, y)
`)
	if want := []string{"nn.AdaptiveMaxPool1d(1)", "nn.Flatten()", "nn.Linear(3, 1)", "nn.Sigmoid()"}; !slices.Equal(py, want) {
		t.Errorf("replica\n%q\nwant\n%q", py, want)
	}
}

// TestTorchSoftmax: softmax is nn.Softmax over dim 1, as a dense layer's activation and as
// an output transform of the network's output, after which the replica is Predict; any
// other output transform leaves it the network alone.
func TestTorchSoftmax(t *testing.T) {
	const head = "model S\ninput x[4]\ndense 5, relu\n"
	const tail = "target y[1]\nloss categorical_crossentropy(p, y)\n"
	for _, c := range []struct {
		src     string
		last    string
		predict bool
	}{
		{head + "dense 3, softmax -> p\n" + tail, "nn.Softmax(dim=1)", true},
		{head + "dense 3 -> z\noutput p = softmax(z)\n" + tail, "nn.Softmax(dim=1)", true},
		{head + "dense 3 -> z\noutput p = softmax(2 * z)\n" + tail, "nn.Linear(5, 3)", false},
		{head + "dense 3 -> z\noutput p = 1 - softmax(z)\n" + tail, "nn.Linear(5, 3)", false},
	} {
		r, py := replicaOf(t, c.src)
		if py[len(py)-1] != c.last || r.predict != c.predict {
			t.Errorf("%s: replica %q, predict %v; want it to end in %s, predict %v", c.src, py, r.predict, c.last, c.predict)
		}
	}
}
