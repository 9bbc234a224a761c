// Package runtime is the thin library that mlc's generated code links: the drivers that run
// a model's passes on its workers (Batches, Tiles), seeded randomness, initialisers,
// optimizers, tables of data, the training loops (Train, Fit), metrics and checkpoints.
// What serves one workload lives beside it (runtime/timeseries).
//
// The math of a model lives in the generated package; this package only moves numbers
// around it. Generated code imports it as mlrt, since runtime is also a standard-library name.
package runtime

import "fmt"

// Float is the element type of a generated model: float32 (the tutorial's) or float64.
type Float interface{ ~float32 | ~float64 }

// Model is what a generated package's model type offers the training loop.
//
// Rows are passed row-major: x holds n rows of NumInputs values, y n rows of NumOutputs
// values. The generated code transposes them into its batch-major buffers.
type Model[T Float] interface {
	// Params is the flat parameter vector; the generated package has named views into it.
	Params() []T
	// Grads has the same layout as Params; LossGrad overwrites it.
	Grads() []T
	NumInputs() int
	NumOutputs() int
	// MaxBatch is the largest n that LossGrad and Loss accept.
	MaxBatch() int
	// Init sets the parameters as Keras does: Glorot-uniform weights, zero biases.
	Init(rng *RNG)
	// LossGrad runs the training forward pass (dropout on, masks drawn from rng) on n ≤
	// MaxBatch rows, writes ∂loss/∂params into Grads and returns the mean loss. If pred is
	// not nil it receives the n×NumOutputs outputs of that forward pass.
	LossGrad(x, y []T, n int, rng *RNG, pred []T) float64
	// Loss is the inference-mode (no dropout) mean loss over n ≤ MaxBatch rows; pred as above.
	Loss(x, y []T, n int, pred []T) float64
	// Predict writes the n×NumOutputs inference outputs for any n.
	Predict(dst, x []T, n int)
}

// checkRows panics, in the caller's goroutine, when the slice arg of model's method holds
// fewer than n rows of width values: a short slice would otherwise fail deep inside a
// worker goroutine, with a message pointing into generated code. The message is only
// made when it is needed, so the check allocates nothing.
func checkRows(model, method, arg string, length, n, width int) {
	if n < 0 {
		panic(fmt.Sprintf("%s.%s: n is %d rows; want 0 or more", model, method, n))
	}
	if length < n*width {
		panic(fmt.Sprintf("%s.%s: %s has %d values; %d rows of %d need %d", model, method, arg, length, n, width, n*width))
	}
}
