package dsl

import (
	"errors"
	"strconv"
)

// Expressions: operators by precedence, calls, numbers, names, and the loss's named terms.

var precedence = map[string]int{"<": 1, ">": 1, "+": 2, "-": 2, "*": 3, "/": 3, "^": 5}

// binaryOp reports the operator at the cursor, looking past a line break: a line that
// starts with a binary operator continues the expression of the line before.
func (p *parser) binaryOp() (string, bool) {
	t := p.tok()
	if t.kind == tNewline {
		n := p.peek()
		if n.kind == tOp && precedence[n.text] > 0 {
			p.next()
			t = n
		}
	}
	if t.kind == tOp && precedence[t.text] > 0 {
		return t.text, true
	}
	return "", false
}

func (p *parser) expr() Expr { return p.binary(1) }

// lossExpr parses a loss: terms joined by + and -, each optionally named, as in
// `5 * mean(boundary, (u - u_bd)^2) as initial + mean(interior, r^2) as pde`.
func (p *parser) lossExpr() Expr {
	x := p.lossTerm()
	for {
		op, ok := p.binaryOp()
		if !ok {
			return x
		}
		t := p.next()
		if op == "<" || op == ">" { // refused by Lower, which says why
			x = &Binary{t.pos, op, x, p.binary(precedence["+"])}
			continue
		}
		x = &Binary{t.pos, op, x, p.lossTerm()}
	}
}

func (p *parser) lossTerm() Expr {
	x := p.binary(precedence["*"])
	if t := p.tok(); t.kind == tIdent && t.text == "as" {
		p.next()
		return &Named{X: x, As: p.ident("a name for the loss term")}
	}
	return x
}

func (p *parser) binary(minPrec int) Expr {
	p.enter(p.tok().pos)
	defer p.leave()
	x := p.unary()
	for {
		op, ok := p.binaryOp()
		if !ok || precedence[op] < minPrec {
			return x
		}
		t := p.next()
		next := precedence[op] + 1
		if op == "^" {
			next = precedence[op] // right associative
		}
		x = &Binary{t.pos, op, x, p.binary(next)}
	}
}

func (p *parser) unary() Expr {
	if p.is("-") || p.is("+") {
		t := p.next()
		// -x^2 is -(x^2), as in mathematics.
		return &Unary{t.pos, t.text, p.binary(4)}
	}
	return p.primary()
}

func (p *parser) primary() Expr {
	t := p.tok()
	switch {
	case t.kind == tNumber:
		p.next()
		v, err := parseNumber(t.text)
		if errors.Is(err, strconv.ErrRange) && v != 0 {
			p.errorf(t.pos, "the number %s is too large (at most about 1.8e308)", t.describe())
		}
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			p.errorf(t.pos, "malformed number %s", t.describe())
		}
		return &Number{t.pos, v, t.text}
	case t.kind == tIdent:
		p.next()
		id := &Ident{t.pos, t.text}
		if p.is("(") {
			open := p.next().pos
			return &Call{Fun: id, Lparen: open, Args: p.callArgs(open)}
		}
		return id
	case p.is("("):
		p.next()
		x := p.expr()
		if !p.is(")") {
			p.errorf(p.tok().pos, "expected ')' to close the '(' at %d:%d, found %s",
				t.pos.Line, t.pos.Col, p.tok().describe())
		}
		p.next()
		return &Paren{t.pos, x}
	}
	p.expected("an expression")
	return nil
}
