package dsl

import (
	"bytes"
	"fmt"
	"sort"
)

// Parse reads one .ml file. name is used in positions (give the path the user typed). The
// returned error, if any, is an ErrorList; the File holds what could be parsed.
func Parse(name string, src []byte) (*File, error) {
	// A UTF-8 byte order mark, which some editors write, is not part of the text.
	src = bytes.TrimPrefix(src, []byte("\xEF\xBB\xBF"))
	p := &parser{toks: lex(name, src)}
	f := &File{Name: name}
	f.Stmts = p.stmts(false)
	f.End = p.toks[len(p.toks)-1].pos
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := p.errs[i].Pos, p.errs[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	if len(p.errs) > MaxErrors {
		p.errs = p.errs[:MaxErrors]
	}
	return f, p.errs.Err()
}

type parser struct {
	toks  []token
	i     int
	errs  ErrorList
	depth int // how deeply the current expression or block is nested
	// tooDeep is set once MaxDepth was passed and reported
	tooDeep bool
}

// MaxDepth bounds the nesting of parentheses, operators and repeat blocks: deeper input
// is refused at once instead of exhausting the stack.
const MaxDepth = 100

// enter counts one level of nesting at pos; the caller defers p.leave().
func (p *parser) enter(pos Pos) {
	p.depth++
	if p.depth > MaxDepth {
		if !p.tooDeep {
			p.errs = append(p.errs, &Error{pos, fmt.Sprintf("nested more than %d levels deep", MaxDepth)})
		}
		p.tooDeep = true // said once; the statements still open bail out silently
		panic(bail{})
	}
}

func (p *parser) leave() { p.depth-- }

// bail unwinds a statement after its first error; the parser resumes at the next line.
type bail struct{}

func (p *parser) tok() token  { return p.toks[p.i] }
func (p *parser) peek() token { return p.toks[min(p.i+1, len(p.toks)-1)] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) is(text string) bool { t := p.tok(); return t.kind == tOp && t.text == text }

func (p *parser) errorf(pos Pos, format string, args ...any) {
	if !p.tooDeep {
		p.errs = append(p.errs, &Error{pos, fmt.Sprintf(format, args...)})
	}
	panic(bail{})
}

func (p *parser) expected(what string) {
	t := p.tok()
	p.errorf(t.pos, "expected %s, found %s", what, t.describe())
}

func (p *parser) expect(text string) token {
	if !p.is(text) {
		p.expected("'" + text + "'")
	}
	return p.next()
}

func (p *parser) ident(what string) *Ident {
	t := p.tok()
	if t.kind != tIdent {
		p.expected(what)
	}
	p.next()
	return &Ident{t.pos, t.text}
}

// endStmt requires the end of the line (or of a block) after a statement.
func (p *parser) endStmt() {
	t := p.tok()
	switch {
	case t.kind == tNewline || t.kind == tEOF:
		p.next()
	case p.is("}"):
	default:
		p.expected("end of line")
	}
}

// stmts parses statements up to the end of file or, inside a block, the closing brace.
func (p *parser) stmts(inBlock bool) []Stmt {
	var out []Stmt
	for {
		for p.tok().kind == tNewline {
			p.next()
		}
		if p.tok().kind == tEOF || inBlock && p.is("}") {
			return out
		}
		if s := p.stmtRecover(); s != nil {
			out = append(out, s)
		}
		if len(p.errs) >= MaxErrors || p.tooDeep {
			return out // past MaxDepth the rest is not worth reading
		}
	}
}

func (p *parser) stmtRecover() (s Stmt) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bail); !ok {
				panic(r)
			}
			// Skip to the next line; an unbalanced brace or paren is reported once.
			for p.tok().kind != tNewline && p.tok().kind != tEOF {
				p.next()
			}
			// Lines that continue the statement (starting with a binary operator) go
			// with it, rather than each being reported as a statement that starts badly.
			for n := p.peek(); p.tok().kind == tNewline && n.kind == tOp && precedence[n.text] > 0; n = p.peek() {
				p.next()
				for p.tok().kind != tNewline && p.tok().kind != tEOF {
					p.next()
				}
			}
			s = nil
		}
	}()
	return p.stmt()
}

