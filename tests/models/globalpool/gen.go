package globalpool

//go:generate go run ../../../cmd/mlc build -o . -pkg globalpool globalpool.ml
