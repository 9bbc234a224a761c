package burgers

//go:generate go run ../../cmd/mlc build -o . -pkg burgers ../../examples/burgers/burgers.ml
