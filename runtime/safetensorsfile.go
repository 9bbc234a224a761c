package runtime

import (
	"fmt"
	"io"
	"os"

	"github.com/mlc-go/mlc/runtime/safetensors"
)

// SaveSafetensors writes params to path as a safetensors file laid out as l (a generated
// package's Safetensors: PyTorch's names and shapes), in T's dtype; the file is replaced
// whole, as SaveWeights does.
func SaveSafetensors[T Float](path string, params []T, l *safetensors.Layout) error {
	return SaveSafetensorsAs(path, params, l, safetensors.DTypeOf[T]())
}

// SaveSafetensorsAs is SaveSafetensors with the file's dtype given: F32 writes a float64
// model's parameters rounded to float32, as PyTorch models usually are.
func SaveSafetensorsAs[T Float](path string, params []T, l *safetensors.Layout, dtype safetensors.DType) error {
	err := writeAtomic(path, func(w io.Writer) error { return safetensors.Write(w, params, l, dtype) })
	if err != nil {
		return fmt.Errorf("save safetensors %s: %w", path, err)
	}
	return nil
}

// LoadSafetensors reads the safetensors file at path into params, laid out as l, and
// returns the file's metadata. Every tensor of l must be in the file with its shape, as F32
// or F64 (converted to T), and the file may hold no other; params is left untouched on any
// error, which names the tensor.
func LoadSafetensors[T Float](path string, params []T, l *safetensors.Layout) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	meta, err := safetensors.Read(f, st.Size(), params, l)
	if err != nil {
		return nil, fmt.Errorf("load safetensors %s: %w", path, err)
	}
	return meta, nil
}
