package runtime

import (
	"math"
	goruntime "runtime"
	"strings"
	"testing"
	"time"
)

// TestFitBFGSQuadratic minimises convex quadratics: a small one (H updated in one part) and
// one large enough for the parallel row passes.
func TestFitBFGSQuadratic(t *testing.T) {
	for _, n := range []int{10, 300} {
		q := newQuad(n)
		m := &probe[float64]{FullBatch: q}
		h, err := Fit[float64](m, fitQuiet(Stage{Optimizer: "bfgs"}))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("n %d: %d iterations, %d evaluations, loss %g, stop %q", n, h.Steps, h.Evaluations, h.FinalLoss, h.Stops)
		if !(h.FinalLoss < 1e-20) {
			t.Errorf("n %d: final loss %g on a convex quadratic (start %g)", n, h.FinalLoss, m.losses[0])
		}
		if h.Steps > 2*n+20 {
			t.Errorf("n %d: %d iterations", n, h.Steps)
		}
		if len(h.Stops) != 1 || !strings.HasPrefix(h.Stops[0], "BFGS: ") {
			t.Errorf("n %d: stops %q", n, h.Stops)
		}
		if h.Evaluations != m.calls {
			t.Errorf("n %d: history counts %d evaluations, the model saw %d", n, h.Evaluations, m.calls)
		}
		for i, x := range q.p {
			if math.Abs(x-q.c[i]) > 1e-10 {
				t.Errorf("n %d: x[%d] = %.17g, want %.17g", n, i, x, q.c[i])
				break
			}
		}
	}
}

// TestFitBFGSRosenbrock finds the minimum (1, 1) of Rosenbrock's valley from (−1.2, 1).
func TestFitBFGSRosenbrock(t *testing.T) {
	r := &rosen{p: [2]float64{-1.2, 1}}
	h, err := Fit[float64](r, fitQuiet(Stage{Optimizer: "bfgs", Steps: 200}))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d iterations, %d evaluations, loss %g, stop %q", h.Steps, h.Evaluations, h.FinalLoss, h.Stops)
	if math.Abs(r.p[0]-1) > 1e-6 || math.Abs(r.p[1]-1) > 1e-6 {
		t.Errorf("ends at %v, want (1, 1)", r.p)
	}
}

// TestFitBFGSStages runs BFGS as two stages: the second goes on with the inverse Hessian the
// first learned (as the segments between redraws of the points do), and converges as one
// stage would.
func TestFitBFGSStages(t *testing.T) {
	const n = 300
	q := newQuad(n)
	h, err := Fit[float64](q, fitQuiet(Stage{Optimizer: "bfgs", Steps: 40}, Stage{Optimizer: "bfgs", Steps: 2 * n}))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d iterations, %d evaluations, loss %g, stops %q", h.Steps, h.Evaluations, h.FinalLoss, h.Stops)
	if !(h.FinalLoss < 1e-20) || h.Steps > 2*n+20 {
		t.Errorf("loss %g after %d iterations", h.FinalLoss, h.Steps)
	}
}

// TestFitBFGSNoAllocs: an iteration allocates nothing (H and the vectors are made once).
func TestFitBFGSNoAllocs(t *testing.T) {
	run := func(steps int) float64 {
		return testing.AllocsPerRun(5, func() {
			if _, err := Fit[float64](newQuad(300), fitQuiet(Stage{Optimizer: "bfgs", Steps: steps})); err != nil {
				t.Fatal(err)
			}
		})
	}
	if short, long := run(10), run(100); long > short+5 {
		t.Errorf("%v allocations for 10 iterations, %v for 100", short, long)
	}
}

// TestFitBFGSTooLarge: a model beyond MaxBFGSParams is refused before H is made.
func TestFitBFGSTooLarge(t *testing.T) {
	_, err := Fit[float64](newQuad(MaxBFGSParams+1), fitQuiet(Stage{Optimizer: "bfgs"}))
	if err == nil || !strings.Contains(err.Error(), "lbfgs any number") {
		t.Errorf("err = %v", err)
	}
}

// BenchmarkBFGSPass is one iteration's pass over H for the Burgers network's 3023
// parameters: the pending update applied to each row as H·g is taken.
func BenchmarkBFGSPass(b *testing.B) {
	const n = 3023
	q := newBFGSState(n)
	q.init = true
	for i := range q.h {
		q.h[i] = 1e-3
	}
	g := make([]float64, n)
	for i := range g {
		g[i] = float64(i%7) - 3
	}
	b.SetBytes(int64(16 * n * n)) // one read and one write of H
	for b.Loop() {
		q.a = 1
		q.mul(q.hgNew, g)
	}
}

// TestBFGSUpdate checks the deferred update against the SSBFGS formula on an explicit
// matrix, over updates with and without a product in between (which applies the pending
// update and leaves none), for the serial and the parallel pass.
func TestBFGSUpdate(t *testing.T) {
	for _, n := range []int{7, 300} {
		rng := NewRNG(uint64(n))
		vec := func() []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = rng.Float64()*2 - 1
			}
			return v
		}
		q := newBFGSState(n)
		ref := make([]float64, n*n) // H, explicitly
		for i := range n {
			ref[i*n+i] = 0.5 + rng.Float64()
		}
		copy(q.h, ref)
		q.init = true
		mulRef := func(dst, x []float64) {
			for i := range n {
				dst[i] = dot(ref[i*n:i*n+n], x)
			}
		}
		check := func(what string, got []float64, x []float64) {
			want := make([]float64, n)
			mulRef(want, x)
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
					t.Fatalf("n %d, %s: [%d] = %v, want %v", n, what, i, got[i], want[i])
				}
			}
		}
		tmp := make([]float64, n)
		for k := range 6 {
			gOld := vec()
			q.mul(q.hg, gOld) // H·gOld, applying any pending update
			check("H·gOld", q.hg, gOld)
			alpha := 0.5 + rng.Float64()
			for i := range n { // s = −alpha·H·gOld; y = g − gOld with yᵀs > 0
				q.s[i] = -alpha * q.hg[i]
			}
			y := vec()
			for i := range y {
				y[i] = 0.1*y[i] + q.s[i]
			}
			copy(q.y, y)
			g := make([]float64, n)
			for i := range g {
				g[i] = gOld[i] + y[i]
			}
			s := q.s
			sy := dot(s, y)
			rho := 1 / sy
			tau := 1.0
			if b := -alpha * rho * dot(s, gOld); b > 1 {
				tau = 1 / b
			}
			for i := range ref {
				ref[i] /= tau
			}
			hy := make([]float64, n)
			mulRef(hy, y)
			c := rho * (1 + rho*dot(y, hy))
			for i := range n {
				for j := range n {
					ref[i*n+j] += -rho*(hy[i]*s[j]+s[i]*hy[j]) + c*s[i]*s[j]
				}
			}
			q.update(alpha, gOld, g)
			check("H₊·g", q.hg, g)
			if k%2 == 0 {
				x := vec()
				q.mul(tmp, x)
				check("H₊·x", tmp, x)
			}
		}
	}
}

// TestFitBFGSReleasesHelpers: a bfgs stage's parallel pass over H starts helper goroutines,
// which hold H; Fit stops them before it returns, so repeated fits leak neither.
func TestFitBFGSReleasesHelpers(t *testing.T) {
	before := goruntime.NumGoroutine()
	for range 3 {
		if _, err := Fit[float64](newQuad(300), fitQuiet(Stage{Optimizer: "bfgs", Steps: 20})); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for goruntime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := goruntime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after three fits, %d before", n, before)
	}
}
