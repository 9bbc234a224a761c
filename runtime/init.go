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

// RWFScales draws the log-scales s of a factorized kernel W = diag(e^s)·V from N(mean, 0.1²),
// as Wang et al.'s random weight factorization does.
func RWFScales[T Float](s []T, mean float64, rng *RNG) {
	for i := range s {
		s[i] = T(mean + 0.1*rng.Normal())
	}
}

// RWFKernel sets v, a factorized kernel's [len(s)][fanIn] matrix, to a Glorot-uniform W with
// row i divided by e^s[i], so that diag(e^s)·V starts as Keras would start W.
func RWFKernel[T Float](v, s []T, fanIn, fanOut int, rng *RNG) {
	GlorotUniform(v, fanIn, fanOut, rng)
	cols := len(v) / max(len(s), 1)
	for i, si := range s {
		inv := T(math.Exp(-float64(si)))
		for j := range v[i*cols : (i+1)*cols] {
			v[i*cols+j] *= inv
		}
	}
}
