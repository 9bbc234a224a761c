package dsl

// Sources of points: grid(...), sample(N, ...) and csv("file", ...), with their coordinate
// ranges.

// continues reports whether the statement goes on with op, here or at the start of the
// next line.
func (p *parser) continues(op string) bool {
	if p.tok().kind == tNewline {
		if n := p.peek(); n.kind == tOp && n.text == op {
			p.next()
		}
	}
	return p.is(op)
}

// generator parses grid(...), sample(N, ...), csv("file", ...) or series("file", ...).
func (p *parser) generator() *Generator {
	g := &Generator{Kind: p.ident("a source of points: grid(...), sample(N, ...) or csv(\"file\")")}
	switch g.Kind.Name {
	case "grid", "sample", "csv", "series":
	default:
		p.errorf(g.Kind.Pos, "unknown source of points '%s'; expected grid(...), sample(N, ...) or csv(\"file\")", g.Kind.Name)
	}
	if !p.is("(") {
		p.expected("'(' after " + g.Kind.Name)
	}
	g.Lparen = p.next().pos
	for first := true; ; first = false {
		t := p.tok()
		switch {
		case t.kind == tString:
			if !first || g.Kind.Name != "csv" && g.Kind.Name != "series" {
				p.errorf(t.pos, "a file name is csv's first argument, as in csv(\"data.csv\")")
			}
			g.Path = &String{t.pos, t.text}
			p.next()
		case t.kind == tIdent && p.peek().kind == tIdent && p.peek().text == "in":
			g.Coords = append(g.Coords, p.coord())
		case t.kind == tIdent && p.peek().kind == tOp && p.peek().text == "=":
			p.next()
			p.next()
			if s := p.tok(); s.kind == tString { // an option whose value is text: range = "START/END"
				g.Texts = append(g.Texts, &TextArg{Name: &Ident{t.pos, t.text}, Value: &String{s.pos, s.text}})
				p.next()
				break
			}
			name, v := &Ident{t.pos, t.text}, p.expr()
			if p.is(":") {
				p.next()
				g.Ranges = append(g.Ranges, &Range{Name: name, Lo: v, Hi: p.expr()})
				break
			}
			g.Assigns = append(g.Assigns, &Arg{Name: name, Value: v})
		case first && g.Kind.Name == "sample":
			g.Count = p.expr()
		default:
			p.expected("a coordinate range (x in [-1, 1]), a fixed value (t = 0) or an option (rows = 100)")
		}
		if !p.is(",") {
			break
		}
		p.next()
	}
	if !p.is(")") {
		p.errorf(p.tok().pos, "expected ',' or ')' to close the %s opened at %d:%d, found %s", g.Kind.Name, g.Lparen.Line, g.Lparen.Col, p.tok().describe())
	}
	p.next()
	return g
}

// coord parses `x in [lo, hi] [: n]` or `x in {a, b, ...}`.
func (p *parser) coord() *Coord {
	c := &Coord{Name: p.ident("a coordinate")}
	p.next() // in
	switch {
	case p.is("["):
		c.Lo, c.Hi = p.interval()
		if p.is(":") {
			p.next()
			c.N = p.expr()
		}
	case p.is("{"):
		open := p.next().pos
		for {
			c.Values = append(c.Values, p.expr())
			if !p.is(",") {
				break
			}
			p.next()
		}
		if !p.is("}") {
			p.errorf(p.tok().pos, "expected ',' or '}' to close the values opened at %d:%d, found %s", open.Line, open.Col, p.tok().describe())
		}
		p.next()
	default:
		p.expected("an interval [lo, hi] or values {a, b}")
	}
	return c
}

// interval parses `[lo, hi]`, the cursor on the '['.
func (p *parser) interval() (lo, hi Expr) {
	open := p.next().pos
	lo = p.expr()
	p.expect(",")
	hi = p.expr()
	if !p.is("]") {
		p.errorf(p.tok().pos, "expected ']' to close the interval opened at %d:%d, found %s", open.Line, open.Col, p.tok().describe())
	}
	p.next()
	return lo, hi
}
