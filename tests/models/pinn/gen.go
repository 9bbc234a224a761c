package pinn

//go:generate go run ../../../cmd/mlc build -o . -pkg pinn pinn.ml
