package difftest

import "math"

// maxVars is the most scalar inputs a point-set model gets, and so the most directions a
// jet carries.
const maxVars = 3

// jetOrder is the highest derivative a jet carries: 3, so that a derivative taken of a
// value that is itself a second derivative (d(uxx, x) through a let) has a reference.
const jetOrder = 3

// jet is a truncated multivariate Taylor expansion: a value with its first, second and
// third partial derivatives with respect to nv scalar inputs. It is the reference's own
// forward-mode differentiation, written from the calculus (Leibniz and Faà di Bruno) and
// sharing nothing with ir's Tangent, so a wrong derivative rule in the compiler cannot hide
// behind the same rule here. ord is how many orders are still valid: d(…) lowers it by
// one, so a fourth derivative is known to be unknown instead of silently zero.
type jet struct {
	nv  int
	ord int
	v   float64
	g   [maxVars]float64
	h   [maxVars][maxVars]float64
	t   [maxVars][maxVars][maxVars]float64
}

// constJet is c with every derivative zero.
func constJet(nv int, c float64) jet { return jet{nv: nv, ord: jetOrder, v: c} }

// varJet is input i at value x: derivative 1 in direction i.
func varJet(nv, i int, x float64) jet {
	j := constJet(nv, x)
	j.g[i] = 1
	return j
}

func (a jet) add(b jet) jet {
	r := jet{nv: max(a.nv, b.nv), ord: min(a.ord, b.ord), v: a.v + b.v}
	for i := 0; i < r.nv; i++ {
		r.g[i] = a.g[i] + b.g[i]
		for j := 0; j < r.nv; j++ {
			r.h[i][j] = a.h[i][j] + b.h[i][j]
			for k := 0; k < r.nv; k++ {
				r.t[i][j][k] = a.t[i][j][k] + b.t[i][j][k]
			}
		}
	}
	return r
}

// scale is c·a.
func (a jet) scale(c float64) jet {
	r := a
	r.v *= c
	for i := 0; i < a.nv; i++ {
		r.g[i] *= c
		for j := 0; j < a.nv; j++ {
			r.h[i][j] *= c
			for k := 0; k < a.nv; k++ {
				r.t[i][j][k] *= c
			}
		}
	}
	return r
}

func (a jet) neg() jet      { return a.scale(-1) }
func (a jet) sub(b jet) jet { return a.add(b.neg()) }

// mul is the Leibniz rule up to third order.
func (a jet) mul(b jet) jet {
	r := jet{nv: max(a.nv, b.nv), ord: min(a.ord, b.ord), v: a.v * b.v}
	n := r.nv
	for i := 0; i < n; i++ {
		r.g[i] = a.g[i]*b.v + a.v*b.g[i]
		for j := 0; j < n; j++ {
			r.h[i][j] = a.h[i][j]*b.v + a.g[i]*b.g[j] + a.g[j]*b.g[i] + a.v*b.h[i][j]
			for k := 0; k < n; k++ {
				r.t[i][j][k] = a.t[i][j][k]*b.v +
					a.h[i][j]*b.g[k] + a.h[i][k]*b.g[j] + a.h[j][k]*b.g[i] +
					a.g[i]*b.h[j][k] + a.g[j]*b.h[i][k] + a.g[k]*b.h[i][j] +
					a.v*b.t[i][j][k]
			}
		}
	}
	return r
}

// compose is φ(a) given φ and its first three derivatives at a.v (Faà di Bruno).
func (a jet) compose(f0, f1, f2, f3 float64) jet {
	r := jet{nv: a.nv, ord: a.ord, v: f0}
	n := a.nv
	for i := 0; i < n; i++ {
		r.g[i] = f1 * a.g[i]
		for j := 0; j < n; j++ {
			r.h[i][j] = f2*a.g[i]*a.g[j] + f1*a.h[i][j]
			for k := 0; k < n; k++ {
				r.t[i][j][k] = f3*a.g[i]*a.g[j]*a.g[k] +
					f2*(a.h[i][j]*a.g[k]+a.h[i][k]*a.g[j]+a.h[j][k]*a.g[i]) +
					f1*a.t[i][j][k]
			}
		}
	}
	return r
}

// div is a·(1/b).
func (a jet) div(b jet) jet {
	x := b.v
	return a.mul(b.compose(1/x, -1/(x*x), 2/(x*x*x), -6/(x*x*x*x)))
}

// fn applies a named elementwise function: the activations and the loss's functions.
func (a jet) fn(name string) jet {
	x := a.v
	switch name {
	case "linear":
		return a
	case "tanh":
		t := math.Tanh(x)
		s := 1 - t*t
		return a.compose(t, s, -2*t*s, s*(6*t*t-2))
	case "sigmoid":
		s := 1 / (1 + math.Exp(-x))
		d := s * (1 - s)
		return a.compose(s, d, d*(1-2*s), d*(1-6*s+6*s*s))
	case "softplus":
		s := 1 / (1 + math.Exp(-x))
		d := s * (1 - s)
		return a.compose(softplus(x), s, d, d*(1-2*s))
	case "silu": // x·σ(x)
		s := 1 / (1 + math.Exp(-x))
		d, u := s*(1-s), 1-2*s
		return a.compose(x*s, s*(1+x*(1-s)), d*(2+x*u), d*(u*(3+x*u)-2*x*d))
	case "relu":
		if x > 0 {
			return a.compose(x, 1, 0, 0)
		}
		return a.compose(0, 0, 0, 0)
	case "abs":
		switch {
		case x > 0:
			return a.compose(x, 1, 0, 0)
		case x < 0:
			return a.compose(-x, -1, 0, 0)
		}
		return a.compose(0, 0, 0, 0)
	case "sin":
		s, c := math.Sin(x), math.Cos(x)
		return a.compose(s, c, -s, -c)
	case "cos":
		s, c := math.Sin(x), math.Cos(x)
		return a.compose(c, -s, -c, s)
	case "exp":
		e := math.Exp(x)
		return a.compose(e, e, e, e)
	case "log":
		return a.compose(math.Log(x), 1/x, -1/(x*x), 2/(x*x*x))
	}
	panic("difftest: jet: unknown function " + name)
}

// softplus is log(1 + eˣ) without overflow.
func softplus(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// deriv is ∂a/∂x_i: the jet shifted down one order. Its value is a first derivative and
// it knows one order less.
func (a jet) deriv(i int) jet {
	r := jet{nv: a.nv, ord: a.ord - 1, v: a.g[i]}
	for p := 0; p < a.nv; p++ {
		r.g[p] = a.h[i][p]
		for q := 0; q < a.nv; q++ {
			r.h[p][q] = a.t[i][p][q]
		}
	}
	return r
}
