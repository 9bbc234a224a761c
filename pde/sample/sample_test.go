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

// TestMultiJittered checks both stratifications: one point per stratum of each axis (the
// Latin-hypercube property) and one point per cell of the m × k grid.
func TestMultiJittered(t *testing.T) {
	for _, c := range []struct {
		n      int
		lo, hi [2]float64
		m, k   int
	}{
		{5000, [2]float64{-1, 0}, [2]float64{1, 1}, 100, 50},
		{12, [2]float64{0, 0}, [2]float64{1, 1}, 3, 4},
		{7, [2]float64{0, 0}, [2]float64{1, 1}, 1, 7},
		{1, [2]float64{2, 3}, [2]float64{2, 4}, 1, 1},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		pts := MultiJittered(rng, c.n, c.lo, c.hi)
		if m, k := gridShape(c.n, c.hi[0]-c.lo[0], c.hi[1]-c.lo[1]); m != c.m || k != c.k {
			t.Errorf("n=%d: grid %d×%d, want %d×%d", c.n, m, k, c.m, c.k)
		}
		seen0, seen1, cells := map[int]bool{}, map[int]bool{}, map[[2]int]bool{}
		stratum := func(v float64, d, parts int) int {
			w := c.hi[d] - c.lo[d]
			if w == 0 {
				return 0
			}
			return int((v - c.lo[d]) / w * float64(parts))
		}
		for _, p := range pts {
			for d := range 2 {
				if p[d] < c.lo[d] || (p[d] >= c.hi[d] && c.hi[d] > c.lo[d]) {
					t.Fatalf("n=%d: point %v outside the box", c.n, p)
				}
			}
			s0, s1 := stratum(p[0], 0, c.n), stratum(p[1], 1, c.n)
			if c.hi[1] == c.lo[1] || c.hi[0] == c.lo[0] {
				continue
			}
			if seen0[s0] || seen1[s1] {
				t.Fatalf("n=%d: axis stratum used twice at %v", c.n, p)
			}
			seen0[s0], seen1[s1] = true, true
			cell := [2]int{stratum(p[0], 0, c.m), stratum(p[1], 1, c.k)}
			if cells[cell] {
				t.Fatalf("n=%d: cell %v holds two points", c.n, cell)
			}
			cells[cell] = true
		}
	}
	a := MultiJittered(rand.New(rand.NewPCG(3, 4)), 100, [2]float64{0, 0}, [2]float64{1, 1})
	b := MultiJittered(rand.New(rand.NewPCG(3, 4)), 100, [2]float64{0, 0}, [2]float64{1, 1})
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Fatal("same seed, different points")
		}
	}
}
