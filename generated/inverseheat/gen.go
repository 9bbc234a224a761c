package inverseheat

//go:generate go run ../../cmd/mlc build -o . -pkg inverseheat ../../examples/inverseheat/inverseheat.ml
