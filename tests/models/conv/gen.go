package conv

//go:generate go run ../../../cmd/mlc build -o . -pkg conv conv.ml
