package dsl_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mlc-go/mlc/dsl"
)

// dump prints a parsed file one statement a line, in a form that shows the tree's shape:
// binary expressions fully parenthesised, (paren X) for written parentheses, named
// arguments as name=value, repeat bodies indented.
func dump(f *dsl.File) string {
	var b strings.Builder
	dumpStmts(&b, f.Stmts, "")
	return b.String()
}

func dumpStmts(b *strings.Builder, stmts []dsl.Stmt, indent string) {
	for _, s := range stmts {
		b.WriteString(indent)
		switch s := s.(type) {
		case *dsl.ModelStmt:
			fmt.Fprintf(b, "model %s", s.Name.Name)
		case *dsl.DTypeStmt:
			fmt.Fprintf(b, "dtype %s", s.Name.Name)
		case *dsl.InputStmt:
			fmt.Fprintf(b, "input %s", dumpDecls(s.Decls))
		case *dsl.TargetStmt:
			fmt.Fprintf(b, "target %s", dumpDecls(s.Decls))
		case *dsl.ConstStmt:
			fmt.Fprintf(b, "const %s = %s", s.Name.Name, dumpExpr(s.Value))
		case *dsl.LayerStmt:
			fmt.Fprintf(b, "layer %s", s.Kind.Name)
			if len(s.Args) > 0 {
				fmt.Fprintf(b, " %s", dumpArgs(s.Args))
			}
			for i, o := range s.Outputs {
				if i == 0 {
					b.WriteString(" ->")
				} else {
					b.WriteString(",")
				}
				fmt.Fprintf(b, " %s", o.Name)
			}
		case *dsl.RepeatStmt:
			fmt.Fprintf(b, "repeat %s {\n", dumpExpr(s.Count))
			dumpStmts(b, s.Body, indent+"\t")
			b.WriteString(indent + "}")
		case *dsl.LossStmt:
			fmt.Fprintf(b, "loss %s", dumpExpr(s.Expr))
		case *dsl.MetricStmt:
			var names []string
			for _, n := range s.Names {
				names = append(names, n.Name)
			}
			fmt.Fprintf(b, "metric %s", strings.Join(names, ", "))
		case *dsl.OptimizerStmt:
			var steps []string
			for _, c := range s.Steps {
				steps = append(steps, dumpExpr(c))
			}
			fmt.Fprintf(b, "optimizer %s", strings.Join(steps, " then "))
		case *dsl.TrainStmt:
			fmt.Fprintf(b, "train %s", dumpArgs(s.Args))
		case *dsl.PointsStmt:
			var cols, known []string
			for _, c := range s.Cols {
				cols = append(cols, c.Name)
			}
			for _, k := range s.Known {
				known = append(known, k.Name)
			}
			fmt.Fprintf(b, "points %s(%s; %s)", s.Name.Name, strings.Join(cols, ", "), strings.Join(known, ", "))
			for i, g := range s.Source {
				if i == 0 {
					b.WriteString(" = ")
				} else {
					b.WriteString(" + ")
				}
				b.WriteString(dumpGenerator(g))
			}
			if len(s.Values) > 0 {
				fmt.Fprintf(b, ", %s", dumpArgs(s.Values))
			}
		case *dsl.DataStmt:
			fmt.Fprintf(b, "data %s = %s", s.Name.Name, dumpGenerator(s.Source))
		case *dsl.ReferenceStmt:
			fmt.Fprintf(b, "reference %s = ", s.Name.Name)
			if s.CSV != nil {
				b.WriteString(dumpGenerator(s.CSV))
			} else {
				b.WriteString(dumpExpr(s.Expr))
			}
			if s.On != nil {
				b.WriteString(" on " + dumpGenerator(s.On))
			}
		case *dsl.LetStmt:
			fmt.Fprintf(b, "%s %s = %s", s.Keyword, s.Name.Name, dumpExpr(s.Value))
		case *dsl.ParamStmt:
			fmt.Fprintf(b, "param %s = %s", s.Name.Name, dumpExpr(s.Value))
			if len(s.Args) > 0 {
				fmt.Fprintf(b, ", %s", dumpArgs(s.Args))
			}
		case *dsl.FeaturesStmt:
			var xs []string
			for _, x := range s.Exprs {
				xs = append(xs, dumpExpr(x))
			}
			fmt.Fprintf(b, "features %s", strings.Join(xs, ", "))
		case *dsl.PeriodicStmt:
			fmt.Fprintf(b, "periodic %s in [%s, %s]", s.Name.Name, dumpExpr(s.Lo), dumpExpr(s.Hi))
			if len(s.Args) > 0 {
				fmt.Fprintf(b, ", %s", dumpArgs(s.Args))
			}
		default:
			fmt.Fprintf(b, "?%T", s)
		}
		b.WriteString("\n")
	}
}

