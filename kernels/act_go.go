package kernels

import "math"

// Portable activation kernels (the fallback of the Bias* activations), and the scalar
// Tanh32, Sigmoid64/32 and Softplus64/32 that the runtime shares.

func biasTanh32Go(dst, src []float32, bias float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Tanh32(v + bias)
	}
}

func biasTanh64Go(dst, src []float64, bias float64) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = math.Tanh(v + bias)
	}
}

// Tanh32 is tanh of one float32 by Eigen's ptanh_float rational approximation:
// x·P(x²)/Q(x²) on |x| ≤ 7.905, ±1 beyond, x itself below 4e-4; within 5e-7 absolute
// and 1e-6 relative of math.Tanh. The assembly kernel evaluates the same rational with
// FMA (clamped at ±10 and capped at ±1 instead; see BiasTanh32); runtime.Tanh32 is this
// function.
func Tanh32(x float32) float32 {
	const clamp = 7.90531110763549805
	if x > clamp {
		x = clamp
	} else if x < -clamp {
		x = -clamp
	}
	// One comparison on |x| (not x < 4e-4 && x > -4e-4): on mixed-sign
	// data the second branch of the pair is unpredictable (2.5× slower).
	if math.Float32frombits(math.Float32bits(x)&0x7fffffff) < 0.0004 {
		return x
	}
	x2 := x * x
	p := x2*-2.76076847742355e-16 + 2.00018790482477e-13
	p = x2*p + -8.60467152213735e-11
	p = x2*p + 5.12229709037114e-08
	p = x2*p + 1.48572235717979e-05
	p = x2*p + 6.37261928875436e-04
	p = x2*p + 4.89352455891786e-03
	q := x2*1.19825839466702e-06 + 1.18534705686654e-04
	q = x2*q + 2.26843463243900e-03
	q = x2*q + 4.89352518554385e-03
	return x * p / q
}

func biasSigmoid32Go(dst, src []float32, bias float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Sigmoid32(v + bias)
	}
}

func biasSigmoid64Go(dst, src []float64, bias float64) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Sigmoid64(v + bias)
	}
}

// Sigmoid64 is 1/(1 + e^−x), as e^x/(1 + e^x) for x < 0 so that e^−x cannot
// overflow: tiny outputs (down to the subnormals) keep their relative accuracy.
// The assembly kernel is within 2 ulp of it.
func Sigmoid64(x float64) float64 {
	if x < 0 {
		e := math.Exp(x)
		return e / (1 + e)
	}
	return 1 / (1 + math.Exp(-x))
}

// Sigmoid32 is Sigmoid64 computed in float64 and rounded once.
func Sigmoid32(x float32) float32 { return float32(Sigmoid64(float64(x))) }

func biasSoftplus32Go(dst, src []float32, bias float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Softplus32(v + bias)
	}
}

func biasSoftplus64Go(dst, src []float64, bias float64) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Softplus64(v + bias)
	}
}

// Softplus64 is log(1 + eˣ) written so that it neither overflows for large x nor loses the
// relative accuracy of small outputs: max(x, 0) + log1p(e^−|x|).
func Softplus64(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// Softplus32 is Softplus64 computed in float64 and rounded once.
func Softplus32(x float32) float32 { return float32(Softplus64(float64(x))) }

func biasSin32Go(dst, src []float32, bias float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(math.Sin(float64(v + bias)))
	}
}

func biasSin64Go(dst, src []float64, bias float64) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = math.Sin(v + bias)
	}
}

func biasReluGo[T float](dst, src []T, bias T) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = max(v+bias, 0)
	}
}
