// Package mlc holds the source of the packages a compiled model links (runtime, kernels,
// pde, plots) and the module files, so that `mlc train` can build a model's driver from
// the mlc it is, wherever it was installed from.
package mlc

import "embed"

// Source is the module's go.mod and go.sum and the packages generated code and the
// training driver import.
//
//go:embed go.mod go.sum runtime kernels pde plots
var Source embed.FS
