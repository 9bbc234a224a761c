package difftest

import (
	"strconv"
	"strings"
)

// Expr is the generator's own syntax tree of a loss, let or residual expression. The
// generator builds it, writes it as .ml text (src) and evaluates it (ref.go), so the
// reference follows what the source says, not how mlc lowered it.
type Expr interface{ prec() int }

type (
	// Num is a literal number (never negative: a minus is a Neg).
	Num struct{ V float64 }
	// Ref names an input, layer output, target, known value, let or constant.
	Ref struct{ Name string }
	// Neg is -X.
	Neg struct{ X Expr }
	// Bin is X op Y for op one of + - * /.
	Bin struct {
		Op   byte
		X, Y Expr
	}
	// Sq is X^2.
	Sq struct{ X Expr }
	// Pow is X^N for an integer N, the exponent written as Src: 3, -2, (-2), or the name
	// of a constant whose value is N.
	Pow struct {
		X   Expr
		N   int
		Src string
	}
	// Named is `X as NAME`, a top-level term of a loss reported under NAME.
	Named struct {
		X    Expr
		Name string
	}
	// Fn is an elementwise function: tanh exp log sin cos abs sigmoid relu softplus.
	Fn struct {
		Name string
		X    Expr
	}
	// LossFn is mse, mae or binary_crossentropy of a prediction and a target.
	LossFn struct {
		Name string
		P, Y Ref
	}
	// Mean is mean(X) over every row (mini-batch) or point, and every element.
	Mean struct{ X Expr }
	// SetMean is mean(S, X) over point sets: the union of Sets, or with Minus the rows of
	// Sets[0] not in the others (written left - right).
	SetMean struct {
		Sets  []string
		Minus bool
		X     Expr
	}
	// D is d(X, v1[, v2]): a derivative with respect to scalar inputs.
	D struct {
		X    Expr
		Vars []string
	}
	// Fourier is fourier(a, b, features = M, scale = S, seed = K), random Fourier features:
	// a feature of a features statement only.
	Fourier struct {
		Args  []Expr
		M     int
		Scale float64
		Seed  int
	}
)

func (Num) prec() int     { return 6 }
func (Ref) prec() int     { return 6 }
func (Fn) prec() int      { return 6 }
func (LossFn) prec() int  { return 6 }
func (Mean) prec() int    { return 6 }
func (SetMean) prec() int { return 6 }
func (D) prec() int       { return 6 }
func (Fourier) prec() int { return 6 }
func (Sq) prec() int      { return 5 }
func (Pow) prec() int     { return 5 }
func (Named) prec() int   { return 2 }
func (Neg) prec() int     { return 4 }
func (b Bin) prec() int {
	if b.Op == '+' || b.Op == '-' {
		return 2
	}
	return 3
}

// src writes e as .ml text with the parentheses the grammar needs and no more: `-x^2` is
// -(x^2), `^` is right-associative, + - * / are left-associative.
func src(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func writeExpr(b *strings.Builder, e Expr) {
	paren := func(x Expr, need bool) {
		if need {
			b.WriteByte('(')
		}
		writeExpr(b, x)
		if need {
			b.WriteByte(')')
		}
	}
	switch e := e.(type) {
	case Num:
		b.WriteString(fmtNum(e.V))
	case Ref:
		b.WriteString(e.Name)
	case Neg:
		b.WriteByte('-')
		paren(e.X, e.X.prec() < 5)
	case Bin:
		_, named := e.Y.(Named) // a named term is written bare, as the loss's grammar wants
		paren(e.X, e.X.prec() < e.prec())
		b.WriteString(" " + string(e.Op) + " ")
		paren(e.Y, !named && e.Y.prec() <= e.prec())
	case Sq:
		paren(e.X, e.X.prec() < 6)
		b.WriteString("^2")
	case Pow:
		paren(e.X, e.X.prec() < 6)
		b.WriteString("^" + e.Src)
	case Named:
		paren(e.X, e.X.prec() <= 2)
		b.WriteString(" as " + e.Name)
	case Fn:
		b.WriteString(e.Name + "(")
		writeExpr(b, e.X)
		b.WriteByte(')')
	case LossFn:
		b.WriteString(e.Name + "(" + e.P.Name + ", " + e.Y.Name + ")")
	case Mean:
		b.WriteString("mean(")
		writeExpr(b, e.X)
		b.WriteByte(')')
	case SetMean:
		op := " + "
		if e.Minus {
			op = " - "
		}
		b.WriteString("mean(" + strings.Join(e.Sets, op) + ", ")
		writeExpr(b, e.X)
		b.WriteByte(')')
	case D:
		b.WriteString("d(")
		writeExpr(b, e.X)
		for _, v := range e.Vars {
			b.WriteString(", " + v)
		}
		b.WriteByte(')')
	case Fourier:
		b.WriteString("fourier(")
		for _, a := range e.Args {
			writeExpr(b, a)
			b.WriteString(", ")
		}
		b.WriteString("features = " + strconv.Itoa(e.M) + ", scale = " + fmtNum(e.Scale) + ", seed = " + strconv.Itoa(e.Seed) + ")")
	default:
		panic("difftest: unknown expression")
	}
}

// fmtNum writes a non-negative number the way a person would: 0.5, 2, 1e-05.
func fmtNum(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// term is one summand of a loss with its sign, as mlc splits it for Terms.
type term struct {
	e   Expr
	neg bool
}

// splitTerms splits a loss at its top-level + and -, descending into both operands, as
// the compiler names and reports its terms.
func splitTerms(e Expr) []term {
	var out []term
	var walk func(e Expr, neg bool)
	walk = func(e Expr, neg bool) {
		if b, ok := e.(Bin); ok && (b.Op == '+' || b.Op == '-') {
			walk(b.X, neg)
			walk(b.Y, neg != (b.Op == '-'))
			return
		}
		out = append(out, term{e, neg})
	}
	walk(e, false)
	return out
}

// sum adds terms left to right: t1 + t2 - t3 …; a term whose sign is negative is
// subtracted.
func sum(terms []term) Expr {
	var e Expr
	for _, t := range terms {
		switch {
		case e == nil && t.neg:
			e = Neg{t.e}
		case e == nil:
			e = t.e
		case t.neg:
			e = Bin{'-', e, t.e}
		default:
			e = Bin{'+', e, t.e}
		}
	}
	return e
}

// walkExpr calls f on e and every subexpression.
func walkExpr(e Expr, f func(Expr)) {
	f(e)
	switch e := e.(type) {
	case Neg:
		walkExpr(e.X, f)
	case Bin:
		walkExpr(e.X, f)
		walkExpr(e.Y, f)
	case Sq:
		walkExpr(e.X, f)
	case Pow:
		walkExpr(e.X, f)
	case Named:
		walkExpr(e.X, f)
	case Fn:
		walkExpr(e.X, f)
	case LossFn:
		walkExpr(e.P, f)
		walkExpr(e.Y, f)
	case Mean:
		walkExpr(e.X, f)
	case SetMean:
		walkExpr(e.X, f)
	case D:
		walkExpr(e.X, f)
	case Fourier:
		for _, a := range e.Args {
			walkExpr(a, f)
		}
	}
}
