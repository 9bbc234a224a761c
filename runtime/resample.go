package runtime

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Resample is the residual-based resampling of a fit (train resample = rad in a .ml file;
// Wu et al. 2023, "A comprehensive study of non-adaptive and residual-based adaptive
// sampling for PINNs"): every Every steps of a first-order stage, and every Every iterations
// of an L-BFGS stage (which then starts afresh), the model draws its sampled point
// sets again, from candidates kept with probability ∝ |r|^K / mean |r|^K + C. The draws come
// from a generator seeded with Seed (mlc train sets the run's seed).
type Resample struct {
	Every int
	K, C  float64
	Seed  uint64
}

// Resampler is a generated point-set model with resample = rad: Resample draws its sampled
// point sets again with the rule's k and c, from rng.
type Resampler interface {
	Resample(rng *rand.Rand, k, c float64) error
}

// RADCandidates is how many candidates Resample draws per point it keeps.
const RADCandidates = 10

// RADSelect picks n of the candidates whose residuals are res (stride values per candidate,
// one per residual statement), without replacement, candidate j with probability
// proportional to p_j = e_j^(k/2) / mean(e^(k/2)) + c, e_j the sum of its squared residuals
// (Efraimidis–Spirakis: the n largest u_j^(1/p_j), u_j uniform). It returns their indices
// in increasing order. A residual that is not finite gives its candidate the weight c.
func RADSelect[T Float](rng *rand.Rand, res []T, stride, n int, k, c float64) []int {
	m := len(res) / stride
	w := make([]float64, m)
	mean := 0.0
	for j := range w {
		e := 0.0
		for _, r := range res[j*stride : (j+1)*stride] {
			e += float64(r) * float64(r)
		}
		if v := math.Pow(e, k/2); isFinite(v) {
			w[j] = v
			mean += v
		}
	}
	mean /= float64(max(m, 1))
	type keyed struct {
		key float64
		j   int
	}
	keys := make([]keyed, m)
	for j := range keys {
		p := c
		if mean > 0 {
			p += w[j] / mean
		}
		u := rng.Float64()
		key := math.Inf(-1)
		if p > 0 {
			key = math.Log(u) / p // log of u^(1/p): the order is the same, without underflow
		}
		keys[j] = keyed{key, j}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		switch {
		case a.key > b.key:
			return -1
		case a.key < b.key:
			return 1
		}
		return a.j - b.j
	})
	idx := make([]int, 0, n)
	for _, kj := range keys[:min(n, m)] {
		idx = append(idx, kj.j)
	}
	slices.Sort(idx)
	return idx
}

// Pick returns the values of src at idx, in that order.
func Pick[T any](src []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = src[j]
	}
	return out
}

// Causal is the causal weighting of a fit (train causal(t, …) in a .ml file; Wang,
// Sankaran & Perdikaris 2022): every Every first-order steps, from the first, the model
// weighs its sampled points by time chunk, a later chunk only once the earlier ones fit.
// An L-BFGS stage, which needs one loss throughout, starts by setting every weight to 1.
type Causal struct {
	Every, Chunks int
	Epsilon       float64
}

// CausalWeighter is a generated point-set model with train causal(…).
type CausalWeighter interface {
	CausalWeights(chunks int, epsilon float64, chunkWeights []float64) error
}

// CausalWeights returns the weight of each point, whose residuals are res (stride a point)
// and time ts: the points cut into chunks of equal length of [lo, hi], L_i the mean of the
// squared residuals (summed over the residuals) on chunk i, a point of chunk i weighs
// exp(−epsilon·Σ_{k<i} L_k). chunkWeights, if not nil, receives the chunks' weights. A chunk
// without points has L = 0.
func CausalWeights[T Float](res []T, stride int, ts []T, lo, hi float64, chunks int, epsilon float64, chunkWeights []float64) []T {
	chunk := func(t T) int {
		c := int((float64(t) - lo) / (hi - lo) * float64(chunks))
		return min(max(c, 0), chunks-1)
	}
	sum, count := make([]float64, chunks), make([]int, chunks)
	for j, t := range ts {
		e := 0.0
		for _, r := range res[j*stride : (j+1)*stride] {
			e += float64(r) * float64(r)
		}
		c := chunk(t)
		sum[c] += e
		count[c]++
	}
	w := make([]float64, chunks)
	acc := 0.0
	for i := range w {
		w[i] = math.Exp(-epsilon * acc)
		if count[i] > 0 {
			acc += sum[i] / float64(count[i])
		}
	}
	copy(chunkWeights, w)
	out := make([]T, len(ts))
	for j, t := range ts {
		out[j] = T(w[chunk(t)])
	}
	return out
}
