package runtime

import "math"

// Balance is the loss balancing of a fit (train balance = grad_norm in a .ml file): the
// loss is Σ λ_i·L_i with one weight λ_i per term, stored as parameters that the
// optimizers never move. Every Every first-order steps (from the first), λ_i becomes
// α·λ_i + (1−α)·Σ_j‖∇L_j‖/‖∇L_i‖, the gradient norms over the other parameters: each
// term then pulls on the network as hard as the others (Wang, Wang & Perdikaris, "An
// expert's guide to training PINNs"). It costs one extra LossGrad per term per update.
type Balance struct {
	Every   int     // steps between updates; 0: fixed weights
	Alpha   float64 // the weight of the old value in the moving average
	Weights []int   // the weights' offsets in Params, in the order of TermNames
}

// balancer holds a fit's scratch space for Balance, allocated once.
type balancer struct {
	b             Balance
	frozen        []bool
	norms, before []float64
}

// newBalancer is nil for a fit without term weights; with weights it always freezes them,
// and updates them when Every > 0.
func newBalancer(b Balance, params int) *balancer {
	if len(b.Weights) == 0 {
		return nil
	}
	z := &balancer{b: b, frozen: make([]bool, params), norms: make([]float64, len(b.Weights)), before: make([]float64, len(b.Weights))}
	for _, o := range b.Weights {
		z.frozen[o] = true
	}
	return z
}

// freeze zeroes the weights' gradients, so that no optimizer moves them.
func freeze[T Float](z *balancer, grads []T) {
	if z == nil {
		return
	}
	for _, o := range z.b.Weights {
		grads[o] = 0
	}
}

// rebalance sets the weights from the terms' gradient norms: LossGrad with weight i alone
// at 1 gives ∇L_i. It returns the evaluations it made.
func rebalance[T Float](z *balancer, m FullBatch[T], params, grads []T) int {
	for i, o := range z.b.Weights {
		z.before[i] = float64(params[o])
	}
	var total float64
	for i, o := range z.b.Weights {
		for _, p := range z.b.Weights {
			params[p] = 0
		}
		params[o] = 1
		m.LossGrad()
		var s float64
		for k, g := range grads {
			if !z.frozen[k] {
				s += float64(g) * float64(g)
			}
		}
		z.norms[i] = math.Sqrt(s)
		total += z.norms[i]
	}
	a := z.b.Alpha
	for i, o := range z.b.Weights {
		w := z.before[i]
		if n := z.norms[i]; n > 0 && isFinite(total/n) {
			w = a*w + (1-a)*total/n
		}
		params[o] = T(w)
	}
	return len(z.b.Weights)
}
