package runtime

import "gonum.org/v1/gonum/optimize"

// Problem is the mean loss of m over rows of x and y (row-major, as Model takes them) as a
// gonum optimize.Problem in float64, so gonum's optimizers (L-BFGS, BFGS, CG, ...) train a
// generated model without an adapter:
//
//	res, err := optimize.Minimize(mlrt.Problem(m, x, y, rows), p0, nil, &optimize.LBFGS{})
//
// Dropout is off (the loss must be a deterministic function of the parameters). The
// model's own parameters are overwritten by each evaluation; the buffers are allocated
// once, here.
func Problem[T Float](m Model[T], x, y []T, rows int) optimize.Problem {
	ni, b := m.NumInputs(), m.MaxBatch()
	nt := len(y) / max(rows, 1)
	acc := make([]float64, len(m.Params()))
	set := func(p []float64) {
		for i, v := range p {
			m.Params()[i] = T(v)
		}
	}
	pass := func(p []float64, grad []float64) float64 {
		set(p)
		if grad != nil {
			clear(acc)
		}
		var loss float64
		for i := 0; i < rows; i += b {
			n := min(b, rows-i)
			w := float64(n) / float64(rows)
			loss += w * m.LossGrad(x[i*ni:(i+n)*ni], y[i*nt:(i+n)*nt], n, nil, nil)
			if grad != nil {
				for k, g := range m.Grads() {
					acc[k] += w * float64(g)
				}
			}
		}
		if grad != nil {
			copy(grad, acc)
		}
		return loss
	}
	return optimize.Problem{
		Func: func(p []float64) float64 { return pass(p, nil) },
		Grad: func(grad, p []float64) { pass(p, grad) },
	}
}
