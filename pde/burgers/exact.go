// Package burgers holds the reference side of the PINN workload of DESIGN §3: the viscous
// Burgers equation
//
//	u_t + u·u_x − (ν/π)·u_xx = 0,  x ∈ [−1, 1], t ∈ [0, 1], ν = 0.01,
//	u(x, 0) = −sin(πx),  u(±1, t) = 0,
//
// its exact solution (Exact, ExactGrid), the published reference grid of Raissi et al.
// (ReferenceGrid, LoadReference for burgers_shock.csv) and the error measure used to score a
// trained network against it (RelL2).
//
// # Exact solution
//
// The Cole–Hopf transform u = −2D·φ_x/φ, with D = ν/π, turns the equation into the heat
// equation φ_t = D·φ_xx. With f(y) = exp(−cos(πy)/(2ν)) the initial condition becomes
// φ(x, 0) ∝ f(x), and convolving with the heat kernel and substituting η = √(4Dt)·z gives
// (Basdevant et al. 1986, Comput. Fluids 14:23, eq. 2; shared/bench/burgers_exact.py)
//
//	u(x, t) = −∫ sin(π(x−√(4Dt)z))·f(x−√(4Dt)z)·e^{−z²} dz / ∫ f(x−√(4Dt)z)·e^{−z²} dz.
//
// Both integrals are done by one Gauss–Hermite rule in z (QuadratureNodes nodes, computed at
// first use and cached). f spans e^{±50}, and the outer Hermite weights fall far below
// float64's range, so every term is formed as exp(log w + log f − m) with a fixed shift m
// chosen so that nothing overflows and every term that can matter stays a normal number;
// nodes whose weight cannot matter (below e^{−150} of the largest) are dropped up front.
//
// Accuracy: on 0 < t ≤ 1 the result agrees with burgers_exact.py (scipy's 400-node rule,
// direct log-sum-exp) to 2.3e−15 and with an independent trapezoid rule in η to ~1e−14,
// including the shock at x = 0 where |u_x| reaches 152.005 (Basdevant et al.'s 152.00516
// at t = 1.6037/π is reproduced to all quoted digits). Doubling the nodes changes the
// result by < 1e−14 up to t = 5, by 1.6e−10 at t = 10, and more beyond (the rule then no
// longer resolves the peaks of f). Against the published burgers_shock.mat grid the difference is 4.2e−11 at
// most (at the front; 8.9e−12 for |x| > 0.05); since three independent evaluations here agree
// to ~1e−14, that is the error of the file.
package burgers

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

const (
	// Nu is ν of DESIGN §3; the diffusion coefficient of the equation is Nu/π.
	Nu = 0.01
	// Diffusivity is the coefficient of u_xx, ν/π.
	Diffusivity = Nu / math.Pi
	// QuadratureNodes is the number of Gauss–Hermite nodes Exact uses (as burgers_exact.py).
	QuadratureNodes = 400
)

// invTwoNu = 1/(2ν): log f(y) = −cos(πy)·invTwoNu, so log f ∈ [−50, 50].
const invTwoNu = 1 / (2 * Nu)

// maxHalf bounds the number of nonnegative nodes of the default rule, for stack scratch.
const maxHalf = QuadratureNodes/2 + 1

// rule is the nonnegative half of a symmetric Gauss–Hermite rule, pruned and pre-shifted.
type rule struct {
	n int
	z []float64 // nonnegative nodes, ascending; z[0] = 0 only for odd n
	// a[k] = log w_k − m, m = max log w + invTwoNu. A term's exponent a[k] − invTwoNu·cos(πy)
	// is then ≤ 0 (no overflow), and the largest term is ≥ e^{−2·invTwoNu}, so terms below
	// e^{cut} are negligible (< e^{−50} of the largest) and are skipped.
	a []float64
}

// cut is the exponent below which a term is skipped: 2·invTwoNu + 50 below the shift.
const cut = -(2*invTwoNu + 50)

func newRule(n int) *rule {
	z, lw := gaussHermite(n)
	lwMax := math.Inf(-1)
	for _, v := range lw {
		lwMax = math.Max(lwMax, v)
	}
	m := lwMax + invTwoNu
	r := &rule{n: n}
	for i := n / 2; i < n; i++ {
		// The largest exponent this node can produce is lw − m + invTwoNu.
		if lw[i]-m+invTwoNu < cut {
			break // weights decrease outward
		}
		r.z = append(r.z, z[i])
		r.a = append(r.a, lw[i]-m)
	}
	return r
}

var defaultRule = sync.OnceValue(func() *rule { return newRule(QuadratureNodes) })

// rotations fills c[k], s[k] with cos and sin of π·√(4Dt)·z_k.
func (r *rule) rotations(t float64, c, s []float64) {
	h := math.Pi * math.Sqrt(4*Diffusivity*t)
	for k, z := range r.z {
		s[k], c[k] = math.Sincos(h * z)
	}
}

