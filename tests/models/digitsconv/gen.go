// Package digitsconv is the convolutional digits classifier of examples/digits (float32),
// for the PyTorch round trips of its safetensors files (tests/torch_test.go).
package digitsconv

//go:generate go run ../../../cmd/mlc build -o . -pkg digitsconv ../../../examples/digits/digits_conv.ml
