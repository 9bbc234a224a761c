package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// convLayout is a conv1d kernel of 2 filters, kernel 3, 2 channels stored
// [filters][kernel][channels] (PyTorch's [filters][channels][kernel]), its bias, and a scalar.
var convLayout = Layout{
	Tensors: []Tensor{
		{Name: "0.weight", Param: "conv1d1_W", Offset: 0, Shape: []int{2, 2, 3}, Stored: []int{2, 3, 2}, Perm: []int{0, 2, 1}},
		{Name: "0.bias", Param: "conv1d1_b", Offset: 12, Shape: []int{2}},
		{Name: "log_k", Param: "log_k", Offset: 14},
	},
	Metadata: map[string]string{"format": "pt", "mlc.model": "Conv"},
}

func params64() []float64 {
	p := make([]float64, 15)
	for i := range p {
		p[i] = float64(i) + 0.1
	}
	return p
}

func write[T Float](t *testing.T, params []T, l *Layout, d DType) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, params, l, d); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func read[T Float](data []byte, params []T, l *Layout) (map[string]string, error) {
	return Read(bytes.NewReader(data), int64(len(data)), params, l)
}

// TestFormat checks the bytes of a file against the format: the header's length, its JSON,
// its alignment, and the values in PyTorch's order.
func TestFormat(t *testing.T) {
	data := write(t, params64(), &convLayout, F64)
	n := binary.LittleEndian.Uint64(data)
	if (8+n)%8 != 0 {
		t.Errorf("data start at %d, not 8-byte aligned", 8+n)
	}
	var head map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &head); err != nil {
		t.Fatalf("header %q: %v", data[8:8+n], err)
	}
	want := map[string]string{
		"__metadata__": `{"format":"pt","mlc.model":"Conv"}`,
		"0.weight":     `{"dtype":"F64","shape":[2,2,3],"data_offsets":[0,96]}`,
		"0.bias":       `{"dtype":"F64","shape":[2],"data_offsets":[96,112]}`,
		"log_k":        `{"dtype":"F64","shape":[],"data_offsets":[112,120]}`,
	}
	for k, v := range want {
		if string(head[k]) != v {
			t.Errorf("header[%s] = %s, want %s", k, head[k], v)
		}
	}
	if len(data) != int(8+n)+120 {
		t.Fatalf("%d bytes, want %d", len(data), 8+n+120)
	}
	// PyTorch's w[f][c][k] is mlc's w[f][k][c] = params[f*6 + k*2 + c].
	body := data[8+n:]
	for f := range 2 {
		for c := range 2 {
			for k := range 3 {
				i := (f*2+c)*3 + k
				got := math.Float64frombits(binary.LittleEndian.Uint64(body[8*i:]))
				if want := float64(f*6+k*2+c) + 0.1; got != want {
					t.Errorf("w[%d][%d][%d] = %v, want %v", f, c, k, got, want)
				}
			}
		}
	}
}

// TestRoundTrip writes and reads back every pair of vector and file dtypes.
func TestRoundTrip(t *testing.T) {
	p64 := params64()
	p32 := make([]float32, len(p64))
	for i, v := range p64 {
		p32[i] = float32(v)
	}
	for _, d := range []DType{F32, F64} {
		got64 := make([]float64, len(p64))
		meta, err := read(write(t, p64, &convLayout, d), got64, &convLayout)
		if err != nil {
			t.Fatal(err)
		}
		if meta["mlc.model"] != "Conv" {
			t.Errorf("metadata %v", meta)
		}
		got32 := make([]float32, len(p32))
		if _, err := read(write(t, p32, &convLayout, d), got32, &convLayout); err != nil {
			t.Fatal(err)
		}
		for i := range p64 {
			want := p64[i]
			if d == F32 {
				want = float64(float32(want))
			}
			if got64[i] != want || got32[i] != p32[i] {
				t.Errorf("%s: [%d] = %v (float64), %v (float32); want %v, %v", d, i, got64[i], got32[i], want, p32[i])
			}
		}
	}
	// An empty layout is a file of an empty header.
	if _, err := read(write(t, []float32{}, &Layout{}, F32), []float32{}, &Layout{}); err != nil {
		t.Error(err)
	}
}

// header builds a file from a header written by hand and n bytes of data.
func header(h string, n int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(b, h...), make([]byte, n)...)
}

