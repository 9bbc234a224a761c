package dsl_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlc-go/mlc/dsl"
)

// addModels adds the repository's .ml files to a fuzz corpus; testdata/fuzz/FuzzParse
// holds broken variants of them.
func addModels(f *testing.F) {
	files, _ := filepath.Glob("../examples/*/*.ml")
	more, _ := filepath.Glob("../tests/models/*/*.ml")
	for _, name := range append(files, more...) {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
}

// FuzzParse: Parse never panics, and its errors are a sorted, capped dsl.ErrorList whose
// entries name the file and a line and column that exist.
//
//	go test -run='^$' -fuzz=FuzzParse -fuzztime=60s ./dsl/
func FuzzParse(f *testing.F) {
	addModels(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		const name = "fuzz.ml"
		file, err := dsl.Parse(name, src)
		if file == nil {
			t.Fatal("Parse returned a nil File")
		}
		lines := 1
		for _, c := range src {
			if c == '\n' {
				lines++
			}
		}
		checkPos := func(what string, p dsl.Pos) {
			if p.File != name || p.Line < 1 || p.Col < 1 || p.Line > lines {
				t.Fatalf("%s at %q:%d:%d: outside the %d-line file %s", what, p.File, p.Line, p.Col, lines, name)
			}
		}
		walkFile(file, checkPos)
		if err == nil {
			return
		}
		var list dsl.ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("error is %T, want dsl.ErrorList: %v", err, err)
		}
		if len(list) == 0 || len(list) > dsl.MaxErrors {
			t.Fatalf("%d errors, want 1 to %d", len(list), dsl.MaxErrors)
		}
		for i, e := range list {
			checkPos("error "+e.Msg, e.Pos)
			if e.Msg == "" {
				t.Fatalf("empty message at %v", e.Pos)
			}
			if i > 0 {
				a, b := list[i-1].Pos, e.Pos
				if b.Line < a.Line || b.Line == a.Line && b.Col < a.Col {
					t.Fatalf("errors not sorted: %v before %v", a, b)
				}
			}
		}
		// Same input, same errors.
		if _, err2 := dsl.Parse(name, src); err2 == nil || err2.Error() != err.Error() {
			t.Fatalf("second Parse gave %v, first %v", err2, err)
		}
	})
}

// walkFile calls check with the position of every node of the tree.
func walkFile(f *dsl.File, check func(string, dsl.Pos)) {
	var stmts func([]dsl.Stmt)
	var expr func(dsl.Expr)
	var generator func(*dsl.Generator)
	args := func(as []*dsl.Arg) {
		for _, a := range as {
			if a.Name != nil {
				check("argument name", a.Name.Pos)
			}
			expr(a.Value)
		}
	}
	expr = func(e dsl.Expr) {
		if e == nil {
			check("nil expression", dsl.Pos{})
			return
		}
		check("expression", e.ExprPos())
		switch e := e.(type) {
		case *dsl.Call:
			args(e.Args)
		case *dsl.Binary:
			check("operator", e.OpPos)
			expr(e.X)
			expr(e.Y)
		case *dsl.Unary:
			expr(e.X)
		case *dsl.Paren:
			expr(e.X)
		case *dsl.Named:
			check("term name", e.As.Pos)
			expr(e.X)
		}
	}
	decls := func(ds []*dsl.Decl) {
		for _, d := range ds {
			check("declaration", d.Name.Pos)
			if len(d.Shape) != len(d.ShapePos) {
				check("shape and its positions differ in length", dsl.Pos{})
			}
			for i, p := range d.ShapePos {
				check("dimension", p)
				if d.Shape[i] < 1 {
					check("dimension < 1", dsl.Pos{})
				}
			}
		}
	}
	generator = func(g *dsl.Generator) {
		if g == nil {
			return
		}
		check("source of points", g.Kind.Pos)
		check("source's '('", g.Lparen)
		if g.Count != nil {
			expr(g.Count)
		}
		if g.Path != nil {
			check("file name", g.Path.Pos)
		}
		for _, c := range g.Coords {
			check("coordinate", c.Name.Pos)
			for _, x := range append([]dsl.Expr{c.Lo, c.Hi, c.N}, c.Values...) {
				if x != nil {
					expr(x)
				}
			}
		}
		args(g.Assigns)
		for _, r := range g.Ranges {
			check("range", r.Name.Pos)
			expr(r.Lo)
			expr(r.Hi)
		}
	}
	stmts = func(ss []dsl.Stmt) {
		for _, s := range ss {
			check("statement", s.StmtPos())
			switch s := s.(type) {
			case *dsl.ModelStmt:
				check("model name", s.Name.Pos)
			case *dsl.DTypeStmt:
				check("dtype", s.Name.Pos)
			case *dsl.InputStmt:
				decls(s.Decls)
			case *dsl.TargetStmt:
				decls(s.Decls)
			case *dsl.ConstStmt:
				check("const name", s.Name.Pos)
				expr(s.Value)
			case *dsl.LayerStmt:
				check("layer kind", s.Kind.Pos)
				args(s.Args)
				for _, o := range s.Outputs {
					check("layer output", o.Pos)
				}
			case *dsl.RepeatStmt:
				expr(s.Count)
				stmts(s.Body)
			case *dsl.LossStmt:
				expr(s.Expr)
			case *dsl.MetricStmt:
				for _, n := range s.Names {
					check("metric", n.Pos)
				}
			case *dsl.OptimizerStmt:
				for _, c := range s.Steps {
					expr(c)
				}
			case *dsl.TrainStmt:
				args(s.Args)
			case *dsl.PointsStmt:
				check("point set", s.Name.Pos)
				for _, id := range append(s.Cols[:len(s.Cols):len(s.Cols)], s.Known...) {
					check("point set column", id.Pos)
				}
				for _, g := range s.Source {
					generator(g)
				}
				args(s.Values)
			case *dsl.LetStmt:
				check("let name", s.Name.Pos)
				expr(s.Value)
			case *dsl.ParamStmt:
				check("param name", s.Name.Pos)
				expr(s.Value)
				args(s.Args)
			case *dsl.DataStmt:
				check("data name", s.Name.Pos)
				generator(s.Source)
			case *dsl.ReferenceStmt:
				check("reference name", s.Name.Pos)
				if s.Expr != nil {
					expr(s.Expr)
				}
				generator(s.CSV)
				generator(s.On)
			case *dsl.FeaturesStmt:
				for _, x := range s.Exprs {
					expr(x)
				}
			case *dsl.PeriodicStmt:
				check("periodic input", s.Name.Pos)
				expr(s.Lo)
				expr(s.Hi)
				args(s.Args)
			default:
				check(fmt.Sprintf("unknown statement %T", s), dsl.Pos{})
			}
		}
	}
	stmts(f.Stmts)
}
