// Package digits64 is the dense digits classifier of examples/digits in float64, for the
// PyTorch round trips of its safetensors files (tests/torch_test.go).
package digits64

//go:generate go run ../../../cmd/mlc build -o . -pkg digits64 -dtype float64 ../../../examples/digits/digits.ml
