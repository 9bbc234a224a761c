package burgers32

//go:generate go run ../../cmd/mlc build -o . -pkg burgers32 -dtype float32 ../../examples/burgers/burgers.ml
