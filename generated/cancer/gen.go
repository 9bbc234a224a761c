package cancer

//go:generate go run ../../cmd/mlc build -o . -pkg cancer ../../examples/cancer/cancer.ml
