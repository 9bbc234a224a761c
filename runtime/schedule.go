package runtime

import (
	"fmt"
	"math"
)

// Schedule is how Train changes the optimizer's learning rate from epoch to epoch (a .ml
// file's schedule = …), starting from the rate the optimizer has when training starts. The
// rate is set before each epoch and holds for all of its batches.
type Schedule struct {
	Kind string // "exponential", "step", "cosine" or "plateau"
	// Rate and Every: exponential multiplies the rate by Rate every Every epochs, smoothly
	// (lr·Rate^((e−1)/Every) at epoch e, from 1); step does so all at once every Every
	// epochs (lr·Rate^⌊(e−1)/Every⌋).
	Rate  float64
	Every int
	// Warmup and MinLR: cosine raises the rate linearly over the first Warmup epochs
	// (lr·e/Warmup), then lowers it along half a cosine towards MinLR, which it would reach
	// the epoch after the last (so the last epoch still learns).
	Warmup int
	MinLR  float64
	// Factor and Patience: plateau multiplies the rate by Factor (not below MinLR) once
	// Patience epochs have passed without a new minimum of the monitored loss (val_loss, or
	// loss without validation), as Keras' ReduceLROnPlateau with min_delta 1e-4 and no
	// cooldown does.
	Factor   float64
	Patience int
}

// learningRates is what a schedule needs of an optimizer; Adam and SGD have it.
type learningRates interface {
	LearningRate() float64
	SetLearningRate(lr float64)
}

// check says what is wrong with s, or nil.
func (s *Schedule) check() error {
	switch s.Kind {
	case "exponential", "step":
		if !(s.Rate > 0) || s.Every < 1 {
			return fmt.Errorf("schedule %s: rate must be > 0 and every ≥ 1 epoch, got %g and %d", s.Kind, s.Rate, s.Every)
		}
	case "cosine":
		if s.Warmup < 0 || !(s.MinLR >= 0) {
			return fmt.Errorf("schedule cosine: warmup must be ≥ 0 and min_lr ≥ 0, got %d and %g", s.Warmup, s.MinLR)
		}
	case "plateau":
		if !(s.Factor > 0 && s.Factor < 1) || s.Patience < 1 || !(s.MinLR >= 0) {
			return fmt.Errorf("schedule plateau: factor must be in (0, 1), patience ≥ 1 and min_lr ≥ 0, got %g, %d and %g", s.Factor, s.Patience, s.MinLR)
		}
	default:
		return fmt.Errorf("unknown schedule %q: want exponential, step, cosine or plateau", s.Kind)
	}
	return nil
}

// at is the rate of epoch e (from 1) of epochs, from the starting rate base; plateau's
// follows the losses instead (scheduler.after).
func (s *Schedule) at(base float64, e, epochs int) float64 {
	switch s.Kind {
	case "exponential":
		return base * math.Pow(s.Rate, float64(e-1)/float64(s.Every))
	case "step":
		return base * math.Pow(s.Rate, float64((e-1)/s.Every))
	case "cosine":
		if e <= s.Warmup {
			return base * float64(e) / float64(s.Warmup)
		}
		t := float64(e-s.Warmup-1) / float64(epochs-s.Warmup)
		return s.MinLR + (base-s.MinLR)*(1+math.Cos(math.Pi*t))/2
	}
	return math.NaN()
}

// scheduler applies a Schedule to an optimizer during Train.
type scheduler struct {
	s      *Schedule
	opt    learningRates
	base   float64
	best   float64 // plateau: the lowest monitored loss so far
	wait   int     // plateau: epochs since it was reached
	epochs int
}

func newScheduler[T Float](s *Schedule, opt Optimizer[T], epochs int) (*scheduler, error) {
	if s == nil {
		return nil, nil
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	lr, ok := opt.(learningRates)
	if !ok {
		return nil, fmt.Errorf("a learning-rate schedule needs an optimizer with LearningRate and SetLearningRate methods (Adam, SGD); %T has none", opt)
	}
	return &scheduler{s: s, opt: lr, base: lr.LearningRate(), best: math.Inf(1), epochs: epochs}, nil
}

// before sets the rate of epoch e and returns it.
func (sc *scheduler) before(e int) float64 {
	if sc.s.Kind != "plateau" {
		sc.opt.SetLearningRate(sc.s.at(sc.base, e, sc.epochs))
	}
	return sc.opt.LearningRate()
}

// after lets plateau see the epoch's monitored loss.
func (sc *scheduler) after(monitored float64) {
	if sc.s.Kind != "plateau" {
		return
	}
	if monitored < sc.best-1e-4 {
		sc.best, sc.wait = monitored, 0
		return
	}
	if sc.wait++; sc.wait >= sc.s.Patience {
		sc.opt.SetLearningRate(math.Max(sc.opt.LearningRate()*sc.s.Factor, sc.s.MinLR))
		sc.wait = 0
	}
}
