package sources

//go:generate go run ../../../cmd/mlc build -o . -pkg sources sources.ml
