package difftest

import "math"

// maxVars is the most scalar inputs a point-set model gets, and so the most directions a
// jet carries.
const maxVars = 3

// jetOrder is the highest derivative a jet carries: 4, the highest order the language has,
// so that every derivative a valid model takes (d(u, x, x, t, t), or d(uxx, x, x) of a let
// holding a second derivative) has a reference.
const jetOrder = 4

// maxMonos is the number of monomials of degree at most jetOrder in maxVars variables:
// C(maxVars+jetOrder, jetOrder).
const maxMonos = 35

// jet is a truncated multivariate Taylor polynomial: c[k] is the coefficient of monomial k
// (in the order of monos[nv], graded by degree, c[0] the value), that is ∂^α f / α! for the
// monomial's exponents α, up to degree jetOrder in nv scalar inputs. Its arithmetic is
// polynomial arithmetic truncated at that degree, and a function of a jet is its Taylor
// series in the jet's non-constant part: the reference's own forward-mode differentiation,
// written from the calculus and sharing nothing with ir's Tangent, so a wrong derivative
// rule in the compiler cannot hide behind the same rule here. ord is how many orders are
// still valid: d(…) lowers it by one, so a fifth derivative is known to be unknown instead
// of silently zero.
type jet struct {
	nv  int
	ord int
	c   [maxMonos]float64
}

// jetTables are, for one number of variables, the monomials and the products of pairs.
type jetTables struct {
	monos [][maxVars]int // exponents, graded by degree
	// pairs are the (i, j, k) with monos[i] + monos[j] = monos[k], degree ≤ jetOrder.
	pairs [][3]int
	// up[k][i] is the monomial monos[k] times x_i, or -1 past degree jetOrder.
	up [][maxVars]int
}

var tables [maxVars + 1]jetTables

func init() {
	for nv := 0; nv <= maxVars; nv++ {
		t := &tables[nv]
		index := map[[maxVars]int]int{}
		for deg := 0; deg <= jetOrder; deg++ {
			var rec func(i, left int, e [maxVars]int)
			rec = func(i, left int, e [maxVars]int) {
				if i == nv || i == maxVars {
					if left == 0 {
						index[e] = len(t.monos)
						t.monos = append(t.monos, e)
					}
					return
				}
				for p := left; p >= 0; p-- {
					e[i] = p
					rec(i+1, left-p, e)
				}
			}
			rec(0, deg, [maxVars]int{})
		}
		for i, a := range t.monos {
			for j, b := range t.monos {
				var s [maxVars]int
				deg := 0
				for v := range s {
					s[v] = a[v] + b[v]
					deg += s[v]
				}
				if deg <= jetOrder {
					t.pairs = append(t.pairs, [3]int{i, j, index[s]})
				}
			}
		}
		t.up = make([][maxVars]int, len(t.monos))
		for k, a := range t.monos {
			for v := 0; v < maxVars; v++ {
				t.up[k][v] = -1
				if v < nv {
					b := a
					b[v]++
					if n, ok := index[b]; ok {
						t.up[k][v] = n
					}
				}
			}
		}
	}
}

// n is the number of coefficients a's jets have.
func (a jet) n() int { return len(tables[a.nv].monos) }

// val is the value.
func (a jet) val() float64 { return a.c[0] }

// constJet is c with every derivative zero.
func constJet(nv int, c float64) jet {
	j := jet{nv: nv, ord: jetOrder}
	j.c[0] = c
	return j
}

// varJet is input i at value x: derivative 1 in direction i.
func varJet(nv, i int, x float64) jet {
	j := constJet(nv, x)
	j.c[1+i] = 1 // the monomials of degree 1 are x_0, x_1, … in order
	return j
}

func same(a, b jet) {
	if a.nv != b.nv {
		panic("difftest: jets of different numbers of variables")
	}
}

func (a jet) add(b jet) jet {
	same(a, b)
	r := jet{nv: a.nv, ord: min(a.ord, b.ord)}
	for k := range a.n() {
		r.c[k] = a.c[k] + b.c[k]
	}
	return r
}

// scale is c·a.
func (a jet) scale(c float64) jet {
	r := a
	for k := range a.n() {
		r.c[k] *= c
	}
	return r
}

func (a jet) neg() jet      { return a.scale(-1) }
func (a jet) sub(b jet) jet { return a.add(b.neg()) }

