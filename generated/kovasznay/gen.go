package kovasznay

//go:generate go run ../../cmd/mlc build -o . -pkg kovasznay ../../examples/kovasznay/kovasznay.ml
