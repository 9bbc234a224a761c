package multi

//go:generate go run ../../../cmd/mlc build -o . -pkg multi multi.ml
