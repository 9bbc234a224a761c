package kernels

import "time"

// PeakGFLOPs measures the FMA peak of the core it runs on, in GFLOP/s of bits-bit floats
// (32 or 64): the best of five timed runs of a loop of 12 independent chains of fused
// multiply-adds on whole AVX-512 registers (PERF-NOTES' method). It is the figure "% of
// peak" divides by, measured on the machine that ran, per core used. Without the assembly
// kernels it returns 0.
func PeakGFLOPs(bits int) float64 {
	if !hasAsm {
		return 0
	}
	lanes := 16
	if bits == 64 {
		lanes = 8
	}
	const rounds = 1 << 22 // about 25 ms a run at 100 GFLOP/s
	best := 0.0
	for range 5 {
		start := time.Now()
		fmaRounds(bits, rounds)
		if s := time.Since(start).Seconds(); s > 0 {
			best = max(best, float64(rounds*12*2*lanes)/s/1e9)
		}
	}
	return best
}
