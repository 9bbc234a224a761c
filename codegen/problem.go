package codegen

// The problem a .ml file declares beyond its model: where its points come from (MakePoints)
// and what its solution is compared against (References), for `mlc train`.

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/dsl"
	"github.com/mlc-go/mlc/ir"
)

// HasSources reports whether every point set of m says where its points come from, so the
// generated package has MakePoints.
func HasSources(m *ir.Model) bool {
	for _, ps := range m.PointSets {
		if len(ps.Sources) == 0 {
			return false
		}
	}
	return len(m.PointSets) > 0
}

// problem emits MakePoints, References and PredictColumns for a point-set model.
func (e *emitter) problem() {
	m, f := e.m, e.f
	f.Comment("PredictColumns is Predict with the input columns in one slice, in the order of the inputs.")
	var args []jen.Code
	for i := range m.Inputs {
		args = append(args, jen.Id("cols").Index(jen.Lit(i)))
	}
	f.Func().Params(recv()).Id("PredictColumns").Params(jen.Id("dst").Index().Id("T"), jen.Id("cols").Index().Index().Id("T")).Block(
		jen.If(jen.Len(jen.Id("cols")).Op("!=").Id("NumInputs")).Block(
			jen.Panic(jen.Lit(m.Name+": PredictColumns: one column per input needed"))),
		jen.Id("m").Dot("Predict").Call(append([]jen.Code{jen.Id("dst")}, args...)...))
	f.Line()
	if HasSources(m) {
		e.makePoints()
	}
	e.references()
	var box []jen.Code
	for _, b := range m.Domain {
		box = append(box, jen.Values(lit(b[0]), lit(b[1])))
	}
	f.Comment("Domain is the box the point sets' grids and samples span, [lo, hi] per input (nil when")
	f.Comment("their points come only from files).")
	if box == nil {
		f.Var().Id("Domain").Index().Index(jen.Lit(2)).Float64()
	} else {
		f.Var().Id("Domain").Op("=").Index().Index(jen.Lit(2)).Float64().Values(box...)
	}
	f.Line()
}

func (e *emitter) makePoints() {
	m, f := e.m, e.f
	body := []jen.Code{jen.Id("p").Op(":=").Op("&").Id("Points").Values()}
	usesCSV := false
	for _, ps := range m.PointSets {
		set := func() *jen.Statement { return jen.Id("p").Dot(GoName(ps.Name)) }
		given := map[string]bool{}
		for _, v := range ps.Values {
			given[v.Name] = true
		}
		for _, src := range ps.Sources {
			body = append(body, jen.Commentf("%s: %s (%s)", ps.Name, describeSource(src), e.loc(src.Pos.Line)))
			var names []string
			for _, in := range m.Inputs {
				names = append(names, in.Name)
			}
			switch src.Kind {
			case "csv":
				usesCSV = true
				for _, k := range ps.Known {
					if !given[k.Name] {
						names = append(names, k.Name)
					}
				}
				body = append(body, jen.List(jen.Id("cols"), jen.Err()).Op("=").Add(rt("ReadColumns")).Call(
					rt("Beside").Call(jen.Id("dir"), jen.Lit(src.Path)), stringsLit(names), jen.Lit(src.Rows)),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())))
			case "grid":
				body = append(body, jen.Id("cols").Op("=").Add(rt("GridColumns")).Call(gridAxes(src)...))
			case "sample":
				lo, hi := sampleBounds(src)
				body = append(body, jen.Id("cols").Op("=").Add(rt("SampleColumns")).Call(jen.Id("rng"), jen.Lit(src.Count),
					jen.Index().Float64().Values(lo...), jen.Index().Float64().Values(hi...), jen.Lit(src.Method)))
			}
			for i, name := range names {
				body = append(body, set().Dot(GoName(name)).Op("=").Add(rt("AppendAs")).Call(set().Dot(GoName(name)), jen.Id("cols").Index(jen.Lit(i))))
			}
		}
		for _, v := range ps.Values {
			body = append(body, jen.Commentf("%s: %s = %s", ps.Name, v.Name, exprText(v.Expr)))
			vars, decl := e.closedFormVars(v.Expr, func(in string) jen.Code {
				return jen.Float64().Call(set().Dot(GoName(in)).Index(jen.Id("i")))
			})
			loop := append(decl, set().Dot(GoName(v.Name)).Op("=").Append(set().Dot(GoName(v.Name)), jen.Id("T").Call(e.closedForm(v.Expr, vars))))
			rows := jen.Id("i").Op(":=").Range().Add(set().Dot(GoName(m.Inputs[0].Name)))
			if len(decl) == 0 { // a constant: the same at every point
				rows = jen.Range().Add(set().Dot(GoName(m.Inputs[0].Name)))
			}
			body = append(body, jen.For(rows).Block(loop...))
		}
	}
	body = append(body, jen.Return(jen.Id("p"), jen.Nil()))
	decls := []jen.Code{jen.Var().Id("cols").Index().Index().Float64()}
	if usesCSV {
		decls = append(decls, jen.Var().Err().Error())
	}
	body = append(decls, body...)
	f.Commentf("MakePoints makes the point sets %s declares: its grids, its samples (drawn from rng)", e.source())
	f.Comment("and its CSV files (read from dir, the directory of the .ml file), with the known values")
	f.Comment("it gives as closed forms.")
	f.Func().Id("MakePoints").Params(jen.Id("rng").Op("*").Qual("math/rand/v2", "Rand"), jen.Id("dir").String()).Params(jen.Op("*").Id("Points"), jen.Error()).Block(body...)
	f.Line()
}

