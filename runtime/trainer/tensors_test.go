package trainer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/safetensors"
)

// TestLoadWeights: -init and mlc predict read either format, and refuse a safetensors file
// saved for another network, while one without mlc's name (PyTorch's) loads.
func TestLoadWeights(t *testing.T) {
	dir := t.TempDir()
	l := &safetensors.Layout{Tensors: []safetensors.Tensor{{Name: "0.weight", Param: "dense1_W", Shape: []int{2}}}}
	p := []float64{1.5, -2}
	mlcFile, tensors, torchFile := filepath.Join(dir, "a.weights"), filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "torch.safetensors")
	if err := mlrt.SaveWeights(mlcFile, "Tiny@abc", p); err != nil {
		t.Fatal(err)
	}
	if err := saveTensors(tensors, p, l, "Tiny@abc"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := safetensors.Write(&b, p, l, safetensors.F32); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(torchFile, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{mlcFile, tensors, torchFile} {
		got := make([]float64, 2)
		if err := loadWeights(path, "Tiny@abc", got, l); err != nil || got[0] != 1.5 || got[1] != -2 {
			t.Errorf("%s: %v, %v", path, got, err)
		}
	}
	for _, c := range []struct {
		path string
		l    *safetensors.Layout
		want string
	}{
		{tensors, l, "weights are for Tiny@abc, not Tiny@def"},
		{mlcFile, l, "weights are for model Tiny@abc, not Tiny@def"},
		{torchFile, nil, "not an mlc weight file, and this model has no safetensors layout"},
	} {
		got := []float64{7, 7}
		err := loadWeights(c.path, "Tiny@def", got, c.l)
		if err == nil || !strings.Contains(err.Error(), c.want) || got[0] != 7 {
			t.Errorf("%s: %v (params %v); want %q, params untouched", c.path, err, got, c.want)
		}
	}
}
