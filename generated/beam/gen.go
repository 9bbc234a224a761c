package beam

//go:generate go run ../../cmd/mlc build -o . -pkg beam ../../examples/beam/beam.ml
