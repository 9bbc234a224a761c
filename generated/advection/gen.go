package advection

//go:generate go run ../../cmd/mlc build -o . -pkg advection ../../examples/advection/advection.ml
