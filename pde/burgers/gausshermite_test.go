package burgers

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/integrate/quad"
)

// 60-digit values (mpmath: Newton on the orthonormal recurrence) for the 400-node rule, and
// the same nodes from scipy.special.roots_hermite(400) (scipy 1.10.1), which are less accurate
// (~7e−15) and whose outermost weights underflow to 0; ours are kept as logs.
func TestGaussHermite400(t *testing.T) {
	z, lw := gaussHermite(400)
	for _, c := range []struct {
		i            int
		z, lw, scipy float64
	}{
		{200, 0.055501373158244433489, -2.201279456911069058, 0.05550137315823702},
		{249, 5.5300248430856404545, -32.759912490212337373, 5.530024843085628},
		{300, 11.478729772552224155, -133.86957858411017384, 11.478729772552217},
		{349, 17.864781191844254038, -321.09449601494934614, 17.864781191844248},
		{398, 27.233200854811867577, -742.54643340021013834, 27.233200854811866},
		{399, 27.691674626019367052, -767.45997146434469354, 27.691674626019367},
	} {
		if d := math.Abs(z[c.i] - c.z); d > 2e-16*math.Max(1, c.z) {
			t.Errorf("node %d = %.17g, want %.17g (err %.2g)", c.i, z[c.i], c.z, d)
		}
		if d := math.Abs(z[c.i] - c.scipy); d > 1e-14*math.Max(1, c.z) {
			t.Errorf("node %d = %.17g, scipy %.17g", c.i, z[c.i], c.scipy)
		}
		if z[399-c.i] != -z[c.i] {
			t.Errorf("node %d not mirrored", c.i)
		}
		// Relative accuracy of the weight itself: |Δ log w| ≲ n·ε.
		if d := math.Abs(lw[c.i] - c.lw); d > 1e-13*math.Max(1, math.Abs(c.lw)) {
			t.Errorf("log weight %d = %.17g, want %.17g (err %.2g)", c.i, lw[c.i], c.lw, d)
		}
	}
}

// Σ w z^{2k} = Γ(k + 1/2) exactly for 2k ≤ 2n−1; odd moments vanish by symmetry.
func TestGaussHermiteMoments(t *testing.T) {
	for _, n := range []int{1, 2, 3, 20, 101, 400, 800} {
		z, lw := gaussHermite(n)
		for i := range z {
			if z[i] != -z[n-1-i] || lw[i] != lw[n-1-i] {
				t.Fatalf("n=%d: rule not symmetric at %d", n, i)
			}
			if i > 0 && !(z[i] > z[i-1]) {
				t.Fatalf("n=%d: nodes not increasing at %d", n, i)
			}
		}
		for k := 0; 2*k <= min(2*n-1, 12); k++ {
			s := 0.0
			for i := range z {
				s += math.Exp(lw[i]) * math.Pow(z[i], float64(2*k))
			}
			want := math.Gamma(float64(k) + 0.5)
			if math.Abs(s-want) > 1e-14*want*float64(1+k) {
				t.Errorf("n=%d: Σ w z^%d = %.17g, want %.17g", n, 2*k, s, want)
			}
		}
	}
	z, lw := gaussHermite(2)
	if math.Abs(z[1]-math.Sqrt(0.5)) > 2e-16 || math.Abs(math.Exp(lw[1])-math.Sqrt(math.Pi)/2) > 1e-15 {
		t.Errorf("n=2 rule %v %v", z, lw)
	}
}

// Independent implementation: gonum's quad.Hermite (asymptotic formulas for large n).
func TestGaussHermiteGonum(t *testing.T) {
	for _, n := range []int{10, 100, 300} {
		z, lw := gaussHermite(n)
		gz, gw := make([]float64, n), make([]float64, n)
		quad.Hermite{}.FixedLocations(gz, gw, math.Inf(-1), math.Inf(1))
		for i := range z {
			if math.Abs(z[i]-gz[i]) > 1e-12*math.Max(1, math.Abs(z[i])) {
				t.Errorf("n=%d node %d: %.17g, gonum %.17g", n, i, z[i], gz[i])
			}
			if w := math.Exp(lw[i]); gw[i] > 1e-100 && math.Abs(w-gw[i]) > 1e-10*gw[i] {
				t.Errorf("n=%d weight %d: %.17g, gonum %.17g", n, i, w, gw[i])
			}
		}
	}
}
