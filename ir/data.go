package ir

// The data statements of a mini-batch model: the CSV rows it trains and is tested on, with
// its inputs and targets by column, for `mlc train`.

import (
	"math"
	"strings"

	"github.com/mlc-go/mlc/dsl"
)

// DataSet is `data train = csv(...)` or `data test = csv(...)`, or the windows of a time
// series, `data train = series(...)`.
type DataSet struct {
	Name string // "train" or "test"
	Path string // relative to the .ml file
	// Series is set for series(...): the model's one input [steps, channels] is a window of
	// the series, and so is its target (an autoencoder).
	Series *SeriesData
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
	// Augment is `augment = shift(N[, rows = R])`: the training rows' input, an image, moves
	// by up to N pixels along each axis each time it is drawn (nil: no augmentation).
	Augment *Augment
	Pos     dsl.Pos
}

// Augment is data augmentation by translation (runtime.Shift): the input seen as an image of
// Rows × Cols moves by a random whole number of pixels in [−N, N] along each axis.
type Augment struct {
	N, Rows, Cols int
}

// SeriesData is series("file", columns = "a,b,c", time = "t", range = "START/END"): the
// value columns (by header name or number from 1; "" is every column after the time), the
// time column ("" is the first) and the range of times, as text for the runtime to read
// (runtime/timeseries.SeriesSpec).
type SeriesData struct {
	Columns, Time, Range string
	Steps, Channels      int
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
	if g.Kind.Name == "series" && g.Path != nil {
		l.seriesData(name, s)
		return
	}
	if g.Kind.Name != "csv" || g.Path == nil {
		l.errorf(g.Kind.Pos, "data %s = csv(\"file.csv\", x = 0:30, y = 30): data come from a CSV file (or a time series' windows: series(\"file.csv\"))", name)
		return
	}
	if len(g.Texts) > 0 {
		t := g.Texts[0]
		l.errorf(t.Value.Pos, "%s = %q: csv's options are numbers (skip, rows, columns) or standardize = true", t.Name.Name, t.Value.Value)
		return
	}
	if len(l.m.Data) > 0 && l.m.Data[0].Series != nil {
		l.errorf(g.Kind.Pos, "data %s = csv(...) with data %s = series(...): both must be csv or both series", name, l.m.Data[0].Name)
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
		case "augment":
			if d.Augment = l.augment(name, a.Value); d.Augment == nil {
				return
			}
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
		l.errorf(a.Name.Pos, "data %s: %s is not an input or a target of the model, nor an option (skip, rows, standardize, augment)", name, n)
		return
	}
	l.m.Data = append(l.m.Data, d)
}

// augment reads `augment = shift(N[, rows = R])` of data train: the model's one input is an
// image, its own shape if it has two axes, else R rows of its values.
func (l *lowerer) augment(name string, e dsl.Expr) *Augment {
	c, ok := e.(*dsl.Call)
	if !ok || c.Fun.Name != "shift" {
		l.errorf(e.ExprPos(), "augment: expected shift(N), moving each training image by up to N pixels along each axis, or shift(N, rows = R) for an input of R rows of pixels")
		return nil
	}
	if name != "train" {
		l.errorf(e.ExprPos(), "augment belongs to data train: the test rows are judged as they are")
		return nil
	}
	if len(l.m.Inputs) != 1 {
		l.errorf(e.ExprPos(), "augment = shift(...) moves the model's one input; this model has %d", len(l.m.Inputs))
		return nil
	}
	in := l.m.Inputs[0]
	a := &Augment{}
	rows := 0
	for i, arg := range c.Args {
		v, ok := l.countExpr(arg.Value, "a number of pixels")
		if !ok {
			return nil
		}
		switch {
		case arg.Name == nil && i == 0:
			a.N = v
		case arg.Name != nil && arg.Name.Name == "rows":
			rows = v
		default:
			l.errorf(arg.Value.ExprPos(), "shift takes N, the most pixels an image moves, and rows = R")
			return nil
		}
	}
	if a.N < 1 {
		l.errorf(c.Fun.Pos, "shift(N): N is the most pixels an image moves, at least 1")
		return nil
	}
	switch {
	case len(in.Shape) == 2 && rows == 0:
		a.Rows, a.Cols = in.Shape[0], in.Shape[1]
	case len(in.Shape) == 1 && rows > 0 && in.Shape[0]%rows == 0:
		a.Rows, a.Cols = rows, in.Shape[0]/rows
	case len(in.Shape) == 1:
		l.errorf(c.Fun.Pos, "shift: %s has %d values; say how they make an image with rows = R (R dividing %d)", in.Name, in.Size(), in.Size())
		return nil
	default:
		l.errorf(c.Fun.Pos, "shift moves an image: %s is %s, and rows = R is for an input of one axis", in.Name, shapeStr(&Node{Shape: in.Shape}))
		return nil
	}
	return a
}

