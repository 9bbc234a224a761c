// Package dsl reads mlc's model language (.ml files) into a syntax tree.
//
// The language is line oriented: one statement per line, `#` starts a comment, and a
// statement continues on the next line when that line starts with a binary operator or
// while a parenthesis or bracket is open. Parse is the one verb; it returns the tree and
// an ErrorList whose entries say file:line:col, what was expected and what was found.
package dsl

import "fmt"

// Pos is a place in a source file. Lines and columns count from 1; columns count bytes.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.File == "" {
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// File is one parsed .ml file.
type File struct {
	Name  string
	Stmts []Stmt
	// End is the position just past the last character: where a missing statement is
	// reported.
	End Pos
}

// Stmt is one statement; Pos is where its keyword starts.
type Stmt interface{ StmtPos() Pos }

// ModelStmt is `model NAME`.
type ModelStmt struct {
	Pos  Pos
	Name *Ident
}

// DTypeStmt is `dtype float32|float64`.
type DTypeStmt struct {
	Pos  Pos
	Name *Ident
}

// Decl declares a named tensor: `x[30]`, `x[240, 3]` or a scalar `t`.
type Decl struct {
	Name  *Ident
	Shape []int
	// ShapePos holds the position of each dimension, for shape errors.
	ShapePos []Pos
}

// InputStmt is `input DECL, ...`: the network's inputs.
type InputStmt struct {
	Pos   Pos
	Decls []*Decl
}

// TargetStmt is `target DECL, ...`: known outputs a loss compares against.
type TargetStmt struct {
	Pos   Pos
	Decls []*Decl
}

// ConstStmt is `const NAME = EXPR`.
type ConstStmt struct {
	Pos   Pos
	Name  *Ident
	Value Expr
}

// LayerStmt is a layer of the network: `KIND ARG, ARG, ... [-> NAME, ...]`, for example
// `dense 20, tanh -> h`, `dense 3 -> u, v, p` or `conv1d 32, kernel = 10, padding = same, relu`.
type LayerStmt struct {
	Pos  Pos
	Kind *Ident
	Args []*Arg
	// Outputs name the layer's output: one name for all of it, or one per component.
	// Empty when the output is not named.
	Outputs []*Ident
}

// ParamStmt is `param NAME = EXPR [, positive]`: a trainable scalar (an unknown
// coefficient) with its initial value.
type ParamStmt struct {
	Pos   Pos
	Name  *Ident
	Value Expr
	Args  []*Arg
}

// PeriodicStmt is `periodic NAME in [LO, HI] [, harmonics = N]`: the input NAME is periodic
// with period HI - LO, and the network sees it through cos and sin.
type PeriodicStmt struct {
	Pos    Pos
	Name   *Ident
	Lo, Hi Expr
	Args   []*Arg
}

// RepeatStmt is `repeat N { STMTS }`.
type RepeatStmt struct {
	Pos   Pos
	Count Expr
	Body  []Stmt
}

// LossStmt is `loss EXPR`.
type LossStmt struct {
	Pos  Pos
	Expr Expr
}

// MetricStmt is `metric NAME, ...`.
type MetricStmt struct {
	Pos   Pos
	Names []*Ident
}

// OptimizerStmt is `optimizer STEP [then STEP ...]`, each step a name or a call with
// named arguments: `adam(lr = 1e-3)`.
type OptimizerStmt struct {
	Pos   Pos
	Steps []*Call
}

// TrainStmt is `train ARG, ...`: `epochs = 100, batch = 32, early_stopping(patience = 5)`.
type TrainStmt struct {
	Pos  Pos
	Args []*Arg
}

// PointsStmt is `points NAME(COL, ...; KNOWN, ...) [= SOURCE [+ SOURCE ...][, KNOWN = EXPR ...]]`:
// a set of points at which the loss is evaluated, given by input columns, with known values
// after the semicolon. Without a source the program that embeds the model gives the points.
type PointsStmt struct {
	Pos    Pos
	Name   *Ident
	Cols   []*Ident
	Known  []*Ident
	Source []*Generator // grids, samples and CSV files, their points one after another
	Values []*Arg       // KNOWN = EXPR: a known value as a function of the columns
}

