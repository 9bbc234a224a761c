package runtime

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWeightsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p64 := []float64{1.5, math.Copysign(0, -1), math.Inf(1), math.SmallestNonzeroFloat64, math.Pi}
	path := filepath.Join(dir, "w64.bin")
	if err := SaveWeights(path, "Cancer", p64); err != nil {
		t.Fatal(err)
	}
	got := make([]float64, len(p64))
	if err := LoadWeights(path, "Cancer", got); err != nil {
		t.Fatal(err)
	}
	for i := range p64 {
		if math.Float64bits(got[i]) != math.Float64bits(p64[i]) {
			t.Errorf("float64 [%d] = %v, want %v bit for bit", i, got[i], p64[i])
		}
	}

	p32 := []float32{1.5, -2.25, float32(math.NaN()), math.MaxFloat32}
	path = filepath.Join(dir, "w32.bin")
	if err := SaveWeights(path, "Cancer", p32); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	header := "mlc-weights v1 Cancer float32 4\n"
	if !bytes.HasPrefix(raw, []byte(header)) || len(raw) != len(header)+4*4 {
		t.Errorf("file is %q…, %d bytes; want header %q and 16 bytes", raw[:min(len(raw), 40)], len(raw), header)
	}
	if !bytes.Equal(raw[len(header):len(header)+4], []byte{0, 0, 0xc0, 0x3f}) { // 1.5 little-endian
		t.Errorf("first value bytes % x, want 00 00 c0 3f", raw[len(header):len(header)+4])
	}
	got32 := make([]float32, len(p32))
	if err := LoadWeights(path, "Cancer", got32); err != nil {
		t.Fatal(err)
	}
	for i := range p32 {
		if math.Float32bits(got32[i]) != math.Float32bits(p32[i]) {
			t.Errorf("float32 [%d] = %v, want %v", i, got32[i], p32[i])
		}
	}

	// Saving again replaces the file; an empty parameter vector is valid too.
	if err := SaveWeights(path, "Cancer", []float32{}); err != nil {
		t.Fatal(err)
	}
	if err := LoadWeights(path, "Cancer", []float32{}); err != nil {
		t.Fatal(err)
	}
	noTemps(t, dir, "w32.bin", "w64.bin")
}

// noTemps fails if dir holds anything besides want: a save must leave no temporary file.
func noTemps(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, want) {
		t.Errorf("directory holds %q, want %q", names, want)
	}
}

func TestWeightsMismatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.bin")
	if err := SaveWeights(path, "Cancer", []float32{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		load func() error
		want string
	}{
		{"model", func() error { return LoadWeights(path, "Burgers", make([]float32, 3)) },
			"weights are for model Cancer, not Burgers"},
		{"dtype", func() error { return LoadWeights(path, "Cancer", make([]float64, 3)) },
			"weights are float32, this model is float64"},
		{"count", func() error { return LoadWeights(path, "Cancer", make([]float32, 4)) },
			"file has 3 weights, model Cancer has 4"},
		{"missing", func() error { return LoadWeights(filepath.Join(dir, "none.bin"), "Cancer", make([]float32, 3)) },
			"none.bin"},
		{"not weights", func() error {
			return LoadWeights(write("x.csv", []byte("569,30,malignant,benign\n")), "Cancer", make([]float32, 3))
		},
			"not an mlc weight file"},
		{"no newline", func() error { return LoadWeights(write("empty.bin", nil), "Cancer", make([]float32, 3)) },
			"not an mlc weight file"},
		{"version", func() error {
			return LoadWeights(write("v2.bin", bytes.Replace(good, []byte(" v1 "), []byte(" v2 "), 1)), "Cancer", make([]float32, 3))
		}, "format version v2, this program reads v1"},
		{"truncated", func() error { return LoadWeights(write("short.bin", good[:len(good)-1]), "Cancer", make([]float32, 3)) },
			"truncated: expected 12 bytes of weights, found 11"},
		{"trailing", func() error {
			return LoadWeights(write("long.bin", append(slices.Clone(good), 0)), "Cancer", make([]float32, 3))
		},
			"unexpected data after the 3 weights"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.load()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}

	// A failed load leaves the caller's parameters alone.
	params := []float32{7, 7, 7, 7}
	_ = LoadWeights(write("short2.bin", good[:len(good)-1]), "Cancer", params[:3])
	if params[0] != 7 {
		t.Error("truncated load overwrote params")
	}
}

func TestSaveWeightsErrors(t *testing.T) {
	dir := t.TempDir()
	if err := SaveWeights(filepath.Join(dir, "w.bin"), "my model", []float64{1}); err == nil || !strings.Contains(err.Error(), "without spaces") {
		t.Errorf("model name with a space: error %v", err)
	}
	if err := SaveWeights(filepath.Join(dir, "w.bin"), "", []float64{1}); err == nil {
		t.Error("empty model name accepted")
	}
	missing := filepath.Join(dir, "no", "such", "dir", "w.bin")
	if err := SaveWeights(missing, "M", []float64{1}); err == nil {
		t.Error("save into a missing directory succeeded")
	}
	// The target is a directory: writing succeeds, the rename fails, the temp file must go.
	target := filepath.Join(dir, "isdir")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := SaveWeights(target, "M", []float64{1}); err == nil || !strings.Contains(err.Error(), target) {
		t.Errorf("save over a directory: error %v", err)
	}
	noTemps(t, dir, "isdir")
}