// seriesData reads data NAME = series("file", columns = "...", time = "...", range = "...",
// standardize = true): the windows of a time series, for an autoencoder whose one input is a
// window [steps, channels] and whose target is the window itself.
func (l *lowerer) seriesData(name string, s *dsl.DataStmt) {
	g := s.Source
	if len(l.m.Inputs) != 1 || len(l.m.Inputs[0].Shape) != 2 {
		l.errorf(g.Kind.Pos, "data %s = series(...): the model's input must be one window [steps, channels], as in input x[240, 3]", name)
		return
	}
	if len(l.m.Targets) > 0 {
		l.errorf(g.Kind.Pos, "data %s = series(...): a window is its own target (an autoencoder), so the model has no target statement", name)
		return
	}
	if len(l.m.Data) > 0 && l.m.Data[0].Series == nil {
		l.errorf(g.Kind.Pos, "data %s = series(...) with data %s = csv(...): both must be csv or both series", name, l.m.Data[0].Name)
		return
	}
	in := l.m.Inputs[0]
	d := &DataSet{Name: name, Path: g.Path.Value, Pos: s.Name.Pos, Series: &SeriesData{Steps: in.Shape[0], Channels: in.Shape[1]}}
	for _, t := range g.Texts {
		switch t.Name.Name {
		case "columns":
			d.Series.Columns = t.Value.Value
			if n := len(strings.Split(t.Value.Value, ",")); n != in.Shape[1] {
				l.errorf(t.Value.Pos, "columns = %q names %d columns; a window of %s has %d channels", t.Value.Value, n, in.Name, in.Shape[1])
				return
			}
		case "time":
			d.Series.Time = t.Value.Value
		case "range":
			if !strings.Contains(t.Value.Value, "/") {
				l.errorf(t.Value.Pos, "range = %q: expected \"START/END\" in ISO 8601, either side may be empty (\"/2024-05-10T16:00:00Z\")", t.Value.Value)
				return
			}
			d.Series.Range = t.Value.Value
		default:
			l.errorf(t.Name.Pos, "series has no option %s; its options are columns, time, range (text) and standardize", t.Name.Name)
			return
		}
	}
	for _, a := range g.Assigns {
		if a.Name.Name != "standardize" {
			l.errorf(a.Name.Pos, "series has no option %s = NUMBER; its options are columns, time, range (text) and standardize", a.Name.Name)
			return
		}
		id, ok := a.Value.(*dsl.Ident)
		if !ok || id.Name != "true" && id.Name != "false" {
			l.errorf(a.Value.ExprPos(), "standardize: expected true or false")
			return
		}
		d.Standardize = id.Name == "true"
	}
	if len(g.Ranges) > 0 || len(g.Coords) > 0 {
		l.errorf(g.Kind.Pos, "series takes text options (columns = \"a,b,c\", range = \"START/END\"), not column or coordinate ranges")
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