// eval is the quadrature for one point with t > 0, given cx, sx = cos πx, sin πx and the
// rotations of t. y = x ∓ √(4Dt)·z, so cos πy = cx·c ± sx·s and sin πy = sx·c ∓ cx·s.
func (r *rule) eval(cx, sx float64, c, s []float64) float64 {
	var num, den float64
	c, s = c[:len(r.a)], s[:len(r.a)]
	for k, a := range r.a {
		ck, sk := c[k], s[k]
		if e := a - invTwoNu*(cx*ck+sx*sk); e > cut { // y = x − hz
			w := math.Exp(e)
			num += (sx*ck - cx*sk) * w
			den += w
		}
		if r.z[k] == 0 {
			continue
		}
		if e := a - invTwoNu*(cx*ck-sx*sk); e > cut { // y = x + hz
			w := math.Exp(e)
			num += (sx*ck + cx*sk) * w
			den += w
		}
	}
	return -num / den
}

// at evaluates u(x, t) with this rule; c and s are scratch of at least len(r.z).
func (r *rule) at(x, t float64, c, s []float64) float64 {
	switch {
	case t == 0:
		return -math.Sin(math.Pi * x)
	case !(t > 0): // negative or NaN
		return math.NaN()
	}
	r.rotations(t, c, s)
	sx, cx := math.Sincos(math.Pi * x)
	return r.eval(cx, sx, c, s)
}

// Exact returns the exact solution u(x, t) of the Burgers problem (see the package
// documentation for the method and its accuracy). t = 0 gives the initial condition
// −sin(πx) exactly as written; t < 0 or NaN gives NaN. x outside [−1, 1] gives the
// whole-line solution, which is odd about 0 and ±1 and 2-periodic. Exact does not allocate
// (after the first call, which builds the cached quadrature rule) and is safe for
// concurrent use. A call costs about 110 sin/cos pairs and 210 exps (a few µs); ExactGrid
// shares the sin/cos work among the points of one t.
func Exact(x, t float64) float64 {
	var c, s [maxHalf]float64
	return defaultRule().at(x, t, c[:], s[:])
}

// ExactGrid returns u on the grid xs × ts in row-major [len(xs)][len(ts)] order:
// u[i*len(ts)+j] = Exact(xs[i], ts[j]) — the layout of usol in burgers_shock.mat and of
// LoadReference. The values are bit-for-bit those of Exact. Columns (values of t) are
// spread over GOMAXPROCS goroutines.
func ExactGrid(xs, ts []float64) []float64 {
	u := make([]float64, len(xs)*len(ts))
	ExactGridTo(u, xs, ts)
	return u
}

// ExactGridTo is ExactGrid writing into dst, which must have length len(xs)*len(ts). It
// allocates only O(len(xs) + GOMAXPROCS·QuadratureNodes) scratch.
func ExactGridTo(dst, xs, ts []float64) {
	defaultRule().gridTo(dst, xs, ts)
}

func (r *rule) gridTo(dst, xs, ts []float64) {
	nx, nt := len(xs), len(ts)
	if len(dst) != nx*nt {
		panic(fmt.Sprintf("burgers: ExactGridTo: len(dst) = %d, want %d×%d = %d", len(dst), nx, nt, nx*nt))
	}
	if nx == 0 || nt == 0 {
		return
	}
	cs := make([]float64, 2*nx) // cos πx, sin πx
	for i, x := range xs {
		cs[2*i+1], cs[2*i] = math.Sincos(math.Pi * x)
	}
	workers := min(runtime.GOMAXPROCS(0), nt)
	// Below ~2 columns of 256 points per worker the goroutines cost more than they save.
	workers = min(workers, max(1, nx*nt/512))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			c := make([]float64, 2*len(r.z))
			c, s := c[:len(r.z)], c[len(r.z):]
			for {
				j := int(next.Add(1) - 1)
				if j >= nt {
					return
				}
				t := ts[j]
				if !(t > 0) {
					for i, x := range xs {
						dst[i*nt+j] = r.at(x, t, nil, nil)
					}
					continue
				}
				r.rotations(t, c, s)
				for i := range xs {
					dst[i*nt+j] = r.eval(cs[2*i], cs[2*i+1], c, s)
				}
			}
		})
	}
	wg.Wait()
}

// RelL2 returns the relative L2 error ‖pred − exact‖₂ / ‖exact‖₂, the score of DESIGN §3 (and
// of Raissi et al.). It panics if the lengths differ. An all-zero exact gives +Inf (NaN when
// pred is zero too). Plain sums of squares: values beyond ~1e150 in magnitude overflow.
func RelL2(pred, exact []float64) float64 {
	if len(pred) != len(exact) {
		panic(fmt.Sprintf("burgers: RelL2: len(pred) = %d != len(exact) = %d", len(pred), len(exact)))
	}
	var num, den float64
	for i, e := range exact {
		d := pred[i] - e
		num += d * d
		den += e * e
	}
	return math.Sqrt(num / den)
}
