package difftest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mlc-go/mlc/dsl"
)

// TestGenerator checks the generator and the reference on their own, without the
// compiler's lowering: every source parses, and the reference's loss of every valid model
// is finite on the data the harness would draw (a NaN would mean an expression outside its
// domain, which no comparison could judge). It builds nothing, so it runs in -short mode.
func TestGenerator(t *testing.T) {
	for i := 0; i < 400; i++ {
		m := Generate(99, i, GenOptions{Outside: 0.2, KnownBugs: i >= 300})
		if _, err := dsl.Parse(m.Name+".ml", []byte(m.Source)); err != nil {
			t.Errorf("%v\n%s", err, Numbered(m.Source))
			continue
		}
		if m.MustRefuse {
			if m.RefuseAt == "" || m.refuseLine() == 0 {
				t.Errorf("%s must be refused at %q, which the source does not hold\n%s", m.Outside, m.RefuseAt, Numbered(m.Source))
			}
			continue
		}
		req := makeRequest(m, rand.New(rand.NewPCG(1, uint64(i))), false)
		var res *RefResult
		var err error
		if m.Points {
			res, err = RefPoints(m, req.Params, req.PointEvals[1].Sets)
		} else {
			e := req.Evals[len(req.Evals)-1]
			res, err = RefBatch(m, req.Params, e.X, e.Y, e.N)
		}
		if err != nil {
			t.Errorf("reference: %v\n%s", err, Numbered(m.Source))
			continue
		}
		if math.IsNaN(res.Loss) || math.IsInf(res.Loss, 0) {
			t.Errorf("reference loss %v\n%s", res.Loss, Numbered(m.Source))
		}
	}
}

// TestJet checks the reference's jets against calculus: every derivative to the fourth
// order of a function of three variables built with every operation, each against central
// differences of the jet's derivative one order below, and two closed forms.
func TestJet(t *testing.T) {
	f := func(x [3]float64) jet {
		a, b, c := varJet(3, 0, x[0]), varJet(3, 1, x[1]), varJet(3, 2, x[2])
		e := a.mul(b).fn("tanh").add(b.fn("sigmoid").mul(c.fn("sin")))
		e = e.add(a.fn("softplus").div(constJet(3, 2).add(c.fn("cos")))).add(b.mul(c).fn("silu"))
		e = e.add(a.add(constJet(3, 2)).fn("log").mul(c.fn("exp"))).add(a.sub(b).pow(3)).add(constJet(3, 1.5).add(c.mul(c)).pow(-2))
		return e
	}
	x := [3]float64{0.3, -0.4, 0.7}
	const h = 1e-5
	// ds are the derivatives to check: a sequence of directions, the last one by differences.
	for _, ds := range [][]int{{0}, {1}, {2}, {0, 1}, {2, 2}, {0, 1, 2}, {1, 1, 1}, {0, 0, 2, 2}, {2, 1, 0, 1}, {1, 1, 1, 1}, {0, 0, 0, 0}} {
		at := func(x [3]float64, ds []int) float64 {
			j := f(x)
			for _, d := range ds {
				j = j.deriv(d)
			}
			return j.val()
		}
		last := ds[len(ds)-1]
		up, down := x, x
		up[last] += h
		down[last] -= h
		want := (at(up, ds[:len(ds)-1]) - at(down, ds[:len(ds)-1])) / (2 * h)
		if got := at(x, ds); math.Abs(got-want) > 1e-6*(1+math.Abs(want)) {
			t.Errorf("d%v: jet %.12g, differences %.12g", ds, got, want)
		}
	}
	// d⁴/dx² dy² of x³y³ is 36xy, and d⁴/dx⁴ of e^(2x) is 16e^(2x).
	a, b := varJet(2, 0, 0.5), varJet(2, 1, -1.5)
	if got := a.pow(3).mul(b.pow(3)).deriv(0).deriv(1).deriv(0).deriv(1).val(); math.Abs(got-36*0.5*-1.5) > 1e-12 {
		t.Errorf("d4 x^3 y^3 = %v, want %v", got, 36*0.5*-1.5)
	}
	if got := a.scale(2).fn("exp").deriv(0).deriv(0).deriv(0).deriv(0).val(); math.Abs(got-16*math.Exp(1)) > 1e-12 {
		t.Errorf("d4 e^2x = %v, want %v", got, 16*math.Exp(1))
	}
	if j := a.deriv(0).deriv(0).deriv(0).deriv(0).deriv(0); j.ord >= 0 {
		t.Errorf("a fifth derivative has order %d, want < 0", j.ord)
	}
}
