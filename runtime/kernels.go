package runtime

// Kernels: the few inner loops generated code calls instead of writing them out, because
// written well they need several independent accumulators and unrolling that would bury
// the model's structure. Each is allocation-free and bounds-check-free in its loop.

// Dot returns Σ a[i]·b[i] over len(a) elements; b must be at least as long. Four
// accumulators break the chain of dependent additions, so the loop runs at the speed of
// the loads instead of the latency of one add.
func Dot[T Float](a, b []T) T {
	b = b[:len(a)]
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
