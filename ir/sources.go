package ir

// Where a model's points come from and what its solution is compared against: the sources
// of point sets (grids, samples, CSV files), known values as closed forms, and references.
// Generated code turns them into MakePoints and References, which `mlc train` calls.

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/mlc-go/mlc/dsl"
)

// Source is one generator of a point set's points.
type Source struct {
	Kind string // "grid", "sample" or "csv"
	// Count is a sample's number of points; Method how it is drawn: "multijitter" (a Latin
	// hypercube also stratified on a grid; two coordinates), "lhs" or "uniform".
	Count  int
	Method string
	// Path is a CSV file as written (relative to the .ml file); Rows how many of its rows
	// to read (0: all). Columns are found by their header names.
	Path string
	Rows int
	// Coords give a grid's or a sample's coordinates, one per column of the set, in its order.
	Coords []SourceCoord
	Pos    dsl.Pos
}

// SourceCoord is one coordinate of a grid or sample: the interval [Lo, Hi] (with N evenly
// spaced points in a grid), or the listed Values (one for a fixed coordinate).
type SourceCoord struct {
	Name   string
	Lo, Hi float64
	N      int
	Values []float64
}

// KnownValue is `KNOWN = EXPR` after a point set's sources: a known value as a closed form
// of the set's columns. Expr holds only numbers, the columns, constants (by value in
// Consts), pi, + - * / ^ and the functions of ClosedFormFuncs.
type KnownValue struct {
	Name string
	Expr dsl.Expr
}

// Reference is what training measures its error against: an output's values at points
// (from a CSV file, or a closed form evaluated on a generator's points), or a param's true
// value.
type Reference struct {
	Name   string
	Output int // index among Model.OutputNames; -1 for a param
	CSV    *Source
	Expr   dsl.Expr
	On     *Source
	Value  float64 // a param's true value
	Pos    dsl.Pos
	Coef   *Coefficient
	Inputs []string // the columns a closed form or CSV gives, in the model's input order
}

// ClosedFormFuncs are the functions a known value or a reference may call, with the Go
// math function each is.
var ClosedFormFuncs = map[string]string{
	"sin": "Sin", "cos": "Cos", "tan": "Tan", "exp": "Exp", "log": "Log", "sqrt": "Sqrt",
	"tanh": "Tanh", "sinh": "Sinh", "cosh": "Cosh", "abs": "Abs", "atan": "Atan",
}

// sources reads a points statement's sources and known values into set.
func (l *lowerer) sources(s *dsl.PointsStmt, set *PointSet) {
	cols := map[string]bool{}
	for _, c := range s.Cols {
		cols[c.Name] = true
	}
	for _, g := range s.Source {
		src, ok := l.generator(g, s.Cols, set.Name)
		if !ok {
			return
		}
		set.Sources = append(set.Sources, src)
	}
	given := map[string]bool{}
	for _, v := range s.Values {
		name := v.Name.Name
		if !contains(knownNames(set), name) {
			l.errorf(v.Name.Pos, "%s is not a known value of point set %s (it knows %s)", name, set.Name, orNone(knownNames(set)))
			return
		}
		if given[name] {
			l.errorf(v.Name.Pos, "%s is given twice", name)
			return
		}
		given[name] = true
		if !l.closedForm(v.Value, cols, "a known value") {
			return
		}
		set.Values = append(set.Values, &KnownValue{Name: name, Expr: v.Value})
	}
	if len(set.Sources) == 0 {
		return
	}
	allCSV := true
	for _, src := range set.Sources {
		allCSV = allCSV && src.Kind == "csv"
	}
	for _, k := range set.Known {
		if !given[k.Name] && !allCSV {
			l.errorf(k.Pos, "point set %s has no value for %s: write %s = EXPR after its sources, as in %s = -sin(pi * x)", set.Name, k.Name, k.Name, k.Name)
		}
	}
}

