package names

//go:generate go run ../../../cmd/mlc build -o . -pkg names names.ml