func (p *parser) stmt() Stmt {
	t := p.tok()
	if t.kind != tIdent {
		p.expected("a statement (model, input, a layer, loss, ...)")
	}
	switch t.text {
	case "model":
		p.next()
		s := &ModelStmt{Pos: t.pos, Name: p.ident("a model name")}
		p.endStmt()
		return s
	case "dtype":
		p.next()
		s := &DTypeStmt{Pos: t.pos, Name: p.ident("float32 or float64")}
		p.endStmt()
		return s
	case "input", "target":
		p.next()
		decls := p.decls()
		p.endStmt()
		if t.text == "input" {
			return &InputStmt{t.pos, decls}
		}
		return &TargetStmt{t.pos, decls}
	case "const":
		p.next()
		name := p.ident("a constant name")
		p.expect("=")
		s := &ConstStmt{t.pos, name, p.expr()}
		p.endStmt()
		return s
	case "repeat":
		p.enter(t.pos)
		defer p.leave()
		p.next()
		s := &RepeatStmt{Pos: t.pos, Count: p.expr()}
		if !p.is("{") {
			p.expected("'{' to open the repeated block")
		}
		open := p.next()
		p.endOfLineOptional()
		s.Body = p.stmts(true)
		if !p.is("}") {
			p.errorf(p.tok().pos, "expected '}' to close the block opened at %d:%d, found %s",
				open.pos.Line, open.pos.Col, p.tok().describe())
		}
		p.next()
		p.endStmt()
		return s
	case "loss":
		p.next()
		s := &LossStmt{t.pos, p.lossExpr()}
		p.endStmt()
		return s
	case "metric":
		p.next()
		s := &MetricStmt{Pos: t.pos}
		for {
			s.Names = append(s.Names, p.ident("a metric name"))
			if !p.is(",") {
				break
			}
			p.next()
		}
		p.endStmt()
		return s
	case "optimizer":
		p.next()
		s := &OptimizerStmt{Pos: t.pos}
		for {
			s.Steps = append(s.Steps, p.callOrName("an optimizer (adam, sgd, ...)"))
			if p.tok().kind != tIdent || p.tok().text != "then" {
				break
			}
			p.next()
		}
		p.endStmt()
		return s
	case "train":
		p.next()
		s := &TrainStmt{t.pos, p.args()}
		p.endStmt()
		return s
	case "points":
		p.next()
		s := &PointsStmt{Pos: t.pos, Name: p.ident("a point-set name")}
		open := p.expect("(").pos
		for {
			s.Cols = append(s.Cols, p.ident("an input name"))
			if !p.is(",") {
				break
			}
			p.next()
		}
		if p.is(";") {
			p.next()
			for {
				s.Known = append(s.Known, p.ident("the name of a known value"))
				if !p.is(",") {
					break
				}
				p.next()
			}
		}
		if !p.is(")") {
			p.errorf(p.tok().pos, "expected ',', ';' or ')' to close the point set opened at %d:%d, found %s",
				open.Line, open.Col, p.tok().describe())
		}
		p.next()
		if p.is("=") {
			p.next()
			s.Source = append(s.Source, p.generator())
			for p.continues("+") {
				p.next()
				s.Source = append(s.Source, p.generator())
			}
			for p.continues(",") {
				p.next()
				name := p.ident("the name of a known value, as in u0 = -sin(pi * x)")
				p.expect("=")
				s.Values = append(s.Values, &Arg{Name: name, Value: p.expr()})
			}
		}
		p.endStmt()
		return s
	case "data":
		p.next()
		s := &DataStmt{Pos: t.pos, Name: p.ident("train or test")}
		p.expect("=")
		s.Source = p.generator()
		p.endStmt()
		return s
	case "reference":
		p.next()
		s := &ReferenceStmt{Pos: t.pos, Name: p.ident("the name of an output or a param")}
		p.expect("=")
		if c := p.tok(); c.kind == tIdent && c.text == "csv" && p.peek().kind == tOp && p.peek().text == "(" {
			s.CSV = p.generator()
		} else {
			s.Expr = p.expr()
			if on := p.tok(); on.kind == tIdent && on.text == "on" {
				p.next()
				s.On = p.generator()
			}
		}
		p.endStmt()
		return s
	case "param":
		p.next()
		s := &ParamStmt{Pos: t.pos, Name: p.ident("the name of the coefficient")}
		p.expect("=")
		s.Value = p.expr()
		if p.is(",") {
			p.next()
			s.Args = p.args()
		}
		p.endStmt()
		return s
	case "features":
		p.next()
		s := &FeaturesStmt{Pos: t.pos}
		for {
			s.Exprs = append(s.Exprs, p.expr())
			if !p.is(",") {
				break
			}
			p.next()
		}
		p.endStmt()
		return s
	case "periodic":
		p.next()
		s := &PeriodicStmt{Pos: t.pos, Name: p.ident("an input name")}
		if in := p.tok(); in.kind != tIdent || in.text != "in" {
			p.expected("'in', as in periodic x in [0, 2*pi]")
		}
		p.next()
		if !p.is("[") {
			p.expected("'['")
		}
		s.Lo, s.Hi = p.interval()
		if p.is(",") {
			p.next()
			s.Args = p.args()
		}
		p.endStmt()
		return s
	case "residual", "let", "output":
		p.next()
		s := &LetStmt{Pos: t.pos, Keyword: t.text, Name: p.ident("a name")}
		p.expect("=")
		s.Value = p.expr()
		p.endStmt()
		return s
	}
	// Anything else is a layer; ir.Lower says whether it knows the kind.
	p.next()
	s := &LayerStmt{Pos: t.pos, Kind: &Ident{t.pos, t.text}}
	if !p.atLayerEnd() {
		s.Args = p.args()
	}
	if p.is("->") {
		p.next()
		for {
			s.Outputs = append(s.Outputs, p.ident("a name for the layer's output"))
			if !p.is(",") {
				break
			}
			p.next()
		}
	} else if !p.atLayerEnd() {
		p.expected("',', '->' or end of line")
	}
	p.endStmt()
	return s
}