// TestReadErrors checks that each kind of bad file is refused with a message that says what
// is wrong, and that the parameters are left untouched.
func TestReadErrors(t *testing.T) {
	good := write(t, params64(), &convLayout, F32)
	tensor := func(name, dtype, shape, offsets string) string {
		return `"` + name + `":{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":` + offsets + `}`
	}
	w := tensor("0.weight", "F32", "[2,2,3]", "[0,48]")
	b := tensor("0.bias", "F32", "[2]", "[48,56]")
	k := tensor("log_k", "F32", "[]", "[56,60]")
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated: 0 bytes"},
		{"short length", good[:5], "truncated: 5 bytes"},
		{"truncated header", good[:20], "truncated: the header is"},
		{"huge header", binary.LittleEndian.AppendUint64(nil, 1<<62), "more than the 100000000 allowed"},
		{"truncated data", good[:len(good)-1], "truncated: tensor log_k ends at byte 60 of the data, which has 59"},
		{"not json", header("{not json}", 0), "header: invalid character"},
		{"not an object", header("[1, 2]", 0), `header: does not start with "{"`},
		{"trailing", header("{} x", 0), `header: "x" follows the JSON object`},
		{"twice", header("{"+w+","+w+"}", 48), `header: "0.weight" is given twice`},
		{"no offsets", header(`{"a":{"dtype":"F32","shape":[1]}}`, 4), `tensor "a": expected dtype, shape and data_offsets`},
		{"three offsets", header(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, 4), `data_offsets [0 4 8] are not [begin, end]`},
		{"negative shape", header(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4), "negative dimension"},
		{"overflowing shape", header(`{"a":{"dtype":"F32","shape":[65536,65536,65536],"data_offsets":[0,4]}}`, 4), "too many values"},
		{"huge offset", header(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}`, 4), `tensor "a"`},
		{"reversed offsets", header(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, 4), "data_offsets [4, 0] are not a range"},
		{"offsets lie about the size", header("{"+tensor("0.weight", "F32", "[2,2,3]", "[0,40]")+","+b+","+k+"}", 60), "tensor 0.weight: F32 of shape [2 2 3] is 48 bytes, but its data_offsets [0, 40] hold 40"},
		{"overlap", header("{"+w+","+tensor("0.bias", "F32", "[2]", "[44,52]")+"}", 60), "tensors 0.weight and 0.bias overlap"},
		{"hole", header("{"+w+","+tensor("0.bias", "F32", "[2]", "[52,60]")+"}", 60), "bytes 48 to 52 of the data belong to no tensor"},
		{"bytes after", header("{"+w+","+b+"}", 60), "4 bytes follow the last tensor's data"},
		{"metadata not strings", header(`{"__metadata__":{"a":1}}`, 0), "__metadata__ must map names to strings"},
		{"missing", header("{"+w+","+b+"}", 56), "no tensor log_k (log_k) in the file"},
		{"unexpected", header("{"+w+","+b+","+k+","+tensor("1.weight", "F32", "[1]", "[60,64]")+"}", 64), "unexpected tensor 1.weight: the model has no such parameter"},
		{"renamed", header("{"+w+","+b+","+tensor("k", "F32", "[]", "[56,60]")+"}", 60), "no tensor log_k (log_k); the file has tensor k instead"},
		{"wrong shape", header("{"+tensor("0.weight", "F32", "[2,3,2]", "[0,48]")+","+b+","+k+"}", 60), "tensor 0.weight (conv1d1_W) has shape [2, 3, 2] in the file; the model's is [2, 2, 3]"},
		{"wrong dtype", header("{"+tensor("0.weight", "F16", "[2,2,3]", "[0,48]")+","+b+","+k+"}", 60), "tensor 0.weight (conv1d1_W) is F16; mlc reads F32 and F64"},
	}
	for _, c := range cases {
		p := params64()
		_, err := read(c.data, p, &convLayout)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		for i, v := range params64() {
			if p[i] != v {
				t.Errorf("%s: params[%d] changed to %v", c.name, i, p[i])
				break
			}
		}
	}
}

// TestLayoutErrors checks that a layout that does not fit the vector is refused, not
// followed out of bounds.
func TestLayoutErrors(t *testing.T) {
	cases := []struct {
		l    Layout
		n    int
		want string
	}{
		{Layout{Tensors: []Tensor{{Name: "a", Shape: []int{4}}}}, 3, "outside the 3 parameters"},
		{Layout{Tensors: []Tensor{{Name: "a", Shape: []int{2}}, {Name: "a", Offset: 2, Shape: []int{1}}}}, 3, `two tensors are named "a"`},
		{Layout{Tensors: []Tensor{{Name: "a", Shape: []int{2}}, {Name: "b", Offset: 1, Shape: []int{1}}}}, 3, "tensors a and b share parameters"},
		{Layout{Tensors: []Tensor{{Name: "a", Shape: []int{6}, Stored: []int{2, 2}}}}, 6, "stored as [2 2]"},
		{Layout{Tensors: []Tensor{{Name: "a", Shape: []int{2, 3}, Stored: []int{2, 3}, Perm: []int{0, 0}}}}, 6, "not a permutation"},
		{Layout{Tensors: []Tensor{{Name: "a", Offset: -1}}}, 3, "outside"},
		{Layout{Tensors: []Tensor{{Name: "__metadata__"}}}, 3, "has the name"},
	}
	for _, c := range cases {
		err := Write(&bytes.Buffer{}, make([]float32, c.n), &c.l, F32)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.l, err, c.want)
		}
	}
	if err := Write(&bytes.Buffer{}, params64(), &convLayout, "BF16"); err == nil || !strings.Contains(err.Error(), `cannot write dtype "BF16"`) {
		t.Errorf("BF16: %v", err)
	}
}

// FuzzRead feeds Read arbitrary files: it must return an error or the parameters, never
// panic or allocate what a header claims.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	Write(&b, params64(), &convLayout, F32)
	f.Add(b.Bytes())
	b.Reset()
	Write(&b, params64(), &convLayout, F64)
	f.Add(b.Bytes())
	f.Add(header(`{"0.weight":{"dtype":"F32","shape":[2,2,3],"data_offsets":[0,48]}}`, 48))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := make([]float64, 15)
		if _, err := read(data, p, &convLayout); err != nil {
			return
		}
		// What loaded writes back to a file that loads to the same values.
		var out bytes.Buffer
		if err := Write(&out, p, &convLayout, F64); err != nil {
			t.Fatal(err)
		}
		q := make([]float64, 15)
		if _, err := read(out.Bytes(), q, &convLayout); err != nil {
			t.Fatal(err)
		}
		for i := range p {
			if math.Float64bits(p[i]) != math.Float64bits(q[i]) {
				t.Fatalf("[%d]: %v then %v", i, p[i], q[i])
			}
		}
	})
}
