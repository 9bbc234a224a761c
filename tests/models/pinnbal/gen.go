package pinnbal

//go:generate go run ../../../cmd/mlc build -o . -pkg pinnbal pinnbal.ml