func (p *parser) endOfLineOptional() {
	if p.tok().kind == tNewline {
		p.next()
	}
}

func (p *parser) atLayerEnd() bool {
	t := p.tok()
	return t.kind == tNewline || t.kind == tEOF || p.is("->") || p.is("}")
}

// decls parses `x[30], t` in input and target statements.
func (p *parser) decls() []*Decl {
	var out []*Decl
	for {
		d := &Decl{Name: p.ident("a name")}
		if p.is("[") {
			p.next()
			for {
				t := p.tok()
				if t.kind != tNumber {
					p.expected("a dimension (a positive integer)")
				}
				v, err := parseNumber(t.text)
				if err != nil || v != float64(int(v)) || v < 1 || v > 1<<30 {
					p.errorf(t.pos, "expected a dimension (a positive integer), found %s", t.describe())
				}
				p.next()
				d.Shape = append(d.Shape, int(v))
				d.ShapePos = append(d.ShapePos, t.pos)
				if !p.is(",") {
					break
				}
				p.next()
			}
			p.expect("]")
		}
		out = append(out, d)
		if !p.is(",") {
			return out
		}
		p.next()
	}
}

// args parses a comma-separated list of positional or named arguments.
func (p *parser) args() []*Arg {
	var out []*Arg
	for {
		out = append(out, p.arg())
		if !p.is(",") {
			return out
		}
		p.next()
	}
}

func (p *parser) arg() *Arg {
	if t := p.tok(); t.kind == tIdent {
		if n := p.peek(); n.kind == tOp && n.text == "=" {
			p.next()
			p.next()
			return &Arg{Name: &Ident{t.pos, t.text}, Value: p.expr()}
		}
	}
	return &Arg{Value: p.expr()}
}

func (p *parser) callOrName(what string) *Call {
	c := &Call{Fun: p.ident(what)}
	if p.is("(") {
		c.Lparen = p.next().pos
		c.Args = p.callArgs(c.Lparen)
	}
	return c
}

func (p *parser) callArgs(open Pos) []*Arg {
	var args []*Arg
	if !p.is(")") {
		args = p.args()
	}
	if !p.is(")") {
		p.errorf(p.tok().pos, "expected ',' or ')' to close the call opened at %d:%d, found %s",
			open.Line, open.Col, p.tok().describe())
	}
	p.next()
	return args
}
