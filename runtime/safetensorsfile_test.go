package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlc-go/mlc/runtime/safetensors"
)

func TestSafetensorsFile(t *testing.T) {
	dir := t.TempDir()
	l := &safetensors.Layout{
		Tensors:  []safetensors.Tensor{{Name: "0.weight", Param: "dense1_W", Shape: []int{2, 3}}, {Name: "0.bias", Param: "dense1_b", Offset: 6, Shape: []int{2}}},
		Metadata: map[string]string{"mlc.model": "Tiny"},
	}
	p := []float64{1, 2, 3, 4, 5, 6, 0.1, 1e-300}
	path := filepath.Join(dir, "tiny.safetensors")
	if err := SaveSafetensors(path, p, l); err != nil {
		t.Fatal(err)
	}
	got := make([]float64, len(p))
	meta, err := LoadSafetensors(path, got, l)
	if err != nil || meta["mlc.model"] != "Tiny" {
		t.Fatalf("metadata %v, error %v", meta, err)
	}
	for i := range p {
		if got[i] != p[i] {
			t.Errorf("[%d] = %v, want %v", i, got[i], p[i])
		}
	}
	// Rounded to float32 on the way out, read into a float32 model.
	if err := SaveSafetensorsAs(path, p, l, safetensors.F32); err != nil {
		t.Fatal(err)
	}
	got32 := make([]float32, len(p))
	if _, err := LoadSafetensors(path, got32, l); err != nil {
		t.Fatal(err)
	}
	if got32[6] != 0.1 || got32[7] != 0 {
		t.Errorf("float32 bias %v, want [0.1 0]", got32[6:])
	}
	noTemps(t, dir, "tiny.safetensors")
	// A bad file names itself and what is wrong, and leaves the parameters alone.
	os.WriteFile(path, []byte("mlc-weights v1 Tiny float64 8\n"), 0o644)
	if _, err := LoadSafetensors(path, got, l); err == nil || !strings.Contains(err.Error(), "load safetensors "+path+": not a safetensors file") {
		t.Errorf("error %v", err)
	}
	if got[0] != 1 {
		t.Errorf("params changed: %v", got)
	}
	if _, err := LoadSafetensors(filepath.Join(dir, "none"), got, l); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}
