package runtime

import (
	"math"
	"testing"
)

// TestSchedules checks each schedule's rate per epoch, worked by hand.
func TestSchedules(t *testing.T) {
	const base = 0.1
	cases := []struct {
		s    Schedule
		want []float64 // epochs 1 …
	}{
		{Schedule{Kind: "exponential", Rate: 0.5, Every: 2}, []float64{0.1, 0.1 / math.Sqrt2, 0.05, 0.05 / math.Sqrt2}},
		{Schedule{Kind: "step", Rate: 0.5, Every: 2}, []float64{0.1, 0.1, 0.05, 0.05, 0.025}},
		// Warm-up over 2 epochs, then half a cosine from 0.1 towards 0.02 over epochs 3 … 5
		// (0.02 + 0.08·(1 + cos(π·t))/2 for t = 0, 1/3, 2/3).
		{Schedule{Kind: "cosine", Warmup: 2, MinLR: 0.02}, []float64{0.05, 0.1, 0.1, 0.08, 0.04}},
	}
	for _, c := range cases {
		for e, want := range c.want {
			if got := c.s.at(base, e+1, len(c.want)); math.Abs(got-want) > 1e-15 {
				t.Errorf("%s: epoch %d: %v, want %v", c.s.Kind, e+1, got, want)
			}
		}
	}
	// plateau: patience 2, factor 0.5, min_lr 0.03: two epochs without a new minimum halve
	// the rate, never below min_lr.
	opt := NewSGD[float64](1)
	opt.LR = base
	sc, err := newScheduler(&Schedule{Kind: "plateau", Factor: 0.5, Patience: 2, MinLR: 0.03}, Optimizer[float64](opt), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	for _, loss := range []float64{1, 0.5, 0.5, 0.49995, 0.4, 0.4, 0.4, 0.4} {
		got = append(got, sc.before(len(got)+1))
		sc.after(loss)
	}
	want := []float64{0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.03}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Errorf("plateau: rates %v, want %v", got, want)
			break
		}
	}
	if _, err := newScheduler(&Schedule{Kind: "cosine"}, Optimizer[float64](wrapped{opt}), 10); err == nil {
		t.Error("a schedule on an optimizer without SetLearningRate: no error")
	}
	if _, err := newScheduler(&Schedule{Kind: "step", Rate: 0.5}, Optimizer[float64](opt), 10); err == nil {
		t.Error("step without every: no error")
	}
}

// TestTrainFollowsSchedule: Train sets the rate of each epoch before its batches, records it
// in the history, and an optimizer that Train takes needs only Step.
func TestTrainFollowsSchedule(t *testing.T) {
	m := newLinReg(3, 16)
	m.Init(NewRNG(1))
	opt := NewAdam[float64](0)
	opt.LR = 0.04
	cfg := TrainConfig{Epochs: 5, BatchSize: 16, Seed: 5, Schedule: &Schedule{Kind: "step", Rate: 0.5, Every: 2}}
	h, err := Train[float64](m, opt, lineData(64), quiet(cfg))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{0.04, 0.04, 0.02, 0.02, 0.01} {
		if h.Epochs[i].LR != want {
			t.Errorf("epoch %d: lr %v, want %v", i+1, h.Epochs[i].LR, want)
		}
	}
	if opt.LR != 0.01 {
		t.Errorf("the optimizer's rate after training is %v, want the last epoch's 0.01", opt.LR)
	}
	own := wrapped{NewSGD[float64](0)}
	if _, err := Train(m, own, lineData(64), quiet(TrainConfig{Epochs: 1, Seed: 1})); err != nil { // T is inferred from the data
		t.Errorf("an optimizer with Step only: %v", err)
	}
	cfg.Schedule = &Schedule{Kind: "cosine"}
	if _, err := Train[float64](m, own, lineData(64), quiet(cfg)); err == nil {
		t.Error("a schedule with an optimizer that cannot set its rate: no error")
	}
}
