package tests

// PyTorch round trips of safetensors files, checked without PyTorch: the files in
// testdata/torch were written by tests/torch/roundtrip.py (see README.md, "PyTorch").
//
// For each case NAME (a model and a dtype):
//
//	NAME.mlc.safetensors    the weights mlc writes (seeded, uniform in ±1/√fan-in)
//	NAME.in.safetensors     inputs x, and mlc's outputs on its weights (mlc)
//	NAME.torch.safetensors  the weights of PyTorch's replica (its own initialisation),
//	                        written by the script as json header + numpy bytes
//	NAME.out.safetensors    PyTorch's outputs on x: with mlc's weights (torch_of_mlc), and
//	                        with its own (torch_of_torch)
//
// The test checks that mlc still writes NAME.mlc.safetensors byte for byte, that its outputs
// on those weights are PyTorch's, and that with PyTorch's weights loaded it reproduces
// PyTorch's outputs. `go test ./tests -run TorchRoundTrip -torch.write` rewrites the mlc side
// (the first two files); then run the script, which writes the other two.

import (
	"bytes"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/mlc-go/mlc/generated/burgers"
	"github.com/mlc-go/mlc/generated/burgers32"
	"github.com/mlc-go/mlc/generated/cancer"
	"github.com/mlc-go/mlc/generated/solarwind"
	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/safetensors"
	"github.com/mlc-go/mlc/tests/models/activations"
	"github.com/mlc-go/mlc/tests/models/cancer64"
	"github.com/mlc-go/mlc/tests/models/conv"
	"github.com/mlc-go/mlc/tests/models/digits"
	"github.com/mlc-go/mlc/tests/models/digits64"
	"github.com/mlc-go/mlc/tests/models/digitsconv"
	"github.com/mlc-go/mlc/tests/models/digitsconv64"
	"github.com/mlc-go/mlc/tests/models/globalpool"
	"github.com/mlc-go/mlc/tests/models/iris"
	"github.com/mlc-go/mlc/tests/models/iris64"
	"github.com/mlc-go/mlc/tests/models/padconv"
	"github.com/mlc-go/mlc/tests/models/solarwind64"
	"github.com/mlc-go/mlc/tests/models/torchpools"
)

var torchWrite = flag.Bool("torch.write", false, "write the mlc side of the PyTorch round trips into testdata/torch (then run tests/torch/roundtrip.py)")

const torchDir = "testdata/torch"

// Tolerances, normwise: max |mlc − torch| over the outputs, divided by max |torch|. Both
// sides compute in the same dtype but sum in different orders, so they differ by rounding:
// in float32 the largest case measured is below 7e-7 (the convolutional digits classifier),
// in float64 about 1e-15 (the figures are in README.md).
const (
	torchTol32 = 1e-6
	torchTol64 = 1e-14
)

// torchCase is a model under test and the inputs it is run on.
type torchCase[T mlrt.Float] struct {
	name    string
	layout  *safetensors.Layout
	in, out int // values per row
	rows    int
	input   func(rng *rand.Rand) float64
	model   func() predictor[T] // a new model
}

// predictor is a model: its parameters, Predict over rows, and Close.
type predictor[T mlrt.Float] struct {
	params  []T
	predict func(dst, x []T, n int)
	close   func()
}

// batch is a mini-batch model as a predictor.
func batch[T mlrt.Float](m interface {
	Params() []T
	Predict(dst, x []T, n int)
	Close()
}) predictor[T] {
	return predictor[T]{m.Params(), m.Predict, m.Close}
}

// pointModel is a model of two inputs (x, t) trained on points as a predictor of rows (x, t).
func pointModel[T mlrt.Float](m interface {
	Params() []T
	Predict(dst, xs, ts []T)
	Close()
}) predictor[T] {
	return predictor[T]{m.Params(), func(dst, x []T, n int) {
		xs, ts := columns(x, n)
		m.Predict(dst, xs, ts)
	}, m.Close}
}