func (e *emitter) references() {
	m, f := e.m, e.f
	var body []jen.Code
	usesCSV, usesCols := false, false
	for _, r := range m.References {
		if r.Coef != nil {
			body = append(body, jen.Commentf("%s: its true value (%s)", r.Name, e.loc(r.Pos.Line)),
				jen.Id("refs").Op("=").Append(jen.Id("refs"), rt("Reference").Values(jen.Dict{
					jen.Id("Name"): jen.Lit(r.Name), jen.Id("Output"): jen.Lit(-1), jen.Id("Value"): lit(r.Value)})))
			continue
		}
		usesCols = true
		var names []string
		for _, in := range m.Inputs {
			names = append(names, in.Name)
		}
		if r.CSV != nil {
			usesCSV = true
			body = append(body, jen.Commentf("%s: %s (%s)", r.Name, describeSource(r.CSV), e.loc(r.Pos.Line)),
				jen.List(jen.Id("cols"), jen.Err()).Op("=").Add(rt("ReadColumns")).Call(
					rt("Beside").Call(jen.Id("dir"), jen.Lit(r.CSV.Path)), stringsLit(append(names, r.Name)), jen.Lit(r.CSV.Rows)),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
				jen.Id("refs").Op("=").Append(jen.Id("refs"), rt("Reference").Values(jen.Dict{
					jen.Id("Name"): jen.Lit(r.Name), jen.Id("Output"): jen.Lit(r.Output),
					jen.Id("Cols"): jen.Id("cols").Index(jen.Op(":").Lit(len(names))), jen.Id("Want"): jen.Id("cols").Index(jen.Lit(len(names)))})))
			continue
		}
		vars, decl := e.closedFormVars(r.Expr, func(in string) jen.Code {
			return jen.Id("cols").Index(jen.Lit(e.inputIndex(in))).Index(jen.Id("i"))
		})
		src := r.On
		var gen jen.Code
		if src.Kind == "grid" {
			gen = rt("GridColumns").Call(gridAxes(src)...)
		} else {
			var lo, hi []jen.Code
			for _, c := range src.Coords {
				lo, hi = append(lo, lit(c.Lo)), append(hi, lit(c.Hi))
			}
			gen = rt("SampleColumns").Call(jen.Qual("math/rand/v2", "New").Call(jen.Qual("math/rand/v2", "NewPCG").Call(jen.Lit(1), jen.Lit(2))),
				jen.Lit(src.Count), jen.Index().Float64().Values(lo...), jen.Index().Float64().Values(hi...), jen.Lit(src.Method))
		}
		body = append(body, jen.Commentf("%s = %s on %s (%s)", r.Name, exprText(r.Expr), describeSource(src), e.loc(r.Pos.Line)),
			jen.Id("cols").Op("=").Add(gen),
			jen.Id("want").Op("=").Make(jen.Index().Float64(), jen.Len(jen.Id("cols").Index(jen.Lit(0)))),
			jen.For(jen.Id("i").Op(":=").Range().Id("want")).Block(append(decl, jen.Id("want").Index(jen.Id("i")).Op("=").Add(e.closedForm(r.Expr, vars)))...),
			jen.Id("refs").Op("=").Append(jen.Id("refs"), rt("Reference").Values(jen.Dict{
				jen.Id("Name"): jen.Lit(r.Name), jen.Id("Output"): jen.Lit(r.Output), jen.Id("Cols"): jen.Id("cols"), jen.Id("Want"): jen.Id("want")})))
	}
	decls := []jen.Code{jen.Var().Id("refs").Index().Add(rt("Reference"))}
	if usesCols {
		decls = append(decls, jen.Var().Id("cols").Index().Index().Float64())
	}
	if usesCSV {
		decls = append(decls, jen.Var().Err().Error())
	}
	anyClosed := false
	for _, r := range m.References {
		anyClosed = anyClosed || r.Expr != nil && r.Coef == nil
	}
	if anyClosed {
		decls = append(decls, jen.Var().Id("want").Index().Float64())
	}
	body = append(decls, append(body, jen.Return(jen.Id("refs"), jen.Nil()))...)
	f.Commentf("References returns what the reference statements of %s compare the model with: an", e.source())
	f.Comment("output's values at points, or a param's true value. CSV files are read from dir.")
	if len(m.References) == 0 {
		f.Comment("This model has none.")
	}
	f.Func().Id("References").Params(jen.Id("dir").String()).Params(jen.Index().Add(rt("Reference")), jen.Error()).Block(body...)
	f.Line()
}

