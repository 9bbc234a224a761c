package tests

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlc-go/mlc/tests/models/sources"
)

// TestMakePoints checks the point sets tests/models/sources declares: grid order (the last
// coordinate fastest), fixed and listed coordinates, a sample's box, a CSV file's columns by
// header name and its first rows, and known values from their closed forms.
func TestMakePoints(t *testing.T) {
	p, err := sources.MakePoints(rand.New(rand.NewPCG(1, 2)), "models/sources")
	if err != nil {
		t.Fatal(err)
	}
	in := p.Initial
	if len(in.X) != 5 || in.X[0] != -1 || in.X[4] != 1 || in.X[2] != 0 {
		t.Errorf("initial x = %v, want 5 points from -1 to 1", in.X)
	}
	for i, x := range in.X {
		want := float32(-math.Sin(math.Pi*float64(x)) + 4)
		if in.T[i] != 0 || math.Abs(float64(in.U0[i]-want)) > 1e-6 {
			t.Errorf("initial point %d: t = %v, u0 = %v, want 0 and %v", i, in.T[i], in.U0[i], want)
		}
	}
	w := p.Walls
	if len(w.X) != 6+4 {
		t.Fatalf("walls has %d points, want 6 from the grid and 4 sampled", len(w.X))
	}
	wantX := []float32{-1, -1, -1, 1, 1, 1}
	wantT := []float32{0, 0.5, 1, 0, 0.5, 1}
	for i := range 6 {
		if w.X[i] != wantX[i] || w.T[i] != wantT[i] {
			t.Errorf("wall grid point %d = (%v, %v), want (%v, %v)", i, w.X[i], w.T[i], wantX[i], wantT[i])
		}
	}
	for i := 6; i < 10; i++ {
		if w.X[i] != 0.5 || w.T[i] < 0 || w.T[i] > 1 {
			t.Errorf("sampled wall point %d = (%v, %v), want x = 0.5 and t in [0, 1]", i, w.X[i], w.T[i])
		}
	}
	d := p.Data
	if len(d.X) != 3 || d.X[1] != 0.5 || d.T[1] != 0.4 || d.UObs[2] != 0.9 {
		t.Errorf("data = %+v, want the first 3 rows of data.csv by header name", d)
	}
	for i := range p.Interior.X {
		if x, tt := p.Interior.X[i], p.Interior.T[i]; x < -1 || x > 1 || tt < 0 || tt > 1 {
			t.Errorf("interior point (%v, %v) outside its box", x, tt)
		}
	}
	q, err := sources.MakePoints(rand.New(rand.NewPCG(1, 2)), "models/sources")
	if err != nil {
		t.Fatal(err)
	}
	for i := range q.Interior.X {
		if q.Interior.X[i] != p.Interior.X[i] {
			t.Fatal("the same seed drew different points")
		}
	}
	if _, err := sources.MakePoints(rand.New(rand.NewPCG(1, 2)), "nowhere"); err == nil {
		t.Error("a missing CSV file gave no error")
	}
}

func TestReferences(t *testing.T) {
	refs, err := sources.References("models/sources")
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 {
		t.Fatalf("%d references, want 2", len(refs))
	}
	u, k := refs[0], refs[1]
	if u.Name != "u" || u.Output != 0 || len(u.Cols) != 2 || len(u.Want) != 6 {
		t.Fatalf("u reference %+v", u)
	}
	for i := range u.Want {
		x, tt := u.Cols[0][i], u.Cols[1][i]
		if want := math.Exp(-tt) * math.Cos(2*x); math.Abs(u.Want[i]-want) > 1e-15 {
			t.Errorf("u at (%v, %v) = %v, want %v", x, tt, u.Want[i], want)
		}
	}
	if k.Name != "k" || k.Output != -1 || k.Value != 0.25 {
		t.Errorf("k reference %+v, want its true value 0.25", k)
	}
}
