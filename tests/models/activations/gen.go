package activations

//go:generate go run ../../../cmd/mlc build -o . -pkg activations activations.ml