func gridAxes(src *ir.Source) []jen.Code {
	var axes []jen.Code
	for _, c := range src.Coords {
		if c.Values != nil {
			vs := make([]jen.Code, len(c.Values))
			for i, v := range c.Values {
				vs[i] = lit(v)
			}
			axes = append(axes, rt("GridAxis").Values(jen.Dict{jen.Id("Values"): jen.Index().Float64().Values(vs...)}))
			continue
		}
		axes = append(axes, rt("GridAxis").Values(jen.Id("Lo").Op(":").Add(lit(c.Lo)), jen.Id("Hi").Op(":").Add(lit(c.Hi)), jen.Id("N").Op(":").Lit(c.N)))
	}
	return axes
}

func stringsLit(s []string) jen.Code {
	vs := make([]jen.Code, len(s))
	for i, v := range s {
		vs[i] = jen.Lit(v)
	}
	return jen.Index().String().Values(vs...)
}

// describeSource is a source as the .ml file writes it, shortened: grid(x, t), sample(5000, x, t), csv("f").
func describeSource(s *ir.Source) string {
	var names []string
	for _, c := range s.Coords {
		names = append(names, c.Name)
	}
	switch s.Kind {
	case "csv":
		return fmt.Sprintf("csv(%q)", s.Path)
	case "sample":
		return fmt.Sprintf("sample(%d, %s, method %s)", s.Count, strings.Join(names, ", "), s.Method)
	}
	return fmt.Sprintf("grid(%s) of %d points", strings.Join(names, ", "), s.GridSize())
}

// closedFormVars declares, for the loop body computing a closed form, a float64 local for
// each input it uses, read by read(input name).
func (e *emitter) closedFormVars(x dsl.Expr, read func(string) jen.Code) (map[string]string, []jen.Code) {
	vars := map[string]string{}
	var decl []jen.Code
	dsl.Walk(x, func(x dsl.Expr) {
		id, ok := x.(*dsl.Ident)
		if !ok || vars[id.Name] != "" {
			return
		}
		for _, in := range e.m.Inputs {
			if in.Name == id.Name {
				v := id.Name
				if goReserved[v] || closedFormTaken[v] {
					v += "_"
				}
				vars[id.Name] = v
				decl = append(decl, jen.Id(v).Op(":=").Add(read(id.Name)))
			}
		}
	})
	return vars, decl
}