func normal(rng *rand.Rand) float64 { return rng.NormFloat64() }

// pixel is a pixel of the digits' images: a whole number from 0 to 16.
func pixel(rng *rand.Rand) float64 { return float64(rng.IntN(17)) }

// point is a point (x, t) of the Burgers PINN's domain, [-1, 1] × [0, 1] (t drawn in [-1, 1] too).
func point(rng *rand.Rand) float64 { return 2*rng.Float64() - 1 }

func TestTorchRoundTrip(t *testing.T) {
	runTorchCase(t, torchCase[float32]{"cancer_f32", &cancer.Safetensors, cancer.NumInputs, cancer.NumOutputs, 64, normal,
		func() predictor[float32] { return batch[float32](cancer.New()) }})
	runTorchCase(t, torchCase[float64]{"cancer_f64", &cancer64.Safetensors, cancer64.NumInputs, cancer64.NumOutputs, 64, normal,
		func() predictor[float64] { return batch[float64](cancer64.New()) }})
	runTorchCase(t, torchCase[float32]{"solarwind_f32", &solarwind.Safetensors, solarwind.NumInputs, solarwind.NumOutputs, 4, normal,
		func() predictor[float32] { return batch[float32](solarwind.New()) }})
	runTorchCase(t, torchCase[float64]{"solarwind_f64", &solarwind64.Safetensors, solarwind64.NumInputs, solarwind64.NumOutputs, 4, normal,
		func() predictor[float64] { return batch[float64](solarwind64.New()) }})
	// The classifiers: softmax as an output transform (digits), after a max pool and a
	// flatten whose dense kernel PyTorch orders channels first (digits_conv), and as an
	// activation (iris).
	runTorchCase(t, torchCase[float32]{"digits_f32", &digits.Safetensors, digits.NumInputs, digits.NumOutputs, 8, pixel,
		func() predictor[float32] { return batch[float32](digits.New()) }})
	runTorchCase(t, torchCase[float64]{"digits_f64", &digits64.Safetensors, digits64.NumInputs, digits64.NumOutputs, 8, pixel,
		func() predictor[float64] { return batch[float64](digits64.New()) }})
	runTorchCase(t, torchCase[float32]{"digitsconv_f32", &digitsconv.Safetensors, digitsconv.NumInputs, digitsconv.NumOutputs, 8, pixel,
		func() predictor[float32] { return batch[float32](digitsconv.New()) }})
	runTorchCase(t, torchCase[float64]{"digitsconv_f64", &digitsconv64.Safetensors, digitsconv64.NumInputs, digitsconv64.NumOutputs, 8, pixel,
		func() predictor[float64] { return batch[float64](digitsconv64.New()) }})
	runTorchCase(t, torchCase[float32]{"iris_f32", &iris.Safetensors, iris.NumInputs, iris.NumOutputs, 16, normal,
		func() predictor[float32] { return batch[float32](iris.New()) }})
	runTorchCase(t, torchCase[float64]{"iris_f64", &iris64.Safetensors, iris64.NumInputs, iris64.NumOutputs, 16, normal,
		func() predictor[float64] { return batch[float64](iris64.New()) }})
	runTorchCase(t, torchCase[float64]{"burgers_f64", &burgers.Safetensors, 2, 1, 128, point,
		func() predictor[float64] { return pointModel[float64](burgers.New()) }})
	runTorchCase(t, torchCase[float32]{"burgers_f32", &burgers32.Safetensors, 2, 1, 128, point,
		func() predictor[float32] { return pointModel[float32](burgers32.New()) }})
	// Every activation (Sin is the script's module), and convolutions with strides and
	// every kind of padding (ConstantPad1d included).
	runTorchCase(t, torchCase[float64]{"activations_f64", &activations.Safetensors, activations.NumInputs, activations.NumOutputs, 16, normal,
		func() predictor[float64] { return batch[float64](activations.New()) }})
	runTorchCase(t, torchCase[float64]{"conv_f64", &conv.Safetensors, conv.NumInputs, conv.NumOutputs, 8, normal,
		func() predictor[float64] { return batch[float64](conv.New()) }})
	runTorchCase(t, torchCase[float64]{"padconv_f64", &padconv.Safetensors, padconv.NumInputs, padconv.NumOutputs, 8, normal,
		func() predictor[float64] { return batch[float64](padconv.New()) }})
	// Pooling: windows that overlap, skip steps and leave the last ones out; global pools.
	runTorchCase(t, torchCase[float64]{"torchpools_f64", &torchpools.Safetensors, torchpools.NumInputs, torchpools.NumOutputs, 8, normal,
		func() predictor[float64] { return batch[float64](torchpools.New()) }})
	runTorchCase(t, torchCase[float64]{"globalpool_f64", &globalpool.Safetensors, globalpool.NumInputs, globalpool.NumOutputs, 8, normal,
		func() predictor[float64] { return batch[float64](globalpool.New()) }})
}