func dumpDecls(ds []*dsl.Decl) string {
	var out []string
	for _, d := range ds {
		s := d.Name.Name
		if d.Shape != nil {
			s += fmt.Sprint(d.Shape)
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func dumpArgs(args []*dsl.Arg) string {
	var out []string
	for _, a := range args {
		s := dumpExpr(a.Value)
		if a.Name != nil {
			s = a.Name.Name + "=" + s
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func dumpGenerator(g *dsl.Generator) string {
	var parts []string
	if g.Path != nil {
		parts = append(parts, strconv.Quote(g.Path.Value))
	}
	if g.Count != nil {
		parts = append(parts, dumpExpr(g.Count))
	}
	for _, c := range g.Coords {
		if c.Values != nil {
			var vs []string
			for _, v := range c.Values {
				vs = append(vs, dumpExpr(v))
			}
			parts = append(parts, c.Name.Name+" in {"+strings.Join(vs, ", ")+"}")
			continue
		}
		r := fmt.Sprintf("%s in [%s, %s]", c.Name.Name, dumpExpr(c.Lo), dumpExpr(c.Hi))
		if c.N != nil {
			r += " : " + dumpExpr(c.N)
		}
		parts = append(parts, r)
	}
	if len(g.Assigns) > 0 {
		parts = append(parts, dumpArgs(g.Assigns))
	}
	for _, r := range g.Ranges {
		parts = append(parts, r.Name.Name+" = "+dumpExpr(r.Lo)+":"+dumpExpr(r.Hi))
	}
	return g.Kind.Name + "(" + strings.Join(parts, ", ") + ")"
}

func dumpExpr(e dsl.Expr) string {
	switch e := e.(type) {
	case *dsl.Ident:
		return e.Name
	case *dsl.Number:
		return e.Text
	case *dsl.Call:
		if e.Lparen == (dsl.Pos{}) {
			return e.Fun.Name
		}
		return e.Fun.Name + "(" + dumpArgs(e.Args) + ")"
	case *dsl.Binary:
		return "(" + dumpExpr(e.X) + " " + e.Op + " " + dumpExpr(e.Y) + ")"
	case *dsl.Unary:
		return "(" + e.Op + dumpExpr(e.X) + ")"
	case *dsl.Paren:
		return "(paren " + dumpExpr(e.X) + ")"
	case *dsl.Named:
		return "(" + dumpExpr(e.X) + " as " + e.As.Name + ")"
	}
	return fmt.Sprintf("?%T", e)
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"model and dtype", "model Cancer\ndtype float64\n", "model Cancer\ndtype float64\n"},
		{"no final newline", "model M", "model M\n"},
		{"crlf line ends", "model M\r\ndtype float32\r\n", "model M\ndtype float32\n"},
		{"empty file", "", ""},
		{"only comments and blank lines", "# a comment\n\n   # another\n\n", ""},
		{"comments after statements", "model M   # the name\ninput x[3] # features\n", "model M\ninput x[3]\n"},
		{"input vector", "input x[30]", "input x[30]\n"},
		{"input matrix and scalar", "input x[240, 3], t", "input x[240 3], t\n"},
		{"target list", "target y[1], z[2, 2]", "target y[1], z[2 2]\n"},
		{"shape spanning lines", "input x[240,\n   3]\n", "input x[240 3]\n"},
		{"const number", "const n = 3", "const n = 3\n"},
		{"const pi arithmetic", "const w = 2 * pi / 3", "const w = ((2 * pi) / 3)\n"},
		{"const exponent forms", "const a = 1e-3 + .5 + 2. + 1E+2", "const a = (((1e-3 + .5) + 2.) + 1E+2)\n"},
		{"layer positional", "dense 20, tanh", "layer dense 20, tanh\n"},
		{"layer output components", "dense 3 -> u, v, p", "layer dense 3 -> u, v, p\n"},
		{"param", "param nu = 0.05, positive", "param nu = 0.05, positive\n"},
		{"param plain", "param k = -1e-2", "param k = (-1e-2)\n"},
		{"periodic", "periodic x in [0, 2*pi], harmonics = 2", "periodic x in [0, (2 * pi)], harmonics=2\n"},
		{"output transform", "output u = x * n", "output u = (x * n)\n"},
		{"features", "features cos(pi * x), t", "features cos((pi * x)), t\n"},
		{"points from grids", "points b(x, t; u0) = grid(x in [-1, 1] : 100, t = 0)\n  + grid(x in {-1, 1}, t in [0.01, 1] : 100), u0 = -sin(pi * x)",
			"points b(x, t; u0) = grid(x in [(-1), 1] : 100, t=0) + grid(x in {(-1), 1}, t in [0.01, 1] : 100), u0=(-sin((pi * x)))\n"},
		{"points sampled", "points i(x, t) = sample(5000, x in [-1, 1], t in [0, 1], method = lhs)",
			"points i(x, t; ) = sample(5000, x in [(-1), 1], t in [0, 1], method=lhs)\n"},
		{"points from csv", `points d(x, t; u) = csv("data/m.csv", rows = 20)`, "points d(x, t; u) = csv(\"data/m.csv\", rows=20)\n"},
		{"reference csv", `reference u = csv("exact.csv")`, "reference u = csv(\"exact.csv\")\n"},
		{"reference closed form", "reference u = sin(pi * x) on grid(x in [0, 1] : 11)", "reference u = sin((pi * x)) on grid(x in [0, 1] : 11)\n"},
		{"reference value", "reference k = 0.1", "reference k = 0.1\n"},
		{"data", `data train = csv("c.csv", x = 0:30, y = 30, skip = 1, rows = 0:559)`, "data train = csv(\"c.csv\", y=30, skip=1, x = 0:30, rows = 0:559)\n"},
		{"named loss terms", "loss 5 * mean(b, u^2) as initial\n  + mean(i, r^2) as pde - mean(i, r)",
			"loss ((((5 * mean(b, (u ^ 2))) as initial) + (mean(i, (r ^ 2)) as pde)) - mean(i, r))\n"},
		{"layer without args", "flatten", "layer flatten\n"},
		{"layer output only", "flatten -> f", "layer flatten -> f\n"},
		{"layer named output", "dense 1, sigmoid -> p", "layer dense 1, sigmoid -> p\n"},
		{"layer named args", "conv1d 32, kernel = 10, padding = same, relu",
			"layer conv1d 32, kernel=10, padding=same, relu\n"},
		{"layer all named", "dense units = 4, activation = relu -> h", "layer dense units=4, activation=relu -> h\n"},
		{"layer expression arg", "dense 2 * n + 1", "layer dense ((2 * n) + 1)\n"},
		{"dropout", "dropout 0.2", "layer dropout 0.2\n"},
		{"repeat", "repeat 3 {\n\tdense 4, relu\n\tdropout 0.1\n}\n",
			"repeat 3 {\n\tlayer dense 4, relu\n\tlayer dropout 0.1\n}\n"},
		{"repeat one line", "repeat 2 { dense 4 }", "repeat 2 {\n\tlayer dense 4\n}\n"},
		{"repeat brace on body's last line", "repeat 2 {\n dense 4 }\ndense 1", "repeat 2 {\n\tlayer dense 4\n}\nlayer dense 1\n"},
		{"repeat empty", "repeat 2 {\n}", "repeat 2 {\n}\n"},
		{"repeat count expression", "repeat n + 1 {\ndense 4\n}", "repeat (n + 1) {\n\tlayer dense 4\n}\n"},
		{"repeat nested", "repeat 2 {\n  repeat 3 {\n    dense 4, relu\n  }\n  dropout 0.1\n}\ndense 1 -> p\n",
			"repeat 2 {\n\trepeat 3 {\n\t\tlayer dense 4, relu\n\t}\n\tlayer dropout 0.1\n}\nlayer dense 1 -> p\n"},
		{"repeat with comments and blank lines", "repeat 2 { # twice\n\n  # body\n  dense 4\n\n}\n",
			"repeat 2 {\n\tlayer dense 4\n}\n"},
		{"loss call", "loss binary_crossentropy(p, y)", "loss binary_crossentropy(p, y)\n"},
		{"loss call no args", "loss f()", "loss f()\n"},
		{"precedence mul over add", "loss a + b * c", "loss (a + (b * c))\n"},
		{"precedence left assoc", "loss a - b - c", "loss ((a - b) - c)\n"},
		{"precedence div left assoc", "loss a / b / c", "loss ((a / b) / c)\n"},
		{"precedence pow over mul", "loss 2 * x ^ 2", "loss (2 * (x ^ 2))\n"},
		{"pow right assoc", "loss 2 ^ 3 ^ 2", "loss (2 ^ (3 ^ 2))\n"},
		{"unary minus binds below pow", "loss -x ^ 2", "loss (-(x ^ 2))\n"},
		{"unary minus above mul", "loss -a * b", "loss ((-a) * b)\n"},
		{"unary minus operand", "loss a * -b", "loss (a * (-b))\n"},
		{"unary in exponent", "loss 2 ^ -1", "loss (2 ^ (-1))\n"},
		{"unary plus", "loss +a", "loss (+a)\n"},
		{"double minus", "loss - -a", "loss (-(-a))\n"},
		{"parens", "loss (a + b) * c", "loss ((paren (a + b)) * c)\n"},
		{"weighted sum", "loss mse(u, y) + 0.5 * mae(u, y) - 0.1 * mean(u)",
			"loss ((mse(u, y) + (0.5 * mae(u, y))) - (0.1 * mean(u)))\n"},
		{"nested calls", "loss mean(log(1 + exp(-z)))", "loss mean(log((1 + exp((-z)))))\n"},
		{"continuation line", "loss mse(u, y)\n     + 0.5 * mae(u, y)\nmetric mse\n",
			"loss (mse(u, y) + (0.5 * mae(u, y)))\nmetric mse\n"},
		{"continuation lines keep precedence", "loss a * b\n  + c\n  * d\n", "loss ((a * b) + (c * d))\n"},
		{"continuation after comment", "loss a # first term\n  - b # second\n", "loss (a - b)\n"},
		{"continuation of pow", "const c = 2\n ^ 3", "const c = (2 ^ 3)\n"},
		{"parens spanning lines", "loss (mse(u, y)\n\n  + mae(u, y)\n)\nmetric mae\n",
			"loss (paren (mse(u, y) + mae(u, y)))\nmetric mae\n"},
		{"call spanning lines", "loss f(a, # first\n  b)\n", "loss f(a, b)\n"},
		{"metric one", "metric binary_accuracy", "metric binary_accuracy\n"},
		{"metric list", "metric binary_accuracy, mse, mae", "metric binary_accuracy, mse, mae\n"},
		{"optimizer name", "optimizer sgd", "optimizer sgd\n"},
		{"optimizer call", "optimizer adam(lr = 1e-3, beta1 = 0.9)", "optimizer adam(lr=1e-3, beta1=0.9)\n"},
		{"optimizer empty call", "optimizer adam()", "optimizer adam()\n"},
		{"optimizer then", "optimizer adam(lr = 1e-3) then sgd", "optimizer adam(lr=1e-3) then sgd\n"},
		{"optimizer three steps", "optimizer adam then sgd(lr = 0.1) then lbfgs",
			"optimizer adam then sgd(lr=0.1) then lbfgs\n"},
		{"optimizer args spanning lines", "optimizer adam(lr = 1e-3,\n    beta1 = 0.9)\n",
			"optimizer adam(lr=1e-3, beta1=0.9)\n"},
		{"train", "train epochs = 100, batch = 32, validation_split = 0.1, shuffle = true, seed = 1",
			"train epochs=100, batch=32, validation_split=0.1, shuffle=true, seed=1\n"},
		{"train early stopping", "train epochs = 100, early_stopping(patience = 5)",
			"train epochs=100, early_stopping(patience=5)\n"},
		{"keywords as layer args", "dense 4, tanh -> then", "layer dense 4, tanh -> then\n"},
		{"identifiers with digits and underscores", "dense_2x _a1", "layer dense_2x _a1\n"},
		{"whole model",
			`# comment
model Cancer
dtype float32

input  x[30]                 # the features
dense  20, tanh
dropout 0.2
dense  1, sigmoid -> p

target y[1]
loss   binary_crossentropy(p, y)
metric binary_accuracy
optimizer adam(lr = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7)
train epochs = 100, batch = 32, validation_split = 0.1, shuffle = true, seed = 1
`,
			`model Cancer
dtype float32
input x[30]
layer dense 20, tanh
layer dropout 0.2
layer dense 1, sigmoid -> p
target y[1]
loss binary_crossentropy(p, y)
metric binary_accuracy
optimizer adam(lr=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-7)
train epochs=100, batch=32, validation_split=0.1, shuffle=true, seed=1
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := dsl.Parse("m.ml", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.src, err)
			}
			if f.Name != "m.ml" {
				t.Errorf("File.Name = %q, want m.ml", f.Name)
			}
			if got := dump(f); got != tt.want {
				t.Errorf("Parse(%q):\ngot:\n%s\nwant:\n%s", tt.src, got, tt.want)
			}
		})
	}
}

func TestParseNumbers(t *testing.T) {
	tests := []struct {
		src  string
		want float64
	}{
		{"1", 1}, {"0.25", 0.25}, {".5", 0.5}, {"2.", 2}, {"1e-3", 1e-3}, {"1E+2", 100}, {"3e2", 300},
	}
	for _, tt := range tests {
		f, err := dsl.Parse("m.ml", []byte("const c = "+tt.src))
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		n, ok := f.Stmts[0].(*dsl.ConstStmt).Value.(*dsl.Number)
		if !ok {
			t.Errorf("%s: value is %T, want *dsl.Number", tt.src, f.Stmts[0].(*dsl.ConstStmt).Value)
			continue
		}
		if n.Value != tt.want || n.Text != tt.src {
			t.Errorf("%s: Number{Value: %v, Text: %q}, want {%v, %q}", tt.src, n.Value, n.Text, tt.want, tt.src)
		}
	}
}

// TestParsePositions checks the positions that error messages of later stages quote.
func TestParsePositions(t *testing.T) {
	src := "model M\n" + // 1
		"input  x[30, 2], t\n" + // 2
		"repeat 2 {\n" + // 3
		"\tdense 4, act = relu -> h\n" + // 4
		"}\n" + // 5
		"loss mse(h, y)\n" + // 6
		"   + 2 * -z\n" + // 7
		"optimizer adam(lr = 1) then sgd\n" // 8
	f, err := dsl.Parse("dir/m.ml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	pos := func(line, col int) dsl.Pos { return dsl.Pos{File: "dir/m.ml", Line: line, Col: col} }
	in := f.Stmts[1].(*dsl.InputStmt)
	rep := f.Stmts[2].(*dsl.RepeatStmt)
	layer := rep.Body[0].(*dsl.LayerStmt)
	loss := f.Stmts[3].(*dsl.LossStmt)
	sum := loss.Expr.(*dsl.Binary)
	prod := sum.Y.(*dsl.Binary)
	neg := prod.Y.(*dsl.Unary)
	opt := f.Stmts[4].(*dsl.OptimizerStmt)
	checks := []struct {
		what      string
		got, want dsl.Pos
	}{
		{"model stmt", f.Stmts[0].StmtPos(), pos(1, 1)},
		{"input stmt", in.Pos, pos(2, 1)},
		{"x", in.Decls[0].Name.Pos, pos(2, 8)},
		{"x dim 0", in.Decls[0].ShapePos[0], pos(2, 10)},
		{"x dim 1", in.Decls[0].ShapePos[1], pos(2, 14)},
		{"t", in.Decls[1].Name.Pos, pos(2, 18)},
		{"repeat", rep.Pos, pos(3, 1)},
		{"repeat count", rep.Count.ExprPos(), pos(3, 8)},
		{"layer (after a tab: columns count bytes)", layer.Pos, pos(4, 2)},
		{"layer kind", layer.Kind.Pos, pos(4, 2)},
		{"named arg name", layer.Args[1].Name.Pos, pos(4, 11)},
		{"named arg value", layer.Args[1].Value.ExprPos(), pos(4, 17)},
		{"layer output", layer.Outputs[0].Pos, pos(4, 25)},
		{"loss", loss.Pos, pos(6, 1)},
		{"binary expr (its left operand)", sum.ExprPos(), pos(6, 6)},
		{"continued '+'", sum.OpPos, pos(7, 4)},
		{"'*'", prod.OpPos, pos(7, 8)},
		{"unary '-'", neg.ExprPos(), pos(7, 10)},
		{"z", neg.X.ExprPos(), pos(7, 11)},
		{"adam", opt.Steps[0].Fun.Pos, pos(8, 11)},
		{"adam (", opt.Steps[0].Lparen, pos(8, 15)},
		{"sgd", opt.Steps[1].Fun.Pos, pos(8, 29)},
		{"sgd without parens has no Lparen", opt.Steps[1].Lparen, dsl.Pos{}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: at %v, want %v", c.what, c.got, c.want)
		}
	}
	if got := f.Stmts[3].StmtPos().String(); got != "dir/m.ml:6:1" {
		t.Errorf("Pos.String() = %q, want dir/m.ml:6:1", got)
	}
	if got := (dsl.Pos{Line: 3, Col: 4}).String(); got != "3:4" {
		t.Errorf("Pos.String() without a file = %q, want 3:4", got)
	}
}

// errorLine is the form of every error: file:line:col: message.
var errorLine = regexp.MustCompile(`^m\.ml:[1-9][0-9]*:[1-9][0-9]*: \S`)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"missing comma before activation", "model M\ninput x[3]\ndense 20 tanh (\n",
			[]string{"m.ml:3:10: expected ',', '->' or end of line, found 'tanh'"}},
		{"unterminated string", "points d(x; u) = csv(\"data.csv)\n",
			[]string{"m.ml:1:22: expected a coordinate range (x in [-1, 1]), a fixed value (t = 0) or an option (rows = 100), found a string without its closing '\"'"}},
		{"unknown source", "points d(x) = lattice(x in [0, 1] : 3)\n",
			[]string{"m.ml:1:15: unknown source of points 'lattice'; expected grid(...), sample(N, ...) or csv(\"file\")"}},
		{"interval not closed", "points d(x) = grid(x in [0, 1 : 3)\n",
			[]string{"m.ml:1:31: expected ']' to close the interval opened at 1:25, found ':'"}},
		{"missing comma, named output", "dense 20 tanh -> h",
			[]string{"m.ml:1:10: expected ',', '->' or end of line, found 'tanh'"}},
		{"unclosed call at end of file", "model M\nloss mse(p, y\n",
			[]string{"m.ml:3:1: expected ',' or ')' to close the call opened at 2:9, found end of file"}},
		{"unclosed call swallows the next lines", "loss mse(p, y\nmetric mse\n",
			[]string{"m.ml:2:1: expected ',' or ')' to close the call opened at 1:9, found 'metric'"}},
		{"unclosed paren", "loss (a + b\n",
			[]string{"m.ml:2:1: expected ')' to close the '(' at 1:6, found end of file"}},
		{"unclosed paren, no final newline", "loss (a + b",
			[]string{"m.ml:1:12: expected ')' to close the '(' at 1:6, found end of file"}},
		{"unclosed optimizer call", "optimizer adam(lr = 1e-3\n",
			[]string{"m.ml:2:1: expected ',' or ')' to close the call opened at 1:15, found end of file"}},
		{"paren closed by a bracket", "loss (a + b]\n",
			[]string{"m.ml:1:12: expected ')' to close the '(' at 1:6, found ']'"}},
		{"unclosed repeat", "model M\nrepeat 2 {\n  dense 3\n",
			[]string{"m.ml:4:1: expected '}' to close the block opened at 2:10, found end of file"}},
		{"repeat without brace", "repeat 2\n  dense 3\n}\n",
			[]string{
				"m.ml:1:9: expected '{' to open the repeated block, found end of line",
				"m.ml:3:1: expected a statement (model, input, a layer, loss, ...), found '}'",
			}},
		{"stray closing brace", "}\n",
			[]string{"m.ml:1:1: expected a statement (model, input, a layer, loss, ...), found '}'"}},
		{"zero dimension", "input x[0]",
			[]string{"m.ml:1:9: expected a dimension (a positive integer), found '0'"}},
		{"fractional dimension", "input x[2.5]",
			[]string{"m.ml:1:9: expected a dimension (a positive integer), found '2.5'"}},
		{"second dimension bad", "target y[3, 0.5]",
			[]string{"m.ml:1:13: expected a dimension (a positive integer), found '0.5'"}},
		{"empty shape", "input x[]",
			[]string{"m.ml:1:9: expected a dimension (a positive integer), found ']'"}},
		{"negative dimension", "input x[-1]",
			[]string{"m.ml:1:9: expected a dimension (a positive integer), found '-'"}},
		{"name as dimension", "input x[n]",
			[]string{"m.ml:1:9: expected a dimension (a positive integer), found 'n'"}},
		{"huge dimension", "input x[1e400]",
			[]string{"m.ml:1:9: expected a dimension (a positive integer), found '1e400'"}},
		{"unclosed shape", "input x[3\n",
			[]string{"m.ml:2:1: expected ']', found end of file"}},
		{"illegal character", "model M\ninput x[3] @\n",
			[]string{`m.ml:2:12: expected end of line, found illegal character "@"`}},
		{"illegal character in a layer", "dense 3 $",
			[]string{`m.ml:1:9: expected ',', '->' or end of line, found illegal character "$"`}},
		{"illegal character in an expression", "loss a + ?b",
			[]string{`m.ml:1:10: expected an expression, found illegal character "?"`}},
		{"non-ASCII name", "model é",
			[]string{`m.ml:1:7: expected a model name, found illegal character "é"`}},
		{"missing loss expression", "model M\nloss\n",
			[]string{"m.ml:2:5: expected an expression, found end of line"}},
		{"missing operand", "loss a +\n",
			[]string{"m.ml:1:9: expected an expression, found end of line"}},
		{"missing operand at end of file", "loss a *",
			[]string{"m.ml:1:9: expected an expression, found end of file"}},
		{"two operators", "loss a + * b",
			[]string{"m.ml:1:10: expected an expression, found '*'"}},
		{"missing const value", "const a =",
			[]string{"m.ml:1:10: expected an expression, found end of file"}},
		{"const without =", "const a 3",
			[]string{"m.ml:1:9: expected '=', found '3'"}},
		{"missing named arg value", "dense 3, activation =\n",
			[]string{"m.ml:1:22: expected an expression, found end of line"}},
		{"trailing comma in layer", "dense 3,\n",
			[]string{"m.ml:1:9: expected an expression, found end of line"}},
		{"missing layer output name", "dense 3 ->\n",
			[]string{"m.ml:1:11: expected a name for the layer's output, found end of line"}},
		{"missing model name", "model\n",
			[]string{"m.ml:1:6: expected a model name, found end of line"}},
		{"model name then junk", "model A B\n",
			[]string{"m.ml:1:9: expected end of line, found 'B'"}},
		{"dtype number", "dtype 32\n",
			[]string{"m.ml:1:7: expected float32 or float64, found '32'"}},
		{"metric number", "metric 1\n",
			[]string{"m.ml:1:8: expected a metric name, found '1'"}},
		{"metric trailing comma", "metric mse,\n",
			[]string{"m.ml:1:12: expected a metric name, found end of line"}},
		{"optimizer missing", "optimizer\n",
			[]string{"m.ml:1:10: expected an optimizer (adam, sgd, ...), found end of line"}},
		{"optimizer then nothing", "optimizer adam then\n",
			[]string{"m.ml:1:20: expected an optimizer (adam, sgd, ...), found end of line"}},
		{"call missing comma", "loss f(a b)\n",
			[]string{"m.ml:1:10: expected ',' or ')' to close the call opened at 1:7, found 'b'"}},
		{"semicolon", "model M; dtype float32\n",
			[]string{"m.ml:1:8: expected end of line, found ';'"}},
		{"statement starts with a number", "3 dense\n",
			[]string{"m.ml:1:1: expected a statement (model, input, a layer, loss, ...), found '3'"}},
		{"continuation with nothing before", "-x\n",
			[]string{"m.ml:1:1: expected a statement (model, input, a layer, loss, ...), found '-'"}},
		{"number too large", "const a = 1e400\n",
			[]string{"m.ml:1:11: the number '1e400' is too large (at most about 1.8e308)"}},
		{"huge number is not echoed whole", "const a = " + strings.Repeat("9", 100000) + "\n",
			[]string{"m.ml:1:11: the number '9999999999999999999999999999999999999999…' is too large (at most about 1.8e308)"}},
		{"byte order mark", "\xEF\xBB\xBFmodel 3\n",
			[]string{"m.ml:1:7: expected a model name, found '3'"}},
		{"nesting", "loss " + strings.Repeat("(", 1000000) + "1" + strings.Repeat(")", 1000000) + "\n",
			[]string{"m.ml:1:106: nested more than 100 levels deep"}},
		{"nested repeats", strings.Repeat("repeat 2 {\n", 200) + strings.Repeat("}\n", 200),
			[]string{"m.ml:100:8: nested more than 100 levels deep"}},
		{"errors inside a repeat", "repeat 2 {\n dense 3 4\n dropout\n dense ,\n}\n",
			[]string{
				"m.ml:2:10: expected ',', '->' or end of line, found '4'",
				"m.ml:4:8: expected an expression, found ','",
			}},
		{"errors on several lines", "model M\ninput x[0]\ndense 20 tanh\nloss (a\nmetric 1\n",
			[]string{
				"m.ml:2:9: expected a dimension (a positive integer), found '0'",
				"m.ml:3:10: expected ',', '->' or end of line, found 'tanh'",
				"m.ml:5:1: expected ')' to close the '(' at 4:6, found 'metric'",
			}},
		{"continuation lines of a bad statement are skipped", "loss a + * b\n  + f(c d)\n  - e\nmetric 1\n",
			[]string{
				"m.ml:1:10: expected an expression, found '*'",
				"m.ml:4:8: expected a metric name, found '1'",
			}},
		{"one error a line, then the next line", "dense 1 2 3 4\ndense 5 6\n",
			[]string{
				"m.ml:1:9: expected ',', '->' or end of line, found '2'",
				"m.ml:2:9: expected ',', '->' or end of line, found '6'",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dsl.Parse("m.ml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want errors:\n%s", tt.src, strings.Join(tt.want, "\n"))
			}
			got := errorLines(t, err)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Parse(%q) errors:\n%s\nwant:\n%s", tt.src, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// errorLines checks that err is a dsl.ErrorList whose entries are sorted by position and
// print as file:line:col: message, and returns them one a line.
func errorLines(t *testing.T, err error) []string {
	t.Helper()
	var list dsl.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want dsl.ErrorList: %v", err, err)
	}
	if len(list) == 0 || len(list) > dsl.MaxErrors {
		t.Errorf("%d errors, want 1 to %d", len(list), dsl.MaxErrors)
	}
	var lines []string
	for i, e := range list {
		s := e.Error()
		if !errorLine.MatchString(s) {
			t.Errorf("error %q does not start with m.ml:line:col: ", s)
		}
		if i > 0 {
			a, b := list[i-1].Pos, e.Pos
			if b.Line < a.Line || b.Line == a.Line && b.Col < a.Col {
				t.Errorf("errors not sorted by position: %v before %v", a, b)
			}
		}
		lines = append(lines, s)
	}
	if got, want := err.Error(), strings.Join(lines, "\n"); got != want {
		t.Errorf("ErrorList.Error() = %q, want the errors one a line: %q", got, want)
	}
	return lines
}

func TestParseErrorCap(t *testing.T) {
	var src strings.Builder
	src.WriteString("model M\n")
	for i := 0; i < 3*dsl.MaxErrors; i++ {
		fmt.Fprintf(&src, "dense %d tanh\n", i+1)
	}
	_, err := dsl.Parse("m.ml", []byte(src.String()))
	got := errorLines(t, err)
	if len(got) != dsl.MaxErrors {
		t.Fatalf("%d errors, want dsl.MaxErrors = %d", len(got), dsl.MaxErrors)
	}
	for i, line := range got {
		want := fmt.Sprintf("m.ml:%d:", i+2)
		if !strings.HasPrefix(line, want) {
			t.Errorf("error %d = %q, want it on line %d (the first errors are kept)", i, line, i+2)
		}
	}
}

// TestParseErrorCapInBlock fills a repeat block with errors: the cap still holds when the
// block's own "unclosed" error comes on top.
func TestParseErrorCapInBlock(t *testing.T) {
	var src strings.Builder
	src.WriteString("repeat 2 {\n")
	for i := 0; i < 2*dsl.MaxErrors; i++ {
		src.WriteString("  dense 1 tanh\n")
	}
	_, err := dsl.Parse("m.ml", []byte(src.String()))
	if got := errorLines(t, err); len(got) != dsl.MaxErrors {
		t.Fatalf("%d errors, want %d", len(got), dsl.MaxErrors)
	}
}

// TestParsePartial: statements before and after a bad line are still in the tree.
func TestParsePartial(t *testing.T) {
	f, err := dsl.Parse("m.ml", []byte("model M\ndense 1 2\nmetric mse\n"))
	if err == nil {
		t.Fatal("no error")
	}
	if f == nil {
		t.Fatal("nil File with an error")
	}
	if got, want := dump(f), "model M\nmetric mse\n"; got != want {
		t.Errorf("partial tree:\n%s\nwant:\n%s", got, want)
	}
}

func TestErrorList(t *testing.T) {
	var empty dsl.ErrorList
	if empty.Err() != nil {
		t.Error("empty ErrorList.Err() != nil")
	}
	if got := empty.Error(); got != "no errors" {
		t.Errorf("empty ErrorList.Error() = %q", got)
	}
	one := dsl.ErrorList{{Pos: dsl.Pos{File: "a.ml", Line: 2, Col: 3}, Msg: "bad"}}
	if got := one.Err().Error(); got != "a.ml:2:3: bad" {
		t.Errorf("one error: %q", got)
	}
	two := append(one, &dsl.Error{Pos: dsl.Pos{File: "a.ml", Line: 4, Col: 1}, Msg: "worse"})
	if got := two.Error(); got != "a.ml:2:3: bad\na.ml:4:1: worse" {
		t.Errorf("two errors: %q", got)
	}
}

// TestParseModels parses every .ml file of the repository: examples and test models.
func TestParseModels(t *testing.T) {
	files, _ := filepath.Glob("../examples/*/*.ml")
	more, _ := filepath.Glob("../tests/models/*/*.ml")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no .ml files found")
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dsl.Parse(name, src); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// errorComment is an expectation written in the input, as go/parser's tests do.
var errorComment = regexp.MustCompile(`# ERROR "((?:[^"\\]|\\.)*)"`)

// TestParseErrorsInline parses testdata/errors.ml, whose lines carry the errors expected
// on them as `# ERROR "regexp"` comments.
func TestParseErrorsInline(t *testing.T) {
	const name = "testdata/errors.ml"
	src, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]*regexp.Regexp{}
	for i, line := range strings.Split(string(src), "\n") {
		if m := errorComment.FindStringSubmatch(line); m != nil {
			want[i+1] = regexp.MustCompile(strings.ReplaceAll(m[1], `\"`, `"`))
		}
	}
	if len(want) >= dsl.MaxErrors {
		t.Fatalf("%d expectations: keep them under dsl.MaxErrors = %d", len(want), dsl.MaxErrors)
	}
	_, err = dsl.Parse(name, src)
	var list dsl.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want dsl.ErrorList: %v", err, err)
	}
	seen := map[int]bool{}
	for _, e := range list {
		if !strings.HasPrefix(e.Error(), fmt.Sprintf("%s:%d:%d: ", name, e.Pos.Line, e.Pos.Col)) {
			t.Errorf("error %q does not start with its file:line:col", e)
		}
		rx, ok := want[e.Pos.Line]
		switch {
		case !ok:
			t.Errorf("unexpected error: %v", e)
		case seen[e.Pos.Line]:
			t.Errorf("second error on line %d: %v", e.Pos.Line, e)
		case !rx.MatchString(e.Msg):
			t.Errorf("%v\n\tdoes not match %q", e, rx)
		}
		seen[e.Pos.Line] = true
	}
	for line, rx := range want {
		if !seen[line] {
			t.Errorf("%s:%d: missing error matching %q", name, line, rx)
		}
	}
}
