package burgers

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/lapack/gonum"
)

// gaussHermite returns the n-point Gauss–Hermite rule for ∫ g(z) e^{−z²} dz: the nodes in
// ascending order and the natural logarithms of the weights. Log weights are returned
// because the outer weights underflow float64 long before they stop mattering here (for
// n = 400 the smallest weight is about e^{−790}).
//
// The method is Golub–Welsch for the nodes — the eigenvalues of the symmetric tridiagonal
// Jacobi matrix with zero diagonal and off-diagonal √(k/2), computed by LAPACK's dsterf
// (gonum's pure-Go implementation) — followed by Newton polishing on the orthonormal
// Hermite polynomial p_n. The weights are not taken from the eigenvectors (which only
// resolve weights down to ~1e−16 of the largest) but from the Christoffel formula
// w = 1/(n·p_{n−1}(z)²), evaluated in log space with a rescaled three-term recurrence.
func gaussHermite(n int) (z, logw []float64) {
	if n < 1 {
		panic(fmt.Sprintf("burgers: gaussHermite: n = %d < 1", n))
	}
	d := make([]float64, n)
	e := make([]float64, max(n-1, 1))
	for k := 1; k < n; k++ {
		e[k-1] = math.Sqrt(float64(k) / 2)
	}
	if !(gonum.Implementation{}).Dsterf(n, d, e) {
		panic("burgers: gaussHermite: dsterf did not converge")
	}
	z = d // ascending
	logw = make([]float64, n)
	// Polish the nonnegative half and mirror it, so the rule is exactly symmetric.
	for i := n / 2; i < n; i++ {
		x := z[i]
		if n%2 == 1 && i == n/2 {
			x = 0 // odd n: the middle node is exactly 0
		} else {
			x = math.Abs(x)
			for it := 0; it < 20; it++ {
				pn, pn1, _ := hermiteOrthonormal(n, x)
				dx := pn / (math.Sqrt(2*float64(n)) * pn1) // p_n' = √(2n)·p_{n−1}
				x -= dx
				if math.Abs(dx) <= 2e-16*math.Max(1, math.Abs(x)) {
					break
				}
			}
		}
		_, pn1, ls := hermiteOrthonormal(n, x)
		lw := -math.Log(float64(n)) - 2*(math.Log(math.Abs(pn1))+ls)
		z[i], logw[i] = x, lw
		z[n-1-i], logw[n-1-i] = -x, lw
	}
	return z, logw
}

// hermiteOrthonormal evaluates the orthonormal Hermite polynomials p_n(x) and p_{n−1}(x)
// (∫ p_j p_k e^{−x²} dx = δ_jk; p_k = H_k / √(2^k k! √π)) by the recurrence
//
//	p_{k+1} = √(2/(k+1))·x·p_k − √(k/(k+1))·p_{k−1},  p_0 = π^{−1/4}.
//
// Both values are returned divided by e^{logScale}: the recurrence rescales whenever the
// magnitude passes 2^500, so no n or x overflows.
func hermiteOrthonormal(n int, x float64) (pn, pn1, logScale float64) {
	const big, ln2x500 = 0x1p500, 500 * math.Ln2
	prev, cur := 0.0, math.Pow(math.Pi, -0.25) // p_{−1}, p_0
	for k := 0; k < n; k++ {
		next := math.Sqrt(2/float64(k+1))*x*cur - math.Sqrt(float64(k)/float64(k+1))*prev
		prev, cur = cur, next
		if math.Abs(cur) > big {
			cur *= 1 / big
			prev *= 1 / big
			logScale += ln2x500
		}
	}
	return cur, prev, logScale
}
