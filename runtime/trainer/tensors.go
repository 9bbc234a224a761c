package trainer

import (
	"fmt"
	"io"
	"maps"
	"os"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/safetensors"
)

// saveTensors writes params to path as a safetensors file laid out as l (PyTorch's names),
// with the layout's metadata and the name the weights are saved under (mlc.weights), so that
// loading it refuses another network, as LoadWeights does.
func saveTensors[T mlrt.Float](path string, params []T, l *safetensors.Layout, saveAs string) error {
	named := *l
	named.Metadata = maps.Clone(l.Metadata)
	if named.Metadata == nil {
		named.Metadata = map[string]string{}
	}
	named.Metadata["mlc.weights"] = saveAs
	return mlrt.SaveSafetensors(path, params, &named)
}

// loadWeights reads the weights at path into params: an mlc weight file (NAME.weights) or a
// safetensors file, from mlc train or from PyTorch. A safetensors file that says which network
// it is for (mlc.weights) must be for this one, saved as saveAs. params is left untouched on
// any error.
func loadWeights[T mlrt.Float](path, saveAs string, params []T, l *safetensors.Layout) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	head := make([]byte, len("mlc-weights"))
	n, _ := io.ReadFull(f, head)
	f.Close()
	if string(head[:n]) == "mlc-weights" {
		return mlrt.LoadWeights(path, saveAs, params)
	}
	if l == nil {
		return fmt.Errorf("load weights %s: not an mlc weight file, and this model has no safetensors layout", path)
	}
	tmp := make([]T, len(params))
	meta, err := mlrt.LoadSafetensors(path, tmp, l)
	if err != nil {
		return err
	}
	if w, ok := meta["mlc.weights"]; ok && w != saveAs {
		return fmt.Errorf("load safetensors %s: weights are for %s, not %s", path, w, saveAs)
	}
	copy(params, tmp)
	return nil
}
