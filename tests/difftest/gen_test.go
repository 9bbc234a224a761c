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
	for i := 0; i < 300; i++ {
		m := Generate(99, i, GenOptions{Outside: 0.2})
		if _, err := dsl.Parse(m.Name+".ml", []byte(m.Source)); err != nil {
			t.Errorf("%v\n%s", err, Numbered(m.Source))
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