func knownNames(set *PointSet) []string {
	var s []string
	for _, k := range set.Known {
		s = append(s, k.Name)
	}
	return s
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// generator checks one grid, sample or csv source of a set with columns cols.
func (l *lowerer) generator(g *dsl.Generator, cols []*dsl.Ident, set string) (*Source, bool) {
	src := &Source{Kind: g.Kind.Name, Pos: g.Kind.Pos}
	colNames := map[string]bool{}
	for _, c := range cols {
		colNames[c.Name] = true
	}
	coords := map[string]*SourceCoord{}
	if g.Kind.Name == "series" {
		l.errorf(g.Kind.Pos, "series(...) gives the windows of a time series to a data statement (data train = series(...)); a point set takes grid, sample or csv")
		return nil, false
	}
	if len(g.Texts) > 0 {
		t := g.Texts[0]
		l.errorf(t.Value.Pos, "%s = %q: expected a number, not text", t.Name.Name, t.Value.Value)
		return nil, false
	}
	if len(g.Ranges) > 0 {
		r := g.Ranges[0]
		l.errorf(r.Name.Pos, "%s = LO:HI selects columns or rows of a data statement's CSV file; a point set's CSV columns are found by header name", r.Name.Name)
		return nil, false
	}
	for _, c := range g.Coords {
		if !colNames[c.Name.Name] {
			l.errorf(c.Name.Pos, "%s is not a column of %s (%s)", c.Name.Name, set, identList(cols))
			return nil, false
		}
		if coords[c.Name.Name] != nil {
			l.errorf(c.Name.Pos, "%s is given twice", c.Name.Name)
			return nil, false
		}
		sc := &SourceCoord{Name: c.Name.Name}
		if c.Values != nil {
			for _, v := range c.Values {
				x, ok := l.constExpr(v)
				if !ok {
					return nil, false
				}
				sc.Values = append(sc.Values, x)
			}
		} else {
			lo, ok1 := l.constExpr(c.Lo)
			hi, ok2 := l.constExpr(c.Hi)
			if !ok1 || !ok2 {
				return nil, false
			}
			if !(hi > lo) {
				l.errorf(c.Hi.ExprPos(), "%s in [%v, %v]: the interval's end must be above its start", c.Name.Name, lo, hi)
				return nil, false
			}
			sc.Lo, sc.Hi = lo, hi
			if c.N != nil {
				if src.Kind != "grid" {
					l.errorf(c.N.ExprPos(), "a count per coordinate is for grid; %s takes its number of points first", src.Kind)
					return nil, false
				}
				n, ok := l.intExpr(c.N, "a number of grid points")
				if !ok {
					return nil, false
				}
				sc.N = n
			} else if src.Kind == "grid" {
				l.errorf(c.Name.Pos, "grid: %s in [%v, %v] needs its number of points, as in %s in [%v, %v] : 100", c.Name.Name, lo, hi, c.Name.Name, lo, hi)
				return nil, false
			}
		}
		coords[c.Name.Name] = sc
	}
	for _, a := range g.Assigns {
		name := a.Name.Name
		if colNames[name] {
			if coords[name] != nil {
				l.errorf(a.Name.Pos, "%s is given twice", name)
				return nil, false
			}
			v, ok := l.constExpr(a.Value)
			if !ok {
				return nil, false
			}
			coords[name] = &SourceCoord{Name: name, Lo: v, Hi: v, Values: []float64{v}}
			continue
		}
		if !l.sourceOption(src, a) {
			return nil, false
		}
	}
	switch src.Kind {
	case "csv":
		if g.Path == nil {
			l.errorf(g.Kind.Pos, "csv needs a file name, as in csv(\"points.csv\")")
			return nil, false
		}
		if len(coords) > 0 {
			l.errorf(g.Kind.Pos, "csv takes its columns from the file's header; it takes no coordinate ranges")
			return nil, false
		}
		src.Path = g.Path.Value
		return src, true
	case "sample":
		if g.Count == nil {
			l.errorf(g.Kind.Pos, "sample needs its number of points first, as in sample(5000, x in [-1, 1], t in [0, 1])")
			return nil, false
		}
		n, ok := l.intExpr(g.Count, "a number of points")
		if !ok {
			return nil, false
		}
		src.Count = n
	}
	for _, c := range cols {
		sc := coords[c.Name]
		if sc == nil {
			l.errorf(g.Kind.Pos, "%s: no range for %s; write %s in [lo, hi] or %s = VALUE", src.Kind, c.Name, c.Name, c.Name)
			return nil, false
		}
		src.Coords = append(src.Coords, *sc)
	}
	if src.Kind == "sample" {
		ranges := 0
		for _, c := range src.Coords {
			if c.Values == nil {
				ranges++
			} else if len(c.Values) > 1 {
				l.errorf(g.Kind.Pos, "sample: %s takes values from a list; a sample draws each coordinate from an interval (or fixes it: %s = VALUE)", c.Name, c.Name)
				return nil, false
			}
		}
		switch {
		case src.Method == "":
			src.Method = "lhs"
			if ranges == 2 {
				src.Method = "multijitter"
			}
		case src.Method == "multijitter" && ranges != 2:
			l.errorf(g.Kind.Pos, "method = multijitter draws two coordinates; this sample draws %d (use lhs)", ranges)
			return nil, false
		}
	}
	return src, true
}

// sourceOption reads an option of a source: rows = N (csv), method = lhs (sample).
func (l *lowerer) sourceOption(src *Source, a *dsl.Arg) bool {
	name := a.Name.Name
	switch {
	case name == "rows" && src.Kind == "csv":
		n, ok := l.intExpr(a.Value, "a number of rows")
		src.Rows = n
		return ok
	case name == "method" && src.Kind == "sample":
		id, ok := a.Value.(*dsl.Ident)
		if !ok || id.Name != "lhs" && id.Name != "multijitter" && id.Name != "uniform" {
			l.errorf(a.Value.ExprPos(), "method: expected lhs, multijitter or uniform")
			return false
		}
		src.Method = id.Name
		return true
	}
	opts := map[string]string{"csv": "rows", "sample": "method", "grid": "none"}[src.Kind]
	l.errorf(a.Name.Pos, "%s is neither a column of the set nor an option of %s (options: %s)", name, src.Kind, opts)
	return false
}

func identList(ids []*dsl.Ident) string {
	var s []string
	for _, id := range ids {
		s = append(s, id.Name)
	}
	return strings.Join(s, ", ")
}

// closedForm checks that x is a closed form of the names in vars: numbers, those names,
// constants, pi, arithmetic (integer or constant powers) and ClosedFormFuncs.
func (l *lowerer) closedForm(x dsl.Expr, vars map[string]bool, what string) bool {
	ok := true
	dsl.Walk(x, func(e dsl.Expr) {
		if !ok {
			return
		}
		switch e := e.(type) {
		case *dsl.Ident:
			if vars[e.Name] || e.Name == "pi" {
				return
			}
			if b := l.scope[e.Name]; b != nil && b.kind == "const" {
				return
			}
			l.errorf(e.Pos, "%s is a closed form of %s and constants; %s is not one of them", what, orList(slices.Sorted(maps.Keys(vars))), e.Name)
			ok = false
		case *dsl.Call:
			if _, known := ClosedFormFuncs[e.Fun.Name]; !known || len(e.Args) != 1 || e.Args[0].Name != nil {
				l.errorf(e.Fun.Pos, "%s may call %s, each of one value; found %s", what, orList(slices.Sorted(maps.Keys(ClosedFormFuncs))), e.Fun.Name)
				ok = false
			}
		case *dsl.Binary:
			if e.Op == "<" || e.Op == ">" {
				l.errorf(e.OpPos, "a comparison ('%s') has no place in %s", e.Op, what)
				ok = false
			}
		}
	})
	return ok
}

// references reads the reference statements, once the outputs and coefficients are known.
func (l *lowerer) references(stmts []*dsl.ReferenceStmt) {
	seen := map[string]bool{}
	for _, s := range stmts {
		name := s.Name.Name
		if seen[name] {
			l.errorf(s.Name.Pos, "a second reference for %s", name)
			continue
		}
		seen[name] = true
		r := &Reference{Name: name, Output: -1, Pos: s.Name.Pos}
		for _, c := range l.m.Coefficients {
			if c.Name == name {
				r.Coef = c
			}
		}
		if r.Coef != nil {
			if s.Expr == nil || s.On != nil {
				l.errorf(s.Name.Pos, "%s is a param: its reference is its true value, as in reference %s = 0.1", name, name)
				continue
			}
			v, ok := l.constExpr(s.Expr)
			if !ok {
				continue
			}
			r.Value = v
			l.m.References = append(l.m.References, r)
			continue
		}
		for i, o := range l.m.OutputNames {
			if o == name {
				r.Output = i
			}
		}
		if r.Output < 0 {
			l.errorf(s.Name.Pos, "reference %s: %s is not an output (outputs: %s) or a param", name, name, strings.Join(l.m.OutputNames, ", "))
			continue
		}
		vars := map[string]bool{}
		for _, in := range l.m.Inputs {
			vars[in.Name] = true
			r.Inputs = append(r.Inputs, in.Name)
		}
		ids := make([]*dsl.Ident, len(l.m.Inputs))
		for i, in := range l.m.Inputs {
			ids[i] = &dsl.Ident{Pos: in.Pos, Name: in.Name}
		}
		switch {
		case s.CSV != nil:
			src, ok := l.generator(s.CSV, ids, "the model's inputs")
			if !ok {
				continue
			}
			r.CSV = src
		default:
			if !l.closedForm(s.Expr, vars, "a reference") {
				continue
			}
			r.Expr = s.Expr
			if s.On != nil {
				src, ok := l.generator(s.On, ids, "the model's inputs")
				if !ok {
					continue
				}
				r.On = src
			} else if r.On = l.defaultGrid(s.Pos); r.On == nil {
				continue
			}
		}
		l.m.References = append(l.m.References, r)
	}
}

// defaultGrid is where a closed-form reference is evaluated when no `on` says: a grid over
// the box the point sets' grids and samples span (Domain), 1001 points for one input, 101 a
// side for two, 21 for three.
func (l *lowerer) defaultGrid(pos dsl.Pos) *Source {
	n := map[int]int{1: 1001, 2: 101, 3: 21}[len(l.m.Inputs)]
	if n == 0 {
		l.errorf(pos, "with %d inputs, say where to evaluate the reference: reference u = ... on sample(N, ...)", len(l.m.Inputs))
		return nil
	}
	box := l.domain()
	src := &Source{Kind: "grid", Pos: pos}
	for i, in := range l.m.Inputs {
		if box == nil || !(box[i][1] > box[i][0]) {
			l.errorf(pos, "the point sets do not span an interval of %s: say where to evaluate the reference, as in reference u = ... on grid(%s in [0, 1] : 101, ...)", in.Name, in.Name)
			return nil
		}
		src.Coords = append(src.Coords, SourceCoord{Name: in.Name, Lo: box[i][0], Hi: box[i][1], N: n})
	}
	return src
}

// domain is the box the point sets' grids and samples span, [lo, hi] per input; nil when
// they have none (points only from CSV files, or from Go).
func (l *lowerer) domain() [][2]float64 {
	box := make([][2]float64, len(l.m.Inputs))
	for i := range box {
		box[i] = [2]float64{math.Inf(1), math.Inf(-1)}
	}
	any := false
	for _, ps := range l.m.PointSets {
		for _, s := range ps.Sources {
			if s.Kind == "csv" {
				continue
			}
			any = true
			for i, c := range s.Coords {
				lo, hi := c.Lo, c.Hi
				for _, v := range c.Values {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
				box[i] = [2]float64{math.Min(box[i][0], lo), math.Max(box[i][1], hi)}
			}
		}
	}
	if !any {
		return nil
	}
	return box
}

// GridSize is the number of points of a grid source.
func (s *Source) GridSize() int {
	n := 1
	for _, c := range s.Coords {
		switch {
		case c.Values != nil:
			n *= len(c.Values)
		default:
			n *= c.N
		}
	}
	return n
}

func (s *Source) String() string { return fmt.Sprintf("%s at %d:%d", s.Kind, s.Pos.Line, s.Pos.Col) }
