package runtime

import (
	"fmt"
	"math"
)

// Optimizer updates a flat parameter vector from its gradient. Step must not allocate: it runs
// once per mini-batch, and may change grads (clipping scales it). Adam and SGD also have
// Reset, which forgets their state, and SetLearningRate, which a schedule calls; a wrapper of
// your own needs only Step.
type Optimizer[T Float] interface {
	Step(params, grads []T)
}

// Span is a tensor's place in the flat parameter vector: Len values from Off.
type Span struct{ Off, Len int }

// Regularization is what Adam and SGD do to the gradient and the weights besides their
// update, as Keras' optimizers do with the same names. Its zero value does nothing.
type Regularization struct {
	// WeightDecay > 0 takes WeightDecay·lr·p off each parameter p of the Decayed tensors
	// before the update (decoupled weight decay, AdamW's; Keras' weight_decay).
	WeightDecay float64
	Decayed     []Span
	// ClipNorm > 0 scales the gradient of each of Tensors down to that L2 norm when it is
	// longer (Keras' clipnorm); GlobalClipNorm > 0 scales the whole gradient so (Keras'
	// global_clipnorm).
	ClipNorm, GlobalClipNorm float64
	Tensors                  []Span
}

// regularize clips grads and decays params with learning rate lr.
func regularize[T Float](r *Regularization, params, grads []T, lr float64) {
	if r.GlobalClipNorm > 0 {
		clipToNorm(grads, r.GlobalClipNorm)
	}
	if r.ClipNorm > 0 {
		for _, s := range r.Tensors {
			clipToNorm(grads[s.Off:s.Off+s.Len], r.ClipNorm)
		}
	}
	if r.WeightDecay > 0 {
		k := T(r.WeightDecay * lr)
		for _, s := range r.Decayed {
			p := params[s.Off : s.Off+s.Len]
			for i := range p {
				p[i] -= k * p[i]
			}
		}
	}
}

// clipToNorm scales g down to L2 norm max when it is longer.
func clipToNorm[T Float](g []T, limit float64) {
	ss := 0.0
	for _, v := range g {
		ss += float64(v) * float64(v)
	}
	if n := math.Sqrt(ss); n > limit {
		k := T(limit / n)
		for i := range g {
			g[i] *= k
		}
	}
}

// Adam is Keras' Adam. Its moments are kept in T, like the parameters, so a float32 model
// updates as Keras' float32 variables do; the per-step scalars are computed in float64.
//
// Make one with NewAdam: the zero value has a learning rate of 0.
type Adam[T Float] struct {
	LR, Beta1, Beta2, Epsilon float64
	Regularization

	m, v []T
	t    int
}

// NewAdam returns Adam with Keras' defaults (lr 1e-3, β1 0.9, β2 0.999, ε 1e-7) and state
// for n parameters. With n = 0 the state is sized on the first Step instead.
func NewAdam[T Float](n int) *Adam[T] {
	n = max(n, 0)
	return &Adam[T]{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, m: make([]T, n), v: make([]T, n)}
}

// Len is the number of parameters the state is sized for; the training loop checks it
// against the model before the first step, so a mismatch is an error rather than a panic.
func (a *Adam[T]) Len() int { return len(a.m) }

// Step applies one Adam update, the way Keras writes it:
//
//	alpha = lr·sqrt(1−β2^t)/(1−β1^t)
//	m += (g−m)(1−β1);  v += (g²−v)(1−β2);  p −= alpha·m/(sqrt(v)+ε)
func (a *Adam[T]) Step(params, grads []T) {
	if len(a.m) == 0 && len(params) > 0 {
		a.m, a.v = make([]T, len(params)), make([]T, len(params))
	}
	checkLens("Adam", params, grads, len(a.m))
	regularize(&a.Regularization, params, grads, a.LR)
	a.t++
	t := float64(a.t)
	alpha := T(a.LR * math.Sqrt(1-math.Pow(a.Beta2, t)) / (1 - math.Pow(a.Beta1, t)))
	c1, c2, eps := T(1-a.Beta1), T(1-a.Beta2), T(a.Epsilon)
	m, v := a.m[:len(params)], a.v[:len(params)]
	grads = grads[:len(params)]
	for i, g := range grads {
		mi := m[i] + (g-m[i])*c1
		vi := v[i] + (g*g-v[i])*c2
		m[i], v[i] = mi, vi
		params[i] -= alpha * mi / (T(math.Sqrt(float64(vi))) + eps)
	}
}

