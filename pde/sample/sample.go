// Package sample builds the point sets a PDE workload trains and evaluates on: evenly
// spaced grids (Linspace, bit-for-bit numpy.linspace) and Latin-hypercube samples
// (LatinHypercube, as scipy.stats.qmc.LatinHypercube and pyDOE's lhs without a criterion).
//
// Everything here is deterministic: Linspace is pure arithmetic, and LatinHypercube draws
// only from the *rand.Rand it is given, so a seeded generator gives the same points on every
// run of the same build.
package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Linspace returns n evenly spaced values from lo to hi inclusive, bit-for-bit equal to
// numpy.linspace(lo, hi, n): element i is lo + i·step with step = (hi−lo)/(n−1), and the last
// element is exactly hi. n = 1 gives [lo]; n ≤ 0 gives an empty (non-nil) slice.
func Linspace(lo, hi float64, n int) []float64 {
	if n <= 0 {
		return []float64{}
	}
	out := make([]float64, n)
	out[0] = lo
	if n == 1 {
		return out
	}
	step := (hi - lo) / float64(n-1)
	for i := 1; i < n; i++ {
		// The explicit conversion forbids fusing the multiply-add into an FMA, which
		// would round differently from numpy on FMA-capable targets.
		out[i] = float64(float64(i)*step) + lo
	}
	out[n-1] = hi
	return out
}

// LatinHypercube returns n points in the box [lo[d], hi[d]) of dimension len(lo): for every
// dimension the range is cut into n equal strata and each stratum holds exactly one point.
// Stratum k of dimension d is [Edge(lo[d], hi[d], k, n), Edge(lo[d], hi[d], k+1, n)).
// Per dimension it draws a uniformly random permutation (rng.Shuffle) telling which stratum
// each point falls in, then n uniform jitters (rng.Float64) placing the point inside it — the
// scipy / pyDOE construction. Dimensions are drawn in order 0, 1, …, so the result is a
// deterministic function of the generator's state.
//
// The result is n rows of len(lo) values that share one backing array (two allocations
// plus the permutation buffer). It panics if len(lo) != len(hi), n < 0, or some hi[d] < lo[d].
func LatinHypercube(rng *rand.Rand, n int, lo, hi []float64) [][]float64 {
	if len(lo) != len(hi) {
		panic(fmt.Sprintf("sample: LatinHypercube: len(lo) = %d != len(hi) = %d", len(lo), len(hi)))
	}
	if n < 0 {
		panic(fmt.Sprintf("sample: LatinHypercube: n = %d < 0", n))
	}
	for d := range lo {
		if !(hi[d] >= lo[d]) {
			panic(fmt.Sprintf("sample: LatinHypercube: dimension %d: hi %g < lo %g", d, hi[d], lo[d]))
		}
	}
	dim := len(lo)
	flat := make([]float64, n*dim)
	pts := make([][]float64, n)
	for i := range pts {
		pts[i] = flat[i*dim : (i+1)*dim : (i+1)*dim]
	}
	if n == 0 {
		return pts
	}
	perm := make([]int, n)
	for d := 0; d < dim; d++ {
		for i := range perm {
			perm[i] = i
		}
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		a, b := lo[d], hi[d]
		w := b - a
		for i, k := range perm {
			v := a + w*((float64(k)+rng.Float64())/float64(n))
			// Rounding can carry a jitter just below 1 onto the next stratum's edge (or
			// past hi); pull such a point back inside its own stratum.
			if top := Edge(a, b, k+1, n); v >= top && top > a {
				v = math.Nextafter(top, math.Inf(-1))
			}
			if lowEdge := Edge(a, b, k, n); v < lowEdge {
				v = lowEdge
			}
			pts[i][d] = v
		}
	}
	return pts
}

// Edge is the lower boundary of stratum k of n on [lo, hi): lo + (hi−lo)·k/n, with Edge(lo,
// hi, n, n) = hi exactly. LatinHypercube puts the point of stratum k in [Edge(k), Edge(k+1)).
func Edge(lo, hi float64, k, n int) float64 {
	if k >= n {
		return hi
	}
	return lo + (hi-lo)*(float64(k)/float64(n))
}
