package runtime

import "math"

// GlorotUniform fills w with Keras' default kernel initialiser: uniform in [−limit, limit]
// with limit = sqrt(6/(fanIn+fanOut)). For a dense layer fanIn and fanOut are its input and
// output widths; for a conv1d layer they are kernel·inChannels and kernel·filters, as Keras
// computes them. Like Keras, the average fan is taken as at least 1, so degenerate fans
// cannot divide by zero.
func GlorotUniform[T Float](w []T, fanIn, fanOut int, rng *RNG) {
	fan := max(1, float64(fanIn+fanOut)/2)
	limit := math.Sqrt(3 / fan)
	for i := range w {
		w[i] = T(-limit + 2*limit*rng.Float64())
	}
}

// Zeros sets b to zero, Keras' default bias initialiser.
func Zeros[T Float](b []T) {
	clear(b)
}
