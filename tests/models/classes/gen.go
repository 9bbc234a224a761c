package classes

//go:generate go run ../../../cmd/mlc build -o . -pkg classes classes.ml
