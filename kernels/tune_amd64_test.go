//go:build !purego

package kernels

import (
	"os"
	"strconv"
)

func init() {
	if v, err := strconv.Atoi(os.Getenv("PCHUNK")); err == nil {
		panelChunkBytes = v
	}
	if v, err := strconv.Atoi(os.Getenv("NCHUNK")); err == nil {
		ntChunkBytes = v
	}
}
