package ir

import (
	"math"

	"github.com/mlc-go/mlc/dsl"
)

// Constant expressions: the numbers a model's statements are written with.

// constExpr evaluates a constant expression: numbers, named constants, pi, arithmetic.
// A result that is not a finite number is an error at the expression.
func (l *lowerer) constExpr(e dsl.Expr) (float64, bool) {
	v, ok := l.constValue(e)
	if ok && (math.IsInf(v, 0) || math.IsNaN(v)) {
		l.errorf(e.ExprPos(), "the constant is %v: expected a finite number", v)
		return 0, false
	}
	return v, ok
}

func (l *lowerer) constValue(e dsl.Expr) (float64, bool) {
	switch e := e.(type) {
	case *dsl.Number:
		return e.Value, true
	case *dsl.Paren:
		return l.constValue(e.X)
	case *dsl.Ident:
		if e.Name == "pi" {
			return math.Pi, true
		}
		if b, ok := l.scope[e.Name]; ok && b.kind == "const" {
			return b.value, true
		}
		l.errorf(e.Pos, "expected a constant, found '%s'", e.Name)
	case *dsl.Unary:
		v, ok := l.constValue(e.X)
		if e.Op == "-" {
			v = -v
		}
		return v, ok
	case *dsl.Binary:
		if e.Op == "<" || e.Op == ">" {
			l.errorf(e.OpPos, "expected a number, found a comparison ('%s')", e.Op)
			return 0, false
		}
		x, ok1 := l.constValue(e.X)
		y, ok2 := l.constValue(e.Y)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch e.Op {
		case "+":
			return x + y, true
		case "-":
			return x - y, true
		case "*":
			return x * y, true
		case "/":
			return x / y, true
		case "^":
			return math.Pow(x, y), true
		}
	case *dsl.Call:
		l.errorf(e.Fun.Pos, "expected a constant, found a call of '%s'", e.Fun.Name)
	}
	return 0, false
}

func (l *lowerer) intExpr(e dsl.Expr, what string) (int, bool) {
	v, ok := l.constExpr(e)
	if !ok {
		return 0, false
	}
	if v != math.Trunc(v) || v < 1 || v > maxSize {
		l.errorf(e.ExprPos(), "expected %s (an integer from 1 to %d), found %v", what, maxSize, v)
		return 0, false
	}
	return int(v), true
}