// closedFormTaken are the names a closed form's loop uses itself.
var closedFormTaken = map[string]bool{"i": true, "p": true, "cols": true, "err": true, "dir": true, "rng": true, "refs": true, "want": true, "math": true, "mlrt": true, "filepath": true, "rand": true, "T": true}

// closedForm writes a closed form as Go: inputs by their locals (vars), the model's named
// constants by value with math's functions.
func (e *emitter) closedForm(x dsl.Expr, vars map[string]string) jen.Code {
	switch x := x.(type) {
	case *dsl.Number:
		return jen.Op(x.Text)
	case *dsl.Paren:
		return jen.Parens(e.closedForm(x.X, vars))
	case *dsl.Ident:
		if v, ok := vars[x.Name]; ok {
			return jen.Id(v)
		}
		if x.Name == "pi" {
			return jen.Qual("math", "Pi")
		}
		return lit(e.m.ConstValues[x.Name])
	case *dsl.Unary:
		if x.Op == "+" {
			return e.closedForm(x.X, vars)
		}
		return jen.Op("-").Add(e.closedForm(x.X, vars))
	case *dsl.Binary:
		a, b := e.closedForm(x.X, vars), e.closedForm(x.Y, vars)
		if x.Op == "^" {
			return jen.Qual("math", "Pow").Call(a, b)
		}
		return jen.Add(a).Op(x.Op).Add(b)
	case *dsl.Call:
		return jen.Qual("math", ir.ClosedFormFuncs[x.Fun.Name]).Call(e.closedForm(x.Args[0].Value, vars))
	}
	panic(fmt.Sprintf("mlc: internal error: closed form %T", x))
}

// exprText writes an expression back as .ml text, for comments.
func exprText(x dsl.Expr) string {
	switch x := x.(type) {
	case *dsl.Number:
		return x.Text
	case *dsl.Paren:
		return "(" + exprText(x.X) + ")"
	case *dsl.Ident:
		return x.Name
	case *dsl.Unary:
		return x.Op + exprText(x.X)
	case *dsl.Binary:
		if x.Op == "^" || x.Op == "*" || x.Op == "/" {
			return exprText(x.X) + " " + x.Op + " " + exprText(x.Y)
		}
		return exprText(x.X) + " " + x.Op + " " + exprText(x.Y)
	case *dsl.Call:
		var args []string
		for _, a := range x.Args {
			args = append(args, exprText(a.Value))
		}
		return x.Fun.Name + "(" + strings.Join(args, ", ") + ")"
	}
	return "?"
}

// makeWindows emits MakeWindows for a model whose data statements are series(...): the
// windows of the training and the test series.
func (e *emitter) makeWindows() {
	m, f := e.m, e.f
	const ts = "github.com/mlc-go/mlc/runtime/timeseries"
	spec := func(d *ir.DataSet) jen.Code {
		return jen.Qual(ts, "SeriesSpec").Values(jen.Dict{
			jen.Id("Path"):    jen.Lit(d.Path),
			jen.Id("Columns"): jen.Lit(d.Series.Columns),
			jen.Id("Time"):    jen.Lit(d.Series.Time),
			jen.Id("Range"):   jen.Lit(d.Series.Range),
		})
	}
	var train, test jen.Code = jen.Qual(ts, "SeriesSpec").Values(), jen.Nil()
	standardize := false
	var steps, channels int
	for _, d := range m.Data {
		if d.Name == "train" {
			train, standardize = spec(d), d.Standardize
		} else {
			test = jen.Op("&").Add(spec(d))
		}
		steps, channels = d.Series.Steps, d.Series.Channels
	}
	f.Commentf("MakeWindows reads the series the data statements of %s name, from files in dir (the", e.source())
	f.Commentf("directory of the .ml file), and cuts them into windows of %d samples × %d channels: the", steps, channels)
	f.Comment("training windows and the test windows (nil without data test). A window is the input and")
	f.Comment("the target.")
	f.Func().Id("MakeWindows").Params(jen.Id("dir").String()).Params(jen.List(jen.Id("train"), jen.Id("test")).Op("*").Qual(ts, "Windows").Types(jen.Id("T")), jen.Err().Error()).Block(
		jen.Return(jen.Qual(ts, "LoadSeriesWindows").Types(jen.Id("T")).Call(jen.Id("dir"), train, test, jen.Lit(steps), jen.Lit(channels), jen.Id("Standardize"))),
	)
	f.Line()
	f.Comment("Standardize is data train's standardize: scale each channel by the training series' mean and")
	f.Comment("standard deviation, the test series alike.")
	f.Const().Id("Standardize").Op("=").Lit(standardize)
	f.Line()
}

