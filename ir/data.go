package ir

// The data statements of a mini-batch model: the CSV rows it trains and is tested on, with
// its inputs and targets by column, for `mlc train`.

import (
	"math"

	"github.com/mlc-go/mlc/dsl"
)

// DataSet is `data train = csv(...)` or `data test = csv(...)`.
type DataSet struct {
	Name string // "train" or "test"
	Path string // relative to the .ml file
	// Skip is the number of lines before the data (a header); RowLo, RowHi the half-open range
	// of data rows to read (RowHi 0: to the end).
	Skip         int
	RowLo, RowHi int
	// Columns gives each input, then each target, its half-open range of columns, counted
	// from 0, in the order of Model.Inputs and Model.Targets.
	Columns []ColumnSpan
	// Standardize scales the inputs to zero mean and unit variance over the rows the model
	// trains on (the validation rows excluded); the test rows get the same scaling.
	Standardize bool
	Pos         dsl.Pos
}

// ColumnSpan is a tensor's columns in a CSV file.
type ColumnSpan struct {
	Name   string
	Lo, Hi int
}

// data reads a data statement; it is checked against the inputs and targets in dataSets.
func (l *lowerer) data(s *dsl.DataStmt) {
	name := s.Name.Name
	if name != "train" && name != "test" {
		l.errorf(s.Name.Pos, "data %s: expected data train = csv(...) or data test = csv(...)", name)
		return
	}
	for _, d := range l.m.Data {
		if d.Name == name {
			l.errorf(s.Name.Pos, "a second data %s (the first at %d:%d)", name, d.Pos.Line, d.Pos.Col)
			return
		}
	}
	g := s.Source
	if g.Kind.Name != "csv" || g.Path == nil {
		l.errorf(g.Kind.Pos, "data %s = csv(\"file.csv\", x = 0:30, y = 30): data come from a CSV file", name)
		return
	}
	d := &DataSet{Name: name, Path: g.Path.Value, Pos: s.Name.Pos}
	spans := map[string]*dsl.Range{}
	for _, r := range g.Ranges {
		spans[r.Name.Name] = r
	}
	singles := map[string]*dsl.Arg{}
	for _, a := range g.Assigns {
		switch a.Name.Name {
		case "skip":
			n, ok := l.countExpr(a.Value, "a number of lines to skip")
			if !ok {
				return
			}
			d.Skip = n
		case "standardize":
			id, ok := a.Value.(*dsl.Ident)
			if !ok || id.Name != "true" && id.Name != "false" {
				l.errorf(a.Value.ExprPos(), "standardize: expected true or false")
				return
			}
			d.Standardize = id.Name == "true"
		default:
			singles[a.Name.Name] = a
		}
	}
	if r := spans["rows"]; r != nil {
		lo, ok1 := l.countExpr(r.Lo, "a row number")
		hi, ok2 := l.countExpr(r.Hi, "a row number")
		if !ok1 || !ok2 {
			return
		}
		if hi <= lo {
			l.errorf(r.Hi.ExprPos(), "rows = %d:%d is empty: the range is from the first row to one past the last", lo, hi)
			return
		}
		d.RowLo, d.RowHi = lo, hi
		delete(spans, "rows")
	}
	for _, t := range append(append([]*Tensor(nil), l.m.Inputs...), l.m.Targets...) {
		span := ColumnSpan{Name: t.Name}
		switch r, a := spans[t.Name], singles[t.Name]; {
		case r != nil:
			lo, ok1 := l.countExpr(r.Lo, "a column number")
			hi, ok2 := l.countExpr(r.Hi, "a column number")
			if !ok1 || !ok2 {
				return
			}
			span.Lo, span.Hi = lo, hi
			delete(spans, t.Name)
		case a != nil:
			c, ok := l.countExpr(a.Value, "a column number")
			if !ok {
				return
			}
			span.Lo, span.Hi = c, c+1
			delete(singles, t.Name)
		default:
			l.errorf(g.Kind.Pos, "data %s: no columns for %s; write %s = FIRST:END (columns from 0, END excluded) or %s = COLUMN", name, t.Name, t.Name, t.Name)
			return
		}
		if span.Hi-span.Lo != t.Size() {
			l.errorf(g.Kind.Pos, "data %s: %s has %d values per row but columns %d:%d are %d", name, t.Name, t.Size(), span.Lo, span.Hi, span.Hi-span.Lo)
			return
		}
		d.Columns = append(d.Columns, span)
	}
	for n, r := range spans {
		l.errorf(r.Name.Pos, "data %s: %s is not an input or a target of the model, nor rows", name, n)
		return
	}
	for n, a := range singles {
		l.errorf(a.Name.Pos, "data %s: %s is not an input or a target of the model, nor an option (skip, rows, standardize)", name, n)
		return
	}
	l.m.Data = append(l.m.Data, d)
}

// countExpr is a constant integer ≥ 0.
func (l *lowerer) countExpr(e dsl.Expr, what string) (int, bool) {
	v, ok := l.constExpr(e)
	if !ok {
		return 0, false
	}
	if v != math.Trunc(v) || v < 0 || v > 1<<40 {
		l.errorf(e.ExprPos(), "expected %s (an integer from 0), found %v", what, v)
		return 0, false
	}
	return int(v), true
}