// Generator makes points: `grid(x in [-1, 1] : 100, t = 0)`, `grid(x in {-1, 1}, t in [0, 1] : 50)`,
// `sample(5000, x in [-1, 1], t in [0, 1])` or `csv("file.csv", rows = 1000)`; or, in a data
// statement, the windows of a time series: `series("file.csv", range = "START/END")`.
type Generator struct {
	Kind   *Ident
	Lparen Pos
	Count  Expr     // sample's number of points (its first argument)
	Path   *String  // csv's or series' file, relative to the .ml file
	Coords []*Coord // x in [lo, hi] (: n), x in {a, b, ...}
	// Assigns are NAME = EXPR: a fixed coordinate (t = 0) or an option (rows = 1000,
	// method = lhs); Lower tells them apart by the set's columns.
	Assigns []*Arg
	// Ranges are NAME = LO:HI, a half-open range of a CSV file's columns or rows (x = 0:30,
	// rows = 0:559), counted from 0.
	Ranges []*Range
	// Texts are NAME = "text" options (a series' columns = "Bx,By,Bz", range = "START/END").
	Texts []*TextArg
}

// TextArg is `NAME = "text"` in a source.
type TextArg struct {
	Name  *Ident
	Value *String
}

// Range is `NAME = LO:HI` in a source.
type Range struct {
	Name   *Ident
	Lo, Hi Expr
}

// Coord is one coordinate's range in a generator: `x in [lo, hi]`, with `: n` points in a
// grid, or `x in {a, b, ...}`.
type Coord struct {
	Name   *Ident
	Lo, Hi Expr
	N      Expr   // nil unless given
	Values []Expr // x in {a, b}: the values themselves (Lo, Hi nil)
}

// String is a quoted string (a file name).
type String struct {
	Pos   Pos
	Value string
}

// ReferenceStmt is `reference NAME = csv("file.csv")`, `reference NAME = EXPR [on GENERATOR]`
// for an output (the solution the error is measured against), or `reference NAME = VALUE`
// for a param (its true value).
type ReferenceStmt struct {
	Pos  Pos
	Name *Ident
	CSV  *Generator // csv("file.csv")
	Expr Expr       // a closed form in the inputs
	On   *Generator // where a closed form is evaluated; nil: a grid over the point sets
}

func (s *ReferenceStmt) StmtPos() Pos { return s.Pos }

// DataStmt is `data train = csv("file.csv", x = 0:30, y = 30, ...)` (or data test): the rows
// a mini-batch model trains (or is tested) on, its inputs and targets by column.
type DataStmt struct {
	Pos    Pos
	Name   *Ident
	Source *Generator
}

func (s *DataStmt) StmtPos() Pos { return s.Pos }

// LetStmt is `residual NAME = EXPR`, `let NAME = EXPR` or `output NAME = EXPR`: a named
// expression of the network's outputs, for use in the loss; an output is also what the
// model predicts.
type LetStmt struct {
	Pos     Pos
	Keyword string
	Name    *Ident
	Value   Expr
}

func (s *PointsStmt) StmtPos() Pos    { return s.Pos }
func (s *ParamStmt) StmtPos() Pos     { return s.Pos }
func (s *PeriodicStmt) StmtPos() Pos  { return s.Pos }
func (s *LetStmt) StmtPos() Pos       { return s.Pos }
func (s *ModelStmt) StmtPos() Pos     { return s.Pos }
func (s *DTypeStmt) StmtPos() Pos     { return s.Pos }
func (s *InputStmt) StmtPos() Pos     { return s.Pos }
func (s *TargetStmt) StmtPos() Pos    { return s.Pos }
func (s *ConstStmt) StmtPos() Pos     { return s.Pos }
func (s *LayerStmt) StmtPos() Pos     { return s.Pos }
func (s *RepeatStmt) StmtPos() Pos    { return s.Pos }
func (s *LossStmt) StmtPos() Pos      { return s.Pos }
func (s *MetricStmt) StmtPos() Pos    { return s.Pos }
func (s *OptimizerStmt) StmtPos() Pos { return s.Pos }
func (s *TrainStmt) StmtPos() Pos     { return s.Pos }

// Arg is a positional (`tanh`) or named (`kernel = 10`) argument.
type Arg struct {
	Name  *Ident // nil for a positional argument
	Value Expr
}

