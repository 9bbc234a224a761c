// Package iris is the iris classifier of examples/iris (float32), for the PyTorch round
// trips of its safetensors files (tests/torch_test.go).
package iris

//go:generate go run ../../../cmd/mlc build -o . -pkg iris ../../../examples/iris/iris.ml
