package padconv

//go:generate go run ../../../cmd/mlc build -o . -pkg padconv padconv.ml
