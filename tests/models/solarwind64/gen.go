// Package solarwind64 is the Conv1D autoencoder of examples/solarwind in float64, for the
// PyTorch round trips of its safetensors files (tests/torch_test.go).
package solarwind64

//go:generate go run ../../../cmd/mlc build -o . -pkg solarwind64 -dtype float64 ../../../examples/solarwind/solarwind.ml
