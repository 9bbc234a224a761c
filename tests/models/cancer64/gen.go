// Package cancer64 is the breast-cancer classifier of examples/cancer in float64, for the
// PyTorch round trips of its safetensors files (tests/torch_test.go).
package cancer64

//go:generate go run ../../../cmd/mlc build -o . -pkg cancer64 -dtype float64 ../../../examples/cancer/cancer.ml