// columns splits rows of (x, t) into a column each.
func columns[T mlrt.Float](rows []T, n int) (xs, ts []T) {
	xs, ts = make([]T, n), make([]T, n)
	for i := range n {
		xs[i], ts[i] = rows[2*i], rows[2*i+1]
	}
	return xs, ts
}

func runTorchCase[T mlrt.Float](t *testing.T, c torchCase[T]) {
	t.Run(c.name, func(t *testing.T) {
		// mlc's weights: every tensor uniform in ±1/√fan-in, biases included (PyTorch's
		// default; Keras' zero biases would hide a bias in the wrong place).
		m := c.model()
		defer m.close()
		p := m.params
		rng := rand.New(rand.NewPCG(7, uint64(len(p))))
		for _, tn := range c.layout.Tensors {
			size := 1
			for _, d := range tn.Shape {
				size *= d
			}
			fanIn := size
			if len(tn.Shape) > 1 {
				fanIn = size / tn.Shape[0]
			}
			lim := 1 / math.Sqrt(float64(fanIn))
			for i := range size {
				p[tn.Offset+i] = T(lim * (2*rng.Float64() - 1))
			}
		}
		var file bytes.Buffer
		if err := safetensors.Write(&file, p, c.layout, safetensors.DTypeOf[T]()); err != nil {
			t.Fatal(err)
		}
		x := make([]T, c.rows*c.in)
		xr := rand.New(rand.NewPCG(11, uint64(c.in)))
		for i := range x {
			x[i] = T(c.input(xr))
		}
		mlcOut := make([]T, c.rows*c.out)
		m.predict(mlcOut, x, c.rows)

		base := filepath.Join(torchDir, c.name)
		if *torchWrite {
			if err := os.MkdirAll(torchDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(base+".mlc.safetensors", file.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			writeArrays(t, base+".in.safetensors", map[string][]T{"x": x, "mlc": mlcOut}, map[string][]int{"x": {c.rows, c.in}, "mlc": {c.rows, c.out}})
			return
		}
		want, err := os.ReadFile(base + ".mlc.safetensors")
		if err != nil {
			t.Fatalf("%v (write the files: go test ./tests -run TorchRoundTrip -torch.write, then tests/torch/roundtrip.py)", err)
		}
		if !bytes.Equal(file.Bytes(), want) {
			t.Fatalf("mlc writes %s differently now (%d bytes, the file has %d): regenerate the round trip (README.md, PyTorch)", base+".mlc.safetensors", file.Len(), len(want))
		}
		in := readArrays[T](t, base+".in.safetensors")
		if !slices.Equal(in["x"], x) {
			t.Fatalf("%s.in.safetensors holds other inputs than the test makes now: regenerate the round trip", base)
		}
		out := readArrays[T](t, base+".out.safetensors")
		tol := torchTol64
		if safetensors.DTypeOf[T]() == safetensors.F32 {
			tol = torchTol32
		}

		// mlc → PyTorch: mlc's weights in PyTorch give mlc's outputs.
		abs, rel, elem := compareOutputs(mlcOut, out["torch_of_mlc"])
		t.Logf("mlc → PyTorch: max abs %.3g, normwise rel %.3g, elementwise rel %.3g", abs, rel, elem)
		if !(rel <= tol) {
			t.Errorf("mlc's weights: PyTorch's outputs differ from mlc's by %.3g relative (max abs %.3g), more than %g", rel, abs, tol)
		}

		// PyTorch → mlc: PyTorch's weights loaded into mlc give PyTorch's outputs.
		m2 := c.model()
		defer m2.close()
		meta, err := mlrt.LoadSafetensors(base+".torch.safetensors", m2.params, c.layout)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]T, c.rows*c.out)
		m2.predict(got, x, c.rows)
		abs, rel, elem = compareOutputs(got, out["torch_of_torch"])
		t.Logf("PyTorch → mlc: max abs %.3g, normwise rel %.3g, elementwise rel %.3g (weights by %s)", abs, rel, elem, meta["written_by"])
		if !(rel <= tol) {
			t.Errorf("PyTorch's weights: mlc's outputs differ from PyTorch's by %.3g relative (max abs %.3g), more than %g", rel, abs, tol)
		}
	})
}

