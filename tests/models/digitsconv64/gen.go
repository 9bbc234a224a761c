// Package digitsconv64 is the convolutional digits classifier of examples/digits in
// float64, for the PyTorch round trips of its safetensors files (tests/torch_test.go).
package digitsconv64

//go:generate go run ../../../cmd/mlc build -o . -pkg digitsconv64 -dtype float64 ../../../examples/digits/digits_conv.ml
