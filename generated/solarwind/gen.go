package solarwind

//go:generate go run ../../cmd/mlc build -o . -pkg solarwind ../../examples/solarwind/solarwind.ml
