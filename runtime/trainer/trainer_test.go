package trainer

import (
	"testing"

	mlrt "github.com/mlc-go/mlc/runtime"
)

func TestStages(t *testing.T) {
	ml := []mlrt.Stage{{Optimizer: "adam", LR: 1e-3, Steps: 1000}, {Optimizer: "lbfgs"}}
	for _, tc := range []struct {
		name                string
		adam, lbfgs         int
		lr                  float64
		want                []int // steps of the stages kept
		wantLR              float64
		wantErr, firstLBFGS bool
	}{
		{"as written: L-BFGS gets its budget", -1, -1, 0, []int{1000, defaultLBFGSSteps}, 1e-3, false, false},
		{"overrides", 20, 30, 0.01, []int{20, 30}, 0.01, false, false},
		{"-adam 0 drops Adam", 0, 5, 0, []int{5}, 0, false, true},
		{"-lbfgs 0 drops L-BFGS", 7, 0, 0, []int{7}, 1e-3, false, false},
		{"nothing left", 0, 0, 0, nil, 0, true, false},
	} {
		got, err := stages(ml, &options{adam: tc.adam, lbfgs: tc.lbfgs, lr: tc.lr})
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: error %v", tc.name, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d stages %+v, want %d", tc.name, len(got), got, len(tc.want))
			continue
		}
		for i, s := range got {
			if s.Steps != tc.want[i] {
				t.Errorf("%s: stage %d has %d steps, want %d", tc.name, i, s.Steps, tc.want[i])
			}
		}
		if len(got) > 0 && (got[0].Optimizer == "lbfgs") != tc.firstLBFGS {
			t.Errorf("%s: first stage %s", tc.name, got[0].Optimizer)
		}
		if len(got) > 0 && got[0].Optimizer == "adam" && got[0].LR != tc.wantLR {
			t.Errorf("%s: lr %v, want %v", tc.name, got[0].LR, tc.wantLR)
		}
	}
	if ml[1].Steps != 0 {
		t.Error("stages changed the schedule it was given")
	}
}

// fixed predicts the same output at every point.
type fixed struct{ v float64 }

func (f fixed) Params() []float64   { return nil }
func (f fixed) Grads() []float64    { return nil }
func (f fixed) LossGrad() float64   { return 0 }
func (f fixed) Loss() float64       { return 0 }
func (f fixed) Terms() []float64    { return nil }
func (f fixed) TermNames() []string { return nil }
func (f fixed) Init(*mlrt.RNG)      {}
func (f fixed) Close()              {}
func (f fixed) PredictColumns(dst []float64, _ [][]float64) {
	for i := range dst {
		dst[i] = f.v
	}
}

func TestRelL2OfZeroReference(t *testing.T) {
	p := Problem[float64]{Outputs: []string{"u", "v"}, Model: fixed{0.5}}
	refs := []mlrt.Reference{
		{Name: "u", Output: 0, Cols: [][]float64{{0, 1}}, Want: []float64{1, 1}},
		{Name: "v", Output: 1, Cols: [][]float64{{0, 1}}, Want: []float64{0, 0}},
	}
	errs := newEvaluator(p, refs).relL2()
	if errs["u"] != 0.5 || errs["v"] != 0.5 {
		t.Errorf("errors %v: want u relative 0.5 and v, against zero, the RMS error 0.5", errs)
	}
}
