package regress

//go:generate go run ../../../cmd/mlc build -o . -pkg regress regress.ml
