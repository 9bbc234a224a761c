// Package digits is the dense digits classifier of examples/digits (float32, as the file
// says), for the PyTorch round trips of its safetensors files (tests/torch_test.go).
package digits

//go:generate go run ../../../cmd/mlc build -o . -pkg digits ../../../examples/digits/digits.ml
