package system

//go:generate go run ../../../cmd/mlc build -o . -pkg system system.ml
