package probs

//go:generate go run ../../../cmd/mlc build -o . -pkg probs probs.ml
