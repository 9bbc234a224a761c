package codegen

// A point-set model with `train resample = rad`: the residual pass over given points
// (Residuals) and the redraw of its sampled point sets (Resample).

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/ir"
)

// residualMethods writes Residuals, and Resample or CausalWeights, which use it.
func (e *emitter) residualMethods() {
	m, f := e.m, e.f
	r := m.Settings.Resample
	var args, sets, clears []jen.Code
	var names []string
	first := m.Inputs[0].Name
	checks := []jen.Code{}
	for i, in := range m.Inputs {
		args = append(args, jen.Id(in.Name+"s"))
		names = append(names, in.Name+"s")
		if i > 0 {
			checks = append(checks, jen.If(jen.Len(jen.Id(in.Name+"s")).Op("!=").Len(jen.Id(first+"s"))).Block(
				jen.Panic(jen.Lit(fmt.Sprintf("%s: Residuals: columns of different lengths", m.Name)))))
		}
		sets = append(sets, jen.Id("m").Dot("predIn").Index(jen.Lit(i)).Op("=").Id(in.Name+"s"))
		clears = append(clears, jen.Id("m").Dot("predIn").Index(jen.Lit(i)).Op("=").Nil())
	}
	body := append(checks, jen.If(jen.Len(jen.Id("dst")).Op("<").Len(jen.Id(first+"s")).Op("*").Id("NumResiduals")).Block(
		jen.Panic(jen.Lit(m.Name+": Residuals: dst too short"))))
	body = append(body, sets...)
	body = append(body, jen.Id("m").Dot("predDst").Op("=").Id("dst"),
		jen.Id("m").Dot("tiles").Dot("Residuals").Call(jen.Len(jen.Id(first+"s"))))
	body = append(body, clears...)
	body = append(body, jen.Id("m").Dot("predDst").Op("=").Nil())
	f.Commentf("Residuals writes the residuals %s at the points given by the columns %s", strings.Join(m.ResidualNames, ", "), strings.Join(names, ", "))
	f.Comment("into dst (NumResiduals values a point).")
	f.Func().Params(recv()).Id("Residuals").Params(jen.Id("dst").Index().Id("T"), jen.List(args...).Index().Id("T")).Block(body...)
	f.Line()
	if r == nil {
		e.causalMethod()
		return
	}

	body = []jen.Code{
		jen.If(jen.Id("m").Dot("points").Op("==").Nil()).Block(
			jen.Return(jen.Qual("errors", "New").Call(jen.Lit(strings.ToLower(m.Name) + ": Resample before SetPoints")))),
		jen.Id("p").Op(":=").Op("*").Id("m").Dot("points"),
	}
	for _, ps := range ir.SampledSets(m) {
		src := ps.Sources[0]
		set := func() *jen.Statement { return jen.Id("p").Dot(GoName(ps.Name)) }
		lo, hi := sampleBounds(src)
		blk := []jen.Code{
			jen.Id("n").Op(":=").Len(set().Dot(GoName(first))),
			jen.Id("cols").Op(":=").Add(rt("SampleColumns")).Call(jen.Id("rng"), rt("RADCandidates").Op("*").Id("n"),
				jen.Index().Float64().Values(lo...), jen.Index().Float64().Values(hi...), jen.Lit("uniform")),
			jen.Id("cand").Op(":=").Make(jen.Index().Index().Id("T"), jen.Len(jen.Id("cols"))),
			jen.For(jen.List(jen.Id("i"), jen.Id("col")).Op(":=").Range().Id("cols")).Block(
				jen.Id("cand").Index(jen.Id("i")).Op("=").Add(rt("AppendAs")).Call(jen.Index().Id("T").Call(jen.Nil()), jen.Id("col"))),
			jen.Id("res").Op(":=").Make(jen.Index().Id("T"), jen.Len(jen.Id("cols").Index(jen.Lit(0))).Op("*").Id("NumResiduals")),
		}
		var cargs []jen.Code
		for i := range m.Inputs {
			cargs = append(cargs, jen.Id("cand").Index(jen.Lit(i)))
		}
		blk = append(blk,
			jen.Id("m").Dot("Residuals").Call(append([]jen.Code{jen.Id("res")}, cargs...)...),
			jen.Id("idx").Op(":=").Add(rt("RADSelect")).Call(jen.Id("rng"), jen.Id("res"), jen.Id("NumResiduals"), jen.Id("n"), jen.Id("k"), jen.Id("c")))
		for i, in := range m.Inputs {
			blk = append(blk, set().Dot(GoName(in.Name)).Op("=").Add(rt("Pick")).Call(jen.Id("cand").Index(jen.Lit(i)), jen.Id("idx")))
		}
		body = append(body, jen.Commentf("%s: %s (%s)", ps.Name, describeSource(src), e.loc(src.Pos.Line)), jen.Block(blk...))
	}
	body = append(body, jen.Return(jen.Id("m").Dot("SetPoints").Call(jen.Op("&").Id("p"))))
	f.Commentf("Resample draws the sampled point sets again (train resample = rad, %s): for each,", e.loc(r.Pos.Line))
	f.Comment("mlrt.RADCandidates times as many uniform candidates in its domain, of which as many as the")
	f.Comment("set has are kept, candidate j with probability ∝ |r_j|^k / mean |r|^k + c (mlrt.RADSelect),")
	f.Comment("r the residuals there. The other sets stay as SetPoints last set them.")
	f.Func().Params(recv()).Id("Resample").Params(jen.Id("rng").Op("*").Qual("math/rand/v2", "Rand"), jen.List(jen.Id("k"), jen.Id("c")).Float64()).Error().Block(body...)
	f.Line()
}

