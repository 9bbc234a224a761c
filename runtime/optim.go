package runtime

import (
	"fmt"
	"math"
)

// Optimizer updates a flat parameter vector from its gradient. Step must not allocate: it runs
// once per mini-batch. Reset forgets all state (moments, step count) so that training can
// start again from fresh weights.
type Optimizer[T Float] interface {
	Step(params, grads []T)
	Reset()
}

// Adam is Keras' Adam. Its moments are kept in T, like the parameters, so a float32 model
// updates as Keras' float32 variables do; the per-step scalars are computed in float64.
//
// Make one with NewAdam: the zero value has a learning rate of 0.
type Adam[T Float] struct {
	LR, Beta1, Beta2, Epsilon float64

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

// SGD is Keras' SGD: without momentum p −= lr·g; with it, velocity = momentum·velocity − lr·g
// and p += velocity.
//
// Make one with NewSGD: the zero value has a learning rate of 0.
type SGD[T Float] struct {
	LR, Momentum float64

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

// checkLens guards against generated code passing vectors of the wrong size. That is a broken
// invariant inside mlc, not a user mistake (Train checks sizes first and returns an error), so
// it panics, naming every length.
func checkLens[T Float](opt string, params, grads []T, state int) {
	if len(params) != len(grads) || len(params) != state {
		panic(fmt.Sprintf("mlc: internal error: %s.Step: %d params, %d grads, state for %d",
			opt, len(params), len(grads), state))
	}
}
