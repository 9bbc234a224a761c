package causal

//go:generate go run ../../../cmd/mlc build -o . -pkg causal causal.ml