// makeData emits MakeData and Standardize for a mini-batch model's data statements.
func (e *emitter) makeData() {
	m, f := e.m, e.f
	if m.Data[0].Series != nil {
		e.makeWindows()
		return
	}
	body := []jen.Code{}
	standardize := false
	for _, d := range m.Data {
		var ins, tgts []jen.Code
		for i, c := range d.Columns {
			v := jen.Values(jen.Id("Lo").Op(":").Lit(c.Lo), jen.Id("Hi").Op(":").Lit(c.Hi))
			if c.Name == m.Labels {
				v = jen.Values(jen.Id("Lo").Op(":").Lit(c.Lo), jen.Id("Hi").Op(":").Lit(c.Hi), jen.Id("Classes").Op(":").Lit(m.Classes))
			}
			if i < len(m.Inputs) {
				ins = append(ins, v)
			} else {
				tgts = append(tgts, v)
			}
		}
		body = append(body, jen.Commentf("data %s (%s)", d.Name, e.loc(d.Pos.Line)),
			jen.If(jen.List(jen.Id(d.Name), jen.Err()).Op("=").Add(rt("ReadTable")).Types(jen.Id("T")).Call(
				rt("Beside").Call(jen.Id("dir"), jen.Lit(d.Path)), jen.Lit(d.Skip), jen.Lit(d.RowLo), jen.Lit(d.RowHi),
				jen.Index().Add(rt("Columns")).Values(ins...), jen.Index().Add(rt("Columns")).Values(tgts...)),
				jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Nil(), jen.Err())))
		standardize = standardize || d.Name == "train" && d.Standardize
	}
	body = append(body, jen.Return(jen.Id("train"), jen.Id("test"), jen.Nil()))
	f.Commentf("MakeData reads the rows the data statements of %s name, from files in dir (the", e.source())
	f.Comment("directory of the .ml file): the training rows and the test rows (nil without data test).")
	f.Func().Id("MakeData").Params(jen.Id("dir").String()).Params(jen.List(jen.Id("train"), jen.Id("test")).Op("*").Add(rt("Table")).Types(jen.Id("T")), jen.Err().Error()).Block(body...)
	f.Line()
	f.Comment("Standardize is data train's standardize: scale the inputs to zero mean and unit variance")
	f.Comment("over the rows the model trains on (not the validation rows), and the test rows alike.")
	f.Const().Id("Standardize").Op("=").Lit(standardize)
	f.Line()
	for _, d := range m.Data {
		if a := d.Augment; a != nil {
			f.Commentf("Augment is data train's augment = shift(%d): each time a training row is drawn, its input,", a.N)
			f.Commentf("an image of %d × %d, moves by up to %d pixels along each axis (zeros moving in).", a.Rows, a.Cols, a.N)
			f.Var().Id("Augment").Op("=").Add(rt("Shift")).Values(jen.Dict{
				jen.Id("N"):     jen.Lit(a.N),
				jen.Id("Shape"): jen.Index(jen.Lit(2)).Int().Values(jen.Lit(a.Rows), jen.Lit(a.Cols)),
			})
			f.Line()
		}
	}
}

// sampleBounds are a sample's lower and upper bounds, a literal per coordinate (a fixed
// coordinate: its value twice).
func sampleBounds(src *ir.Source) (lo, hi []jen.Code) {
	for _, c := range src.Coords {
		l, h := c.Lo, c.Hi
		if c.Values != nil {
			l, h = c.Values[0], c.Values[0]
		}
		lo, hi = append(lo, lit(l)), append(hi, lit(h))
	}
	return lo, hi
}
