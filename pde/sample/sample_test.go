package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestLinspace(t *testing.T) {
	if got := Linspace(0, 1, 0); got == nil || len(got) != 0 {
		t.Fatalf("Linspace(0,1,0) = %v, want empty non-nil", got)
	}
	if got := Linspace(3, 7, 1); !slices.Equal(got, []float64{3}) {
		t.Fatalf("Linspace(3,7,1) = %v", got)
	}
	if got := Linspace(0, 1, 5); !slices.Equal(got, []float64{0, 0.25, 0.5, 0.75, 1}) {
		t.Fatalf("Linspace(0,1,5) = %v", got)
	}
	// Values from numpy.linspace(-1, 1, 256) and numpy.linspace(0, 0.99, 100) (repr).
	x := Linspace(-1, 1, 256)
	want := map[int]float64{1: -0.9921568627450981, 2: -0.9843137254901961, 127: -0.0039215686274509665,
		128: 0.0039215686274509665, 200: 0.5686274509803921, 254: 0.9921568627450981, 255: 1}
	for i, w := range want {
		if x[i] != w {
			t.Errorf("Linspace(-1,1,256)[%d] = %.17g, want %.17g", i, x[i], w)
		}
	}
	tt := Linspace(0, 0.99, 100)
	for i, w := range map[int]float64{1: 0.01, 3: 0.03, 7: 0.07, 29: 0.29, 57: 0.5700000000000001, 99: 0.99} {
		if tt[i] != w {
			t.Errorf("Linspace(0,0.99,100)[%d] = %.17g, want %.17g", i, tt[i], w)
		}
	}
	// Decreasing ranges work too.
	if got := Linspace(1, -1, 3); !slices.Equal(got, []float64{1, 0, -1}) {
		t.Fatalf("Linspace(1,-1,3) = %v", got)
	}
}

func checkLHS(t *testing.T, pts [][]float64, n int, lo, hi []float64) {
	t.Helper()
	if len(pts) != n {
		t.Fatalf("got %d points, want %d", len(pts), n)
	}
	for d := range lo {
		seen := make([]int, n)
		for i, p := range pts {
			if len(p) != len(lo) {
				t.Fatalf("point %d has %d coordinates, want %d", i, len(p), len(lo))
			}
			v := p[d]
			if !(v >= lo[d] && v < hi[d]) {
				t.Fatalf("point %d dim %d: %v outside [%v, %v)", i, d, v, lo[d], hi[d])
			}
			// The stratum by the documented edges: Edge(k) <= v < Edge(k+1).
			k := int(math.Floor((v - lo[d]) / (hi[d] - lo[d]) * float64(n)))
			k = max(0, min(n-1, k))
			for k > 0 && v < Edge(lo[d], hi[d], k, n) {
				k--
			}
			for k < n-1 && v >= Edge(lo[d], hi[d], k+1, n) {
				k++
			}
			seen[k]++
		}
		for k, c := range seen {
			if c != 1 {
				t.Fatalf("dim %d stratum %d holds %d points, want exactly 1", d, k, c)
			}
		}
	}
}

func TestLatinHypercubeStrata(t *testing.T) {
	lo, hi := []float64{-1, 0, 10}, []float64{1, 1, 10.5}
	for _, n := range []int{1, 2, 7, 100, 5000} {
		pts := LatinHypercube(rand.New(rand.NewPCG(uint64(n), 42)), n, lo, hi)
		checkLHS(t, pts, n, lo, hi)
	}
	if pts := LatinHypercube(rand.New(rand.NewPCG(1, 2)), 0, lo, hi); len(pts) != 0 {
		t.Fatalf("n=0 gave %d points", len(pts))
	}
}

// Points are spread: the mean of each coordinate is close to the centre of its range,
// and the coordinates of different dimensions are not (visibly) correlated.
func TestLatinHypercubeUniform(t *testing.T) {
	const n = 5000
	pts := LatinHypercube(rand.New(rand.NewPCG(7, 7)), n, []float64{0, 0}, []float64{1, 1})
	var mx, my, sxy float64
	for _, p := range pts {
		mx += p[0]
		my += p[1]
	}
	mx /= n
	my /= n
	for _, p := range pts {
		sxy += (p[0] - mx) * (p[1] - my)
	}
	corr := sxy / n * 12 // variance of U(0,1) is 1/12
	// LHS stratification makes each marginal mean almost exactly 1/2.
	if math.Abs(mx-0.5) > 1e-3 || math.Abs(my-0.5) > 1e-3 {
		t.Errorf("means %v %v, want ≈ 0.5", mx, my)
	}
	if math.Abs(corr) > 0.06 { // ~4σ for n = 5000
		t.Errorf("correlation %v between dimensions", corr)
	}
}

func TestLatinHypercubeDeterministic(t *testing.T) {
	lo, hi := []float64{-1, 0}, []float64{1, 1}
	a := LatinHypercube(rand.New(rand.NewPCG(1, 2)), 300, lo, hi)
	b := LatinHypercube(rand.New(rand.NewPCG(1, 2)), 300, lo, hi)
	c := LatinHypercube(rand.New(rand.NewPCG(1, 3)), 300, lo, hi)
	same := true
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Fatalf("same seed, point %d differs: %v vs %v", i, a[i], b[i])
		}
		same = same && slices.Equal(a[i], c[i])
	}
	if same {
		t.Fatal("different seeds gave identical samples")
	}
}

// Rows share one backing array but must not overlap: appending to one row may not clobber
// the next.
func TestLatinHypercubeRowsIndependent(t *testing.T) {
	pts := LatinHypercube(rand.New(rand.NewPCG(3, 4)), 3, []float64{0, 0}, []float64{1, 1})
	next := pts[1][0]
	_ = append(pts[0], 99)
	if pts[1][0] != next {
		t.Fatal("append to row 0 overwrote row 1")
	}
}

func TestLatinHypercubeDegenerate(t *testing.T) {
	pts := LatinHypercube(rand.New(rand.NewPCG(3, 4)), 4, []float64{2}, []float64{2})
	for _, p := range pts {
		if p[0] != 2 {
			t.Fatalf("zero-width range gave %v", p[0])
		}
	}
}

func TestLatinHypercubePanics(t *testing.T) {
	for name, f := range map[string]func(){
		"len":   func() { LatinHypercube(rand.New(rand.NewPCG(1, 1)), 3, []float64{0}, []float64{1, 2}) },
		"neg":   func() { LatinHypercube(rand.New(rand.NewPCG(1, 1)), -1, []float64{0}, []float64{1}) },
		"order": func() { LatinHypercube(rand.New(rand.NewPCG(1, 1)), 3, []float64{1}, []float64{0}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func BenchmarkLatinHypercube5000x2(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	lo, hi := []float64{-1, 0}, []float64{1, 1}
	b.ReportAllocs()
	for b.Loop() {
		LatinHypercube(rng, 5000, lo, hi)
	}
}