// Expr is an expression.
type Expr interface{ ExprPos() Pos }

// Ident is a name.
type Ident struct {
	Pos  Pos
	Name string
}

// Number is a numeric literal; Text keeps its spelling so integers can be told apart.
type Number struct {
	Pos   Pos
	Value float64
	Text  string
}

// Call is `NAME(ARG, ...)`.
type Call struct {
	Fun    *Ident
	Args   []*Arg
	Lparen Pos // zero when written without parentheses
}

// Binary is `X OP Y` with OP one of + - * / ^ (arithmetic) or < > (in settings such as
// stop_when(rel_change < 1e-4)).
type Binary struct {
	OpPos Pos
	Op    string
	X, Y  Expr
}

// Unary is `-X`.
type Unary struct {
	OpPos Pos
	Op    string
	X     Expr
}

// FeaturesStmt is `features EXPR, ...`: what the network sees, as expressions of the
// inputs (by default it sees the inputs themselves).
type FeaturesStmt struct {
	Pos   Pos
	Exprs []Expr
}

func (s *FeaturesStmt) StmtPos() Pos { return s.Pos }

// Named is `X as NAME`, a term of the loss given the name it is reported under.
type Named struct {
	X  Expr
	As *Ident
}

// Paren is `(X)`; kept so positions and printing stay faithful.
type Paren struct {
	Lparen Pos
	X      Expr
}

func (e *Ident) ExprPos() Pos  { return e.Pos }
func (e *Number) ExprPos() Pos { return e.Pos }
func (e *Call) ExprPos() Pos   { return e.Fun.Pos }
func (e *Binary) ExprPos() Pos { return e.X.ExprPos() }
func (e *Unary) ExprPos() Pos  { return e.OpPos }
func (e *Paren) ExprPos() Pos  { return e.Lparen }
func (e *Named) ExprPos() Pos  { return e.X.ExprPos() }

// Error is one problem at one place.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is the errors of one run, sorted by position when returned.
type ErrorList []*Error

// MaxErrors caps the list, as go/scanner does: after that many, the rest is noise.
const MaxErrors = 10

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	s := ""
	for i, e := range l {
		if i > 0 {
			s += "\n"
		}
		s += e.Error()
	}
	return s
}

// Err returns nil for an empty list, so callers can `return list.Err()`.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Walk calls visit for e and then, depth first in source order, for every expression
// inside it (operands, call arguments).
func Walk(e Expr, visit func(Expr)) {
	visit(e)
	switch e := e.(type) {
	case *Paren:
		Walk(e.X, visit)
	case *Named:
		Walk(e.X, visit)
	case *Unary:
		Walk(e.X, visit)
	case *Binary:
		Walk(e.X, visit)
		Walk(e.Y, visit)
	case *Call:
		for _, a := range e.Args {
			Walk(a.Value, visit)
		}
	}
}

// Rewrite returns e with every expression x inside it (operands and call arguments first,
// then x itself) replaced by f(x); f returns x to keep it. The nodes on the path to a
// change are copied, so e itself is never modified.
func Rewrite(e Expr, f func(Expr) Expr) Expr {
	switch x := e.(type) {
	case *Paren:
		if y := Rewrite(x.X, f); y != x.X {
			c := *x
			c.X = y
			e = &c
		}
	case *Named:
		if y := Rewrite(x.X, f); y != x.X {
			c := *x
			c.X = y
			e = &c
		}
	case *Unary:
		if y := Rewrite(x.X, f); y != x.X {
			c := *x
			c.X = y
			e = &c
		}
	case *Binary:
		l, r := Rewrite(x.X, f), Rewrite(x.Y, f)
		if l != x.X || r != x.Y {
			c := *x
			c.X, c.Y = l, r
			e = &c
		}
	case *Call:
		var args []*Arg
		for i, a := range x.Args {
			if v := Rewrite(a.Value, f); v != a.Value {
				if args == nil {
					args = append([]*Arg(nil), x.Args...)
				}
				b := *a
				b.Value = v
				args[i] = &b
			}
		}
		if args != nil {
			c := *x
			c.Args = args
			e = &c
		}
	}
	return f(e)
}
