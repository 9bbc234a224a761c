// Package iris64 is the iris classifier of examples/iris in float64, for the PyTorch round
// trips of its safetensors files (tests/torch_test.go).
package iris64

//go:generate go run ../../../cmd/mlc build -o . -pkg iris64 -dtype float64 ../../../examples/iris/iris.ml
