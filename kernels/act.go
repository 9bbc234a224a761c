package kernels

// BiasTanh32 sets dst[i] = tanh(src[i] + bias) for i < len(dst); src must be
// at least as long as dst, and dst may be src (the same slice) but must not
// otherwise overlap it. The sum src[i]+bias is rounded to float32 first;
// tanh is the rational approximation of runtime.Tanh32 (Eigen's ptanh_float,
// x·P(x²)/Q(x²)): the portable path is Tanh32 itself (clamp to ±7.905, x for
// |x| < 4e-4), the assembly clamps to ±10 and caps the result at ±1 instead,
// which saves instructions. Both are within 5e-7 absolute and 1e-6 relative of
// math.Tanh. NaN gives NaN, ±Inf gives ±1. It never allocates.
func BiasTanh32(dst, src []float32, bias float32) {
	biasAct("BiasTanh32", dst, src, bias, biasTanh32Asm, biasTanh32Go)
}

// BiasTanh64 sets dst[i] = tanh(src[i] + bias) for i < len(dst), like
// BiasTanh32 in float64. The portable path is math.Tanh; the assembly path
// is within 1e-15 relative (a few ulp) of it. NaN gives NaN, ±Inf gives ±1,
// ±0 gives ±0.
func BiasTanh64(dst, src []float64, bias float64) {
	biasAct("BiasTanh64", dst, src, bias, biasTanh64Asm, biasTanh64Go)
}

// BiasSigmoid32 sets dst[i] = 1/(1 + e^−(src[i]+bias)) for i < len(dst), with the
// length and aliasing rules of BiasTanh32. The portable path computes in float64
// (as runtime.Sigmoid32); the assembly path evaluates e^y in float32 (a degree-7
// polynomial after range reduction) and is within 4 ulp of it, small outputs
// included: the result keeps the relative accuracy of e^y. NaN gives NaN, −Inf 0,
// +Inf 1.
func BiasSigmoid32(dst, src []float32, bias float32) {
	biasAct("BiasSigmoid32", dst, src, bias, sigmoid32Asm, biasSigmoid32Go)
}

// BiasSigmoid64 is BiasSigmoid32 in float64; the assembly path is within 4 ulp of
// 1/(1 + math.Exp(−x)).
func BiasSigmoid64(dst, src []float64, bias float64) {
	biasAct("BiasSigmoid64", dst, src, bias, sigmoid64Asm, biasSigmoid64Go)
}

// BiasSoftplus32 sets dst[i] = log(1 + e^(src[i]+bias)) for i < len(dst), with the length
// and aliasing rules of BiasTanh32. The portable path computes in float64 (Softplus32); the
// assembly path evaluates e^−|x| and log1p in float32 and is within 6 ulp of it, small
// outputs included (they keep the relative accuracy of e^x). NaN gives NaN, −Inf 0, +Inf
// +Inf.
func BiasSoftplus32(dst, src []float32, bias float32) {
	biasAct("BiasSoftplus32", dst, src, bias, softplus32Asm, biasSoftplus32Go)
}

// BiasSoftplus64 is BiasSoftplus32 in float64; the assembly path is within 6 ulp of
// Softplus64.
func BiasSoftplus64(dst, src []float64, bias float64) {
	biasAct("BiasSoftplus64", dst, src, bias, softplus64Asm, biasSoftplus64Go)
}

// BiasSin32 sets dst[i] = sin(src[i] + bias) for i < len(dst), with the length and
// aliasing rules of BiasTanh32: src[i]+bias rounded to float32, then math.Sin in float64
// rounded once (the portable path); the assembly path computes math.Sin's algorithm in
// float64 by FMA and agrees with it to 1e-15 relative (or 1e-16 absolute near the zeros),
// hence to the float32 rounding. Arguments of 2²⁹ or more in magnitude, where math.Sin
// changes its reduction, go to math.Sin itself. NaN and ±Inf give NaN.
func BiasSin32(dst, src []float32, bias float32) {
	biasAct("BiasSin32", dst, src, bias, sin32Asm, biasSin32Go)
}

// BiasSin64 is BiasSin32 in float64: the portable path is math.Sin, the assembly path within
// 1e-15 relative or 1e-16 absolute of it.
func BiasSin64(dst, src []float64, bias float64) {
	biasAct("BiasSin64", dst, src, bias, sin64Asm, biasSin64Go)
}

// BiasRelu32 sets dst[i] = max(src[i] + bias, 0) for i < len(dst), with the length
// and aliasing rules of BiasTanh32. Both paths give the same values (NaN stays NaN;
// the assembly path may give −0 where the Go path gives +0).
func BiasRelu32(dst, src []float32, bias float32) {
	biasAct("BiasRelu32", dst, src, bias, relu32Asm, biasReluGo)
}

// BiasRelu64 is BiasRelu32 in float64.
func BiasRelu64(dst, src []float64, bias float64) {
	biasAct("BiasRelu64", dst, src, bias, relu64Asm, biasReluGo)
}

// biasAct is the body of every Bias* activation: the length check, then the assembly or
// the portable kernel on the len(dst) ≥ 1 elements.
func biasAct[T float](fn string, dst, src []T, bias T, asm, portable func(dst, src []T, bias T)) {
	n := len(dst)
	checkLen(fn, "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		asm(dst, src[:n], bias)
		return
	}
	portable(dst, src[:n], bias)
}