// Reset zeroes the moments and the step count.
func (a *Adam[T]) Reset() {
	clear(a.m)
	clear(a.v)
	a.t = 0
}

// LearningRate and SetLearningRate read and set LR: a schedule changes it between epochs.
func (a *Adam[T]) LearningRate() float64 { return a.LR }

// SetLearningRate sets LR.
func (a *Adam[T]) SetLearningRate(lr float64) { a.LR = lr }

// SGD is Keras' SGD: without momentum p −= lr·g; with it, velocity = momentum·velocity − lr·g
// and p += velocity.
//
// Make one with NewSGD: the zero value has a learning rate of 0.
type SGD[T Float] struct {
	LR, Momentum float64
	Regularization

	vel []T
}

// NewSGD returns SGD with Keras' defaults (lr 0.01, no momentum) and state for n parameters.
// With n = 0 the state is sized on the first Step instead.
func NewSGD[T Float](n int) *SGD[T] {
	return &SGD[T]{LR: 0.01, vel: make([]T, max(n, 0))}
}

// Len is the number of parameters the state is sized for (see Adam.Len).
func (s *SGD[T]) Len() int { return len(s.vel) }

// Step applies one SGD update.
func (s *SGD[T]) Step(params, grads []T) {
	if len(s.vel) == 0 && len(params) > 0 {
		s.vel = make([]T, len(params))
	}
	checkLens("SGD", params, grads, len(s.vel))
	regularize(&s.Regularization, params, grads, s.LR)
	lr := T(s.LR)
	grads = grads[:len(params)]
	if s.Momentum == 0 {
		for i, g := range grads {
			params[i] -= lr * g
		}
		return
	}
	mom := T(s.Momentum)
	vel := s.vel[:len(params)]
	for i, g := range grads {
		vel[i] = mom*vel[i] - lr*g
		params[i] += vel[i]
	}
}

// Reset zeroes the velocity.
func (s *SGD[T]) Reset() { clear(s.vel) }

// LearningRate is LR.
func (s *SGD[T]) LearningRate() float64 { return s.LR }

// SetLearningRate sets LR: a schedule changes it between epochs.
func (s *SGD[T]) SetLearningRate(lr float64) { s.LR = lr }

// checkLens guards against generated code passing vectors of the wrong size. That is a broken
// invariant inside mlc, not a user mistake (Train checks sizes first and returns an error), so
// it panics, naming every length.
func checkLens[T Float](opt string, params, grads []T, state int) {
	if len(params) != len(grads) || len(params) != state {
		panic(fmt.Sprintf("mlc: internal error: %s.Step: %d params, %d grads, state for %d",
			opt, len(params), len(grads), state))
	}
}

// L2 is λ·Σ p² over the values of a tensor p, and adds its gradient 2λ·p to
// grads[off:off+len(p)] when grads is not nil: the penalty of a layer's l2 argument, which
// generated code adds once per call (BatchPasses.Penalty).
func L2[T Float](p, grads []T, off int, lambda float64) float64 {
	ss := 0.0
	for _, v := range p {
		ss += float64(v) * float64(v)
	}
	if grads != nil {
		k := T(2 * lambda)
		g := grads[off : off+len(p)]
		for i, v := range p {
			g[i] += k * v
		}
	}
	return lambda * ss
}
