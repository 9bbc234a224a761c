package bcelogits

//go:generate go run ../../../cmd/mlc build -o . -pkg bcelogits bcelogits.ml
