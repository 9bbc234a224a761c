package pools

//go:generate go run ../../../cmd/mlc build -o . -pkg pools pools.ml
