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
	n := len(dst)
	checkLen("BiasTanh32", "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		biasTanh32Asm(dst, src[:n], bias)
		return
	}
	biasTanh32Go(dst, src[:n], bias)
}

// BiasTanh64 sets dst[i] = tanh(src[i] + bias) for i < len(dst), like
// BiasTanh32 in float64. The portable path is math.Tanh; the assembly path
// is within 1e-15 relative (a few ulp) of it. NaN gives NaN, ±Inf gives ±1,
// ±0 gives ±0.
func BiasTanh64(dst, src []float64, bias float64) {
	n := len(dst)
	checkLen("BiasTanh64", "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		biasTanh64Asm(dst, src[:n], bias)
		return
	}
	biasTanh64Go(dst, src[:n], bias)
}

// BiasSigmoid32 sets dst[i] = 1/(1 + e^−(src[i]+bias)) for i < len(dst), with the
// length and aliasing rules of BiasTanh32. The portable path computes in float64
// (as runtime.Sigmoid32); the assembly path evaluates e^y in float32 (a degree-7
// polynomial after range reduction) and is within 4 ulp of it, small outputs
// included: the result keeps the relative accuracy of e^y. NaN gives NaN, −Inf 0,
// +Inf 1.
func BiasSigmoid32(dst, src []float32, bias float32) {
	n := len(dst)
	checkLen("BiasSigmoid32", "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		sigmoid32Asm(dst, src[:n], bias)
		return
	}
	biasSigmoid32Go(dst, src[:n], bias)
}

// BiasSigmoid64 is BiasSigmoid32 in float64; the assembly path is within 4 ulp of
// 1/(1 + math.Exp(−x)).
func BiasSigmoid64(dst, src []float64, bias float64) {
	n := len(dst)
	checkLen("BiasSigmoid64", "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		sigmoid64Asm(dst, src[:n], bias)
		return
	}
	biasSigmoid64Go(dst, src[:n], bias)
}

// BiasSoftplus32 sets dst[i] = log(1 + e^(src[i]+bias)) for i < len(dst), with the length
// and aliasing rules of BiasTanh32. The portable path computes in float64 (Softplus32); the
// assembly path evaluates e^−|x| and log1p in float32 and is within 6 ulp of it, small
// outputs included (they keep the relative accuracy of e^x). NaN gives NaN, −Inf 0, +Inf
// +Inf.
func BiasSoftplus32(dst, src []float32, bias float32) {
	n := len(dst)
	checkLen("BiasSoftplus32", "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		softplus32Asm(dst, src[:n], bias)
		return
	}
	biasSoftplus32Go(dst, src[:n], bias)
}

// BiasSoftplus64 is BiasSoftplus32 in float64; the assembly path is within 6 ulp of
// Softplus64.
func BiasSoftplus64(dst, src []float64, bias float64) {
	n := len(dst)
	checkLen("BiasSoftplus64", "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		softplus64Asm(dst, src[:n], bias)
		return
	}
	biasSoftplus64Go(dst, src[:n], bias)
}

// BiasSin32 sets dst[i] = sin(src[i] + bias) for i < len(dst), with the length and
// aliasing rules of BiasTanh32: src[i]+bias rounded to float32, then math.Sin in float64
// rounded once (the portable path); the assembly path computes math.Sin's algorithm in
// float64 by FMA and agrees with it to 1e-15 relative (or 1e-16 absolute near the zeros),
// hence to the float32 rounding. Arguments of 2²⁹ or more in magnitude, where math.Sin
// changes its reduction, go to math.Sin itself. NaN and ±Inf give NaN.
func BiasSin32(dst, src []float32, bias float32) {
	n := len(dst)
	checkLen("BiasSin32", "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		sin32Asm(dst, src[:n], bias)
		return
	}
	biasSin32Go(dst, src[:n], bias)
}

// BiasSin64 is BiasSin32 in float64: the portable path is math.Sin, the assembly path within
// 1e-15 relative or 1e-16 absolute of it.
func BiasSin64(dst, src []float64, bias float64) {
	n := len(dst)
	checkLen("BiasSin64", "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		sin64Asm(dst, src[:n], bias)
		return
	}
	biasSin64Go(dst, src[:n], bias)
}

// BiasRelu32 sets dst[i] = max(src[i] + bias, 0) for i < len(dst), with the length
// and aliasing rules of BiasTanh32. Both paths give the same values (NaN stays NaN;
// the assembly path may give −0 where the Go path gives +0).
func BiasRelu32(dst, src []float32, bias float32) {
	n := len(dst)
	checkLen("BiasRelu32", "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		relu32Asm(dst, src[:n], bias)
		return
	}
	biasReluGo(dst, src[:n], bias)
}

// BiasRelu64 is BiasRelu32 in float64.
func BiasRelu64(dst, src []float64, bias float64) {
	n := len(dst)
	checkLen("BiasRelu64", "src", len(src), n)
	if n == 0 {
		return
	}
	if UsingAsm() {
		relu64Asm(dst, src[:n], bias)
		return
	}
	biasReluGo(dst, src[:n], bias)
}