// residualOut writes a residual tile's values into Residuals' dst, a point's residuals together.
func (en *entry) residualOut(pass *ir.Pass) {
	en.add(jen.Comment("The residuals, NumResiduals a point."))
	for i, r := range pass.Residuals {
		en.add(jen.For(jen.List(jen.Id("b"), jen.Id("v")).Op(":=").Range().Add(en.ref(r)).Index(jen.Op(":").Id("n"))).Block(
			jen.Id("m").Dot("predDst").Index(jen.Parens(jen.Id("r0").Op("+").Id("b")).Op("*").Id("NumResiduals").Op("+").Lit(i)).Op("=").Id("v")))
	}
}

// causalMethod writes CausalWeights: the causal weights of the sampled sets' points from
// their residuals.
func (e *emitter) causalMethod() {
	m, f, c := e.m, e.f, e.m.Settings.Causal
	body := []jen.Code{
		jen.If(jen.Id("m").Dot("points").Op("==").Nil()).Block(
			jen.Return(jen.Qual("errors", "New").Call(jen.Lit(strings.ToLower(m.Name) + ": CausalWeights before SetPoints")))),
		jen.Id("p").Op(":=").Op("*").Id("m").Dot("points"),
	}
	ti := 0
	for i, in := range m.Inputs {
		if in.Name == c.Input {
			ti = i
		}
	}
	for i, ps := range c.Sets {
		set := func() *jen.Statement { return jen.Id("p").Dot(GoName(ps.Name)) }
		var cols []jen.Code
		for _, in := range m.Inputs {
			cols = append(cols, set().Dot(GoName(in.Name)))
		}
		dst := jen.Nil()
		if i == 0 {
			dst = jen.Id("chunkWeights")
		}
		body = append(body, jen.Commentf("%s: its points by %s in %d chunks of [%v, %v]", ps.Name, c.Input, c.Chunks, c.Lo[i], c.Hi[i]), jen.Block(
			jen.Id("res").Op(":=").Make(jen.Index().Id("T"), jen.Len(cols[0]).Op("*").Id("NumResiduals")),
			jen.Id("m").Dot("Residuals").Call(append([]jen.Code{jen.Id("res")}, cols...)...),
			set().Dot(GoName("causal_"+ps.Name)).Op("=").Add(rt("CausalWeights")).Call(jen.Id("res"), jen.Id("NumResiduals"), cols[ti],
				lit(c.Lo[i]), lit(c.Hi[i]), jen.Id("chunks"), jen.Id("epsilon"), dst)))
	}
	body = append(body, jen.Return(jen.Id("m").Dot("SetPoints").Call(jen.Op("&").Id("p"))))
	f.Commentf("CausalWeights sets the known causal_SET of the sampled sets (train causal, %s): their", e.loc(c.Pos.Line))
	f.Comment("points cut by " + c.Input + " into chunks of equal length, a point of chunk i weighs exp(−epsilon·Σ_{k<i} L_k),")
	f.Comment("L_k the mean squared residual on chunk k (mlrt.CausalWeights); chunkWeights, if not nil,")
	f.Comment("receives the chunks' weights of the first set.")
	f.Func().Params(recv()).Id("CausalWeights").Params(jen.Id("chunks").Int(), jen.Id("epsilon").Float64(), jen.Id("chunkWeights").Index().Float64()).Error().Block(body...)
	f.Line()
}
