// Package torchpools is a model with every pooling window of the PyTorch replica, for the
// round trips of safetensors files (tests/torch_test.go).
package torchpools

//go:generate go run ../../../cmd/mlc build -o . -pkg torchpools torchpools.ml
