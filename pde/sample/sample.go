// Package sample builds the point sets a PDE workload trains and evaluates on: evenly
// spaced grids (Linspace, bit-for-bit numpy.linspace), Latin-hypercube samples
// (LatinHypercube, as scipy.stats.qmc.LatinHypercube and pyDOE's lhs without a criterion),
// and Latin-hypercube samples that are also stratified in the plane (MultiJittered).
//
// Everything here is deterministic: Linspace is pure arithmetic, and the samplers draw
// only from the *rand.Rand they are given, so a seeded generator gives the same points on every
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
	checkBox("LatinHypercube", n, lo, hi)
	pts := newPoints(n, len(lo))
	if n == 0 {
		return pts
	}
	perm := make([]int, n)
	for d := range lo {
		for i, k := range shuffled(rng, perm) {
			pts[i][d] = place(rng, lo[d], hi[d], k, n)
		}
	}
	return pts
}

// checkBox panics, naming the sampler, if n < 0 or some hi[d] < lo[d].
func checkBox(sampler string, n int, lo, hi []float64) {
	if n < 0 {
		panic(fmt.Sprintf("sample: %s: n = %d < 0", sampler, n))
	}
	for d := range lo {
		if !(hi[d] >= lo[d]) {
			panic(fmt.Sprintf("sample: %s: dimension %d: hi %g < lo %g", sampler, d, hi[d], lo[d]))
		}
	}
}

// newPoints returns n rows of dim values sharing one backing array.
func newPoints(n, dim int) [][]float64 {
	flat := make([]float64, n*dim)
	pts := make([][]float64, n)
	for i := range pts {
		pts[i] = flat[i*dim : (i+1)*dim : (i+1)*dim]
	}
	return pts
}

// shuffled fills perm with 0 … len(perm)−1 in an order drawn by rng.Shuffle.
func shuffled(rng *rand.Rand, perm []int) []int {
	for i := range perm {
		perm[i] = i
	}
	rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	return perm
}

// place draws one uniform jitter and returns the point it gives in stratum k of n on [a, b).
func place(rng *rand.Rand, a, b float64, k, n int) float64 {
	v := a + (b-a)*((float64(k)+rng.Float64())/float64(n))
	// Rounding can carry a jitter just below 1 onto the next stratum's edge (or past b);
	// pull such a point back inside its own stratum.
	if top := Edge(a, b, k+1, n); v >= top && top > a {
		v = math.Nextafter(top, math.Inf(-1))
	}
	return max(v, Edge(a, b, k, n))
}

// Edge is the lower boundary of stratum k of n on [lo, hi): lo + (hi−lo)·k/n, with Edge(lo,
// hi, n, n) = hi exactly. LatinHypercube puts the point of stratum k in [Edge(k), Edge(k+1)).
func Edge(lo, hi float64, k, n int) float64 {
	if k >= n {
		return hi
	}
	return lo + (hi-lo)*(float64(k)/float64(n))
}

// MultiJittered returns n points in the rectangle [lo[0], hi[0]) × [lo[1], hi[1]) that are a
// Latin-hypercube sample — each of the n strata of each axis holds exactly one point — and are
// also stratified in two dimensions: the rectangle is cut into an m × k grid of cells (m·k = n)
// and each cell holds exactly one point. This is multi-jittered sampling (Chiu, Shirley and
// Wang, "Multi-jittered sampling", Graphics Gems IV, 1994). A plain Latin hypercube leaves
// holes and clumps in the plane (only its projections are even); for collocation points of a
// PDE a hole where the solution is steep costs accuracy, and this sample has none larger than
// a cell.
//
// m and k are the factor pair of n whose cells are closest to square in the units of lo and hi
// (for [−1, 1] × [0, 1] and n = 5000: 100 columns by 50 rows, cells 0.02 on a side). A prime n
// has only 1 × n, which is a plain Latin hypercube.
//
// Construction: cell (i, j) — column i along axis 0, row j along axis 1 — takes axis-0 stratum
// i·k + p_i(j) and axis-1 stratum j·m + q_j(i), where p_i is a random permutation of k per
// column and q_j one of m per row; a uniform jitter places the point inside its strata. The
// result depends only on the generator's state; the layout of the result is LatinHypercube's.
func MultiJittered(rng *rand.Rand, n int, lo, hi [2]float64) [][]float64 {
	checkBox("MultiJittered", n, lo[:], hi[:])
	pts := newPoints(n, 2)
	if n == 0 {
		return pts
	}
	m, k := gridShape(n, hi[0]-lo[0], hi[1]-lo[1])
	// cols[c] and rows[c] are the axis-0 and axis-1 strata of cell c = j·m + i.
	cols := make([]int, n)
	rows := make([]int, n)
	perm := make([]int, max(m, k))
	for i := 0; i < m; i++ {
		for j, s := range shuffled(rng, perm[:k]) {
			cols[j*m+i] = i*k + s
		}
	}
	for j := 0; j < k; j++ {
		for i, s := range shuffled(rng, perm[:m]) {
			rows[j*m+i] = j*m + s
		}
	}
	for c := range pts {
		pts[c][0] = place(rng, lo[0], hi[0], cols[c], n)
		pts[c][1] = place(rng, lo[1], hi[1], rows[c], n)
	}
	return pts
}

// gridShape is the factor pair m·k = n with m columns over width w and k rows over height h
// whose cells w/m × h/k are closest to square (ties: fewer columns).
func gridShape(n int, w, h float64) (m, k int) {
	m, k = n, 1
	best := math.Inf(1)
	for c := 1; c <= n; c++ {
		if n%c != 0 {
			continue
		}
		r := n / c
		// |log(cell aspect)|; a degenerate box (w or h zero) makes every shape equal.
		a := math.Abs(math.Log((w / float64(c)) / (h / float64(r))))
		if math.IsNaN(a) {
			a = 0
		}
		if a < best {
			m, k, best = c, r, a
		}
	}
	return m, k
}
