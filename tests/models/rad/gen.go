package rad

//go:generate go run ../../../cmd/mlc build -o . -pkg rad rad.ml
