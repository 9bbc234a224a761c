package bceclip

//go:generate go run ../../../cmd/mlc build -o . -pkg bceclip bceclip.ml