// mul is the product of the polynomials, truncated.
func (a jet) mul(b jet) jet {
	same(a, b)
	r := jet{nv: a.nv, ord: min(a.ord, b.ord)}
	for _, p := range tables[a.nv].pairs {
		r.c[p[2]] += a.c[p[0]] * b.c[p[1]]
	}
	return r
}

// compose is φ(a) given φ and its first four derivatives at a's value: the Taylor series
// Σ φ⁽ᵏ⁾/k! · dᵏ of the non-constant part d of a, which has no term below degree k.
func (a jet) compose(f ...float64) jet {
	d := a
	d.c[0] = 0
	r := constJet(a.nv, f[0])
	r.ord = a.ord
	p := constJet(a.nv, 1)
	fact := 1.0
	for k := 1; k <= jetOrder && k < len(f); k++ {
		p = p.mul(d)
		fact *= float64(k)
		if f[k] != 0 {
			r = r.add(p.scale(f[k] / fact))
		}
	}
	r.ord = a.ord
	return r
}

// div is a·(1/b).
func (a jet) div(b jet) jet {
	x := b.val()
	return a.mul(b.compose(1/x, -1/(x*x), 2/(x*x*x), -6/(x*x*x*x), 24/(x*x*x*x*x)))
}

// pow is aⁿ for an integer n: the derivatives n(n-1)…(n-k+1)·x^(n-k).
func (a jet) pow(n int) jet {
	x := a.val()
	f := make([]float64, jetOrder+1)
	ff := 1.0 // the falling factorial n(n-1)…(n-k+1)
	for k := range f {
		if ff != 0 {
			f[k] = ff * math.Pow(x, float64(n-k))
		}
		ff *= float64(n - k)
	}
	return a.compose(f...)
}

// sigmoidDerivs are σ and its first four derivatives at x.
func sigmoidDerivs(x float64) [5]float64 {
	s := 1 / (1 + math.Exp(-x))
	d := s * (1 - s)
	return [5]float64{s, d, d * (1 - 2*s), d * (1 - 6*s + 6*s*s), d * (1 - 2*s) * (1 - 12*s + 12*s*s)}
}

// fn applies a named elementwise function: the activations and the loss's functions.
func (a jet) fn(name string) jet {
	x := a.val()
	switch name {
	case "linear":
		return a
	case "tanh":
		t := math.Tanh(x)
		s := 1 - t*t
		return a.compose(t, s, -2*t*s, s*(6*t*t-2), 8*t*s*(2-3*t*t))
	case "sigmoid":
		s := sigmoidDerivs(x)
		return a.compose(s[:]...)
	case "softplus":
		s := sigmoidDerivs(x)
		return a.compose(softplus(x), s[0], s[1], s[2], s[3])
	case "silu": // x·σ(x): the k-th derivative is x·σ⁽ᵏ⁾ + k·σ⁽ᵏ⁻¹⁾
		s := sigmoidDerivs(x)
		return a.compose(x*s[0], x*s[1]+s[0], x*s[2]+2*s[1], x*s[3]+3*s[2], x*s[4]+4*s[3])
	case "relu":
		if x > 0 {
			return a.compose(x, 1)
		}
		return a.compose(0, 0)
	case "abs":
		switch {
		case x > 0:
			return a.compose(x, 1)
		case x < 0:
			return a.compose(-x, -1)
		}
		return a.compose(0, 0)
	case "sin":
		s, c := math.Sin(x), math.Cos(x)
		return a.compose(s, c, -s, -c, s)
	case "cos":
		s, c := math.Sin(x), math.Cos(x)
		return a.compose(c, -s, -c, s, c)
	case "exp":
		e := math.Exp(x)
		return a.compose(e, e, e, e, e)
	case "log":
		return a.compose(math.Log(x), 1/x, -1/(x*x), 2/(x*x*x), -6/(x*x*x*x))
	}
	panic("difftest: jet: unknown function " + name)
}

// softplus is log(1 + eˣ) without overflow.
func softplus(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// deriv is ∂a/∂x_i: the coefficient of monomial β of the result is (β_i+1) times a's
// coefficient of β·x_i. Its value is a first derivative and it knows one order less.
func (a jet) deriv(i int) jet {
	t := &tables[a.nv]
	r := jet{nv: a.nv, ord: a.ord - 1}
	for k, m := range t.monos {
		if up := t.up[k][i]; up >= 0 {
			r.c[k] = float64(m[i]+1) * a.c[up]
		}
	}
	return r
}