// compareOutputs is the largest |got − want|, that over the largest |want| (normwise), and
// the largest |got − want| / |want| of one value (elementwise, over the values with
// |want| ≥ 1e-3 · max |want|: near 0 a relative difference measures nothing).
func compareOutputs[T mlrt.Float](got, want []T) (abs, rel, elem float64) {
	if len(got) != len(want) {
		return math.Inf(1), math.Inf(1), math.Inf(1)
	}
	scale := 0.0
	for i := range got {
		abs = max(abs, math.Abs(float64(got[i])-float64(want[i])))
		scale = max(scale, math.Abs(float64(want[i])))
	}
	if math.IsNaN(abs) || scale == 0 {
		return abs, math.NaN(), math.NaN()
	}
	for i := range got {
		if w := math.Abs(float64(want[i])); w >= 1e-3*scale {
			elem = max(elem, math.Abs(float64(got[i])-float64(want[i]))/w)
		}
	}
	return abs, abs / scale, elem
}

// writeArrays writes named arrays of the given shapes as a safetensors file.
func writeArrays[T mlrt.Float](t *testing.T, path string, arrays map[string][]T, shapes map[string][]int) {
	t.Helper()
	var names []string
	for name := range arrays {
		names = append(names, name)
	}
	sort.Strings(names)
	var flat []T
	l := &safetensors.Layout{Metadata: map[string]string{"written_by": "mlc tests/torch_test.go"}}
	for _, name := range names {
		l.Tensors = append(l.Tensors, safetensors.Tensor{Name: name, Param: name, Offset: len(flat), Shape: shapes[name]})
		flat = append(flat, arrays[name]...)
	}
	if err := mlrt.SaveSafetensors(path, flat, l); err != nil {
		t.Fatal(err)
	}
}

// readArrays reads every tensor of a safetensors file, flat.
func readArrays[T mlrt.Float](t *testing.T, path string) map[string][]T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	l := &safetensors.Layout{}
	n := 0
	var names []string
	for name := range f.Tensors {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		info := f.Tensors[name]
		l.Tensors = append(l.Tensors, safetensors.Tensor{Name: name, Param: name, Offset: n, Shape: info.Shape})
		size := 1
		for _, d := range info.Shape {
			size *= d
		}
		n += size
	}
	flat := make([]T, n)
	if err := safetensors.Load(f, flat, l); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string][]T{}
	for _, tn := range l.Tensors {
		size := 1
		for _, d := range tn.Shape {
			size *= d
		}
		out[tn.Name] = flat[tn.Offset : tn.Offset+size]
	}
	return out
}
