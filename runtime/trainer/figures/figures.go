// Package figures draws the plots of a run of mlc train's driver: it is apart from package
// trainer so that the mlc command, which reads the trainer's flags, does not link the
// plotting libraries.
package figures

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/mlc-go/mlc/plots"
	"github.com/mlc-go/mlc/runtime/trainer"
)

// Draw draws the plots the problem's shape calls for into dir and returns the files written:
//   - NAME_training.png: the loss and its terms, and the error against each reference,
//     against training time;
//   - NAME_params.png: each param's trajectory, its true value dashed when known;
//   - for two inputs, NAME_U.png per output U: the predicted field, the error against a
//     gridded reference (log colour scale) and profiles at four values of one input;
//   - for one input, NAME_U.png: the prediction against the input, the reference dotted.
func Draw(dir string, r *trainer.Result) ([]string, error) {
	s := r.Summary
	base := filepath.Join(dir, strings.ToLower(r.Name))
	var files []string
	save := func(name string, w vg.Length, ps ...*plot.Plot) error {
		path := base + "_" + name + ".png"
		if err := plots.SaveRow(path, w, 9*vg.Centimeter, ps...); err != nil {
			return err
		}
		files = append(files, path)
		return nil
	}
	if ps, err := trainingPlots(s); err != nil {
		return nil, err
	} else if err := save("training", vg.Length(len(ps))*12*vg.Centimeter, ps...); err != nil {
		return nil, err
	}
	if ps, err := paramPlots(s, r.TrueParams); err != nil {
		return nil, err
	} else if len(ps) > 0 {
		if err := save("params", vg.Length(len(ps))*11*vg.Centimeter, ps...); err != nil {
			return nil, err
		}
	}
	for k, out := range r.Outputs {
		ps, err := fieldPlots(r, k, out)
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 {
			continue
		}
		if err := save(fileName(out), vg.Length(len(ps))*12*vg.Centimeter, ps...); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// fileName makes an output's name usable in a file name: u, or w_0 for w[0].
func fileName(s string) string {
	return strings.NewReplacer("[", "_", "]", "", " ", "_", "/", "_").Replace(s)
}

func trainingPlots(s *trainer.Summary) ([]*plot.Plot, error) {
	if len(s.History) == 0 {
		return nil, nil
	}
	var loss []plots.Series
	total := plots.Series{Name: "loss"}
	var names []string // the terms, sorted: a term keeps its colour from run to run
	for n := range s.History[0].Terms {
		names = append(names, n)
	}
	sort.Strings(names)
	terms := map[string]*plots.Series{}
	for i, n := range names {
		terms[n] = &plots.Series{Name: n, Color: i + 2, Dashed: true}
	}
	for _, r := range s.History {
		total.X, total.Y = append(total.X, r.Seconds), append(total.Y, r.Loss)
		for _, n := range names {
			terms[n].X, terms[n].Y = append(terms[n].X, r.Seconds), append(terms[n].Y, r.Terms[n])
		}
	}
	loss = append(loss, total)
	if len(names) > 1 {
		for _, n := range names {
			loss = append(loss, *terms[n])
		}
	}
	lp, err := plots.Lines("loss", "training time (s)", "loss", true, loss...)
	if err != nil {
		return nil, err
	}
	out := []*plot.Plot{lp}
	var enames []string
	seen := map[string]bool{}
	for _, r := range s.History {
		for n := range r.RelL2 {
			if !seen[n] {
				seen[n] = true
				enames = append(enames, n)
			}
		}
	}
	sort.Strings(enames)
	if len(enames) > 0 {
		var es []plots.Series
		for i, n := range enames {
			e := plots.Series{Name: n, Color: i + 1}
			for _, r := range s.History {
				if v, ok := r.RelL2[n]; ok {
					e.X, e.Y = append(e.X, r.Seconds), append(e.Y, v)
				}
			}
			es = append(es, e)
		}
		ep, err := plots.Lines("error against the reference", "training time (s)", "relative L2 error", true, es...)
		if err != nil {
			return nil, err
		}
		out = append(out, ep)
	}
	return out, nil
}

func paramPlots(s *trainer.Summary, truth map[string]float64) ([]*plot.Plot, error) {
	var names []string
	for n := range s.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*plot.Plot
	for _, n := range names {
		fit := plots.Series{Name: n}
		for _, r := range s.History {
			if v, ok := r.Params[n]; ok {
				fit.X, fit.Y = append(fit.X, r.Seconds), append(fit.Y, v)
			}
		}
		series := []plots.Series{fit}
		if want, ok := truth[n]; ok && len(fit.X) > 0 {
			series = append(series, plots.Series{Name: "true value", X: []float64{fit.X[0], fit.X[len(fit.X)-1]}, Y: []float64{want, want}, Color: 1, Dashed: true})
		}
		pl, err := plots.Lines(n, "training time (s)", n, false, series...)
		if err != nil {
			return nil, err
		}
		out = append(out, pl)
	}
	return out, nil
}

// fieldPlots draws output k: for two inputs its field, its error against a gridded
// reference and profiles; for one input a curve.
func fieldPlots(r *trainer.Result, k int, name string) ([]*plot.Plot, error) {
	var ref *trainer.FieldResult
	for i := range r.Fields {
		if r.Fields[i].Output == k {
			ref = &r.Fields[i]
		}
	}
	switch len(r.Inputs) {
	case 1:
		return curvePlot(r, k, name, ref)
	case 2:
		return fieldPlots2(r, k, name, ref)
	}
	return nil, nil
}

func curvePlot(r *trainer.Result, k int, name string, ref *trainer.FieldResult) ([]*plot.Plot, error) {
	lo, hi := span(r, 0)
	if ref != nil {
		lo, hi = extent(ref.Cols[0])
	}
	xs := linspace(lo, hi, 501)
	pred := plots.Series{Name: "predicted", X: xs, Y: r.Predict([][]float64{xs})[k]}
	series := []plots.Series{pred}
	if ref != nil {
		rs := plots.Series{Name: "reference", Color: 2, Dashed: true}
		for _, i := range order(ref.Cols[0]) {
			rs.X, rs.Y = append(rs.X, ref.Cols[0][i]), append(rs.Y, ref.Want[i])
		}
		series = append(series, rs)
	}
	pl, err := plots.Lines(name, r.Inputs[0], name, false, series...)
	if err != nil {
		return nil, err
	}
	return []*plot.Plot{pl}, nil
}

// fieldPlots2 draws a two-input output. The horizontal axis is t when an input is called
// t (a time), else the first input.
func fieldPlots2(r *trainer.Result, k int, name string, ref *trainer.FieldResult) ([]*plot.Plot, error) {
	p := r
	h, v := 0, 1
	if p.Inputs[1] == "t" {
		h, v = 1, 0
	}
	var hs, vs []float64
	var got, want []float64 // on the reference grid, when the reference is one
	if ref != nil {
		if hs, vs = gridAxes(ref.Cols[h], ref.Cols[v]); hs != nil {
			got, want = onGrid(ref.Cols[h], ref.Cols[v], hs, vs, ref.Got), onGrid(ref.Cols[h], ref.Cols[v], hs, vs, ref.Want)
		}
	}
	if hs == nil {
		// The box the points span; a scattered reference's own extent when there is none.
		hlo, hhi := span(r, h)
		vlo, vhi := span(r, v)
		if r.Domain == nil && ref != nil {
			hlo, hhi = extent(ref.Cols[h])
			vlo, vhi = extent(ref.Cols[v])
		}
		hs, vs = linspace(hlo, hhi, 201), linspace(vlo, vhi, 201)
	}
	field := predictGrid(r, k, h, hs, vs)
	var out []*plot.Plot
	fp, err := plots.HeatMap(name+" predicted", p.Inputs[h], p.Inputs[v], plots.Grid{X: hs, Y: vs, Z: field}, signedScale(field), name)
	if err != nil {
		return nil, err
	}
	out = append(out, fp)
	if got != nil {
		errs := make([]float64, len(got))
		for i := range got {
			errs[i] = math.Abs(got[i] - want[i])
		}
		ep, err := plots.HeatMap("|"+name+" − reference|", p.Inputs[h], p.Inputs[v], plots.Grid{X: hs, Y: vs, Z: errs}, plots.Log, "absolute error")
		if err != nil {
			return nil, err
		}
		out = append(out, ep)
	}
	// Profiles: the output along the vertical input at four values of the horizontal one.
	var series []plots.Series
	for c, f := range []float64{0, 1.0 / 3, 2.0 / 3, 1} {
		i := int(math.Round(f * float64(len(hs)-1)))
		label := fmt.Sprintf("%s = %.3g", p.Inputs[h], hs[i])
		pred := plots.Series{Name: label, Color: c + 1}
		for j := range vs {
			pred.X, pred.Y = append(pred.X, vs[j]), append(pred.Y, field[i*len(vs)+j])
		}
		series = append(series, pred)
		if want != nil {
			r := plots.Series{Color: c + 1, Dashed: true}
			for j := range vs {
				r.X, r.Y = append(r.X, vs[j]), append(r.Y, want[i*len(vs)+j])
			}
			series = append(series, r)
		}
	}
	title := "profiles of " + name
	if want != nil {
		title += " (reference dashed)"
	}
	pp, err := plots.Lines(title, p.Inputs[v], name, false, series...)
	if err != nil {
		return nil, err
	}
	return append(out, pp), nil
}

// predictGrid predicts output k on the grid hs × vs (hs the values of input h): the
// result is laid out as plots.Grid wants, the vertical index fastest.
func predictGrid(r *trainer.Result, k, h int, hs, vs []float64) []float64 {
	cols := [][]float64{nil, nil}
	for _, a := range hs {
		for _, b := range vs {
			cols[h] = append(cols[h], a)
			cols[1-h] = append(cols[1-h], b)
		}
	}
	return r.Predict(cols)[k]
}

// signedScale is Diverging for a field of both signs, else Linear: a field that only dips
// below zero by a few percent of its size (a network's small error near a zero boundary
// value) reads better on the sequential map.
func signedScale(z []float64) plots.Scale {
	lo, hi := extent(z)
	size := math.Max(-lo, hi)
	if lo < -0.05*size && hi > 0.05*size {
		return plots.Diverging
	}
	return plots.Linear
}

// gridAxes returns the sorted distinct values of a and b when the points (a[i], b[i]) are
// exactly the grid of their product (each pair once), else nil.
func gridAxes(a, b []float64) ([]float64, []float64) {
	as, bs := distinct(a), distinct(b)
	if len(as) < 2 || len(bs) < 2 || len(as)*len(bs) != len(a) {
		return nil, nil
	}
	seen := make(map[[2]float64]bool, len(a))
	for i := range a {
		seen[[2]float64{a[i], b[i]}] = true
	}
	if len(seen) != len(a) {
		return nil, nil
	}
	return as, bs
}

func distinct(a []float64) []float64 {
	set := map[float64]bool{}
	for _, v := range a {
		set[v] = true
	}
	out := make([]float64, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Float64s(out)
	return out
}

// onGrid lays the values vals at points (a[i], b[i]) out on the grid as × bs.
func onGrid(a, b []float64, as, bs []float64, vals []float64) []float64 {
	ia, ib := index(as), index(bs)
	out := make([]float64, len(as)*len(bs))
	for i := range a {
		out[ia[a[i]]*len(bs)+ib[b[i]]] = vals[i]
	}
	return out
}

func index(v []float64) map[float64]int {
	m := make(map[float64]int, len(v))
	for i, x := range v {
		m[x] = i
	}
	return m
}

func order(a []float64) []int {
	idx := make([]int, len(a))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return a[idx[i]] < a[idx[j]] })
	return idx
}

func extent(a []float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range a {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if !(hi > lo) {
		return lo - 0.5, lo + 0.5
	}
	return lo, hi
}

// span is input i's interval in the problem's domain, [0, 1] when it has none.
func span(r *trainer.Result, i int) (float64, float64) {
	if r.Domain == nil || !(r.Domain[i][1] > r.Domain[i][0]) {
		return 0, 1
	}
	return r.Domain[i][0], r.Domain[i][1]
}

func linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return out
}

// DrawBatch draws a mini-batch run's curves into dir: NAME_training.png with the loss and each
// metric per epoch, training and validation.
func DrawBatch(dir string, r *trainer.BatchResult) ([]string, error) {
	s := r.Summary
	if len(s.History) == 0 {
		return nil, nil
	}
	curves := func(title string, train func(e int) float64, val func(e int) (float64, bool), logY bool) (*plot.Plot, error) {
		t := plots.Series{Name: "training"}
		v := plots.Series{Name: "validation", Color: 2}
		for i, e := range s.History {
			t.X, t.Y = append(t.X, float64(e.Epoch)), append(t.Y, train(i))
			if y, ok := val(i); ok {
				v.X, v.Y = append(v.X, float64(e.Epoch)), append(v.Y, y)
			}
		}
		series := []plots.Series{t}
		if len(v.X) > 0 {
			series = append(series, v)
		}
		return plots.Lines(title, "epoch", title, logY, series...)
	}
	hasVal := s.ValLoss != nil
	lp, err := curves("loss", func(i int) float64 { return s.History[i].Loss },
		func(i int) (float64, bool) { return s.History[i].ValLoss, hasVal }, true)
	if err != nil {
		return nil, err
	}
	ps := []*plot.Plot{lp}
	var names []string
	for n := range s.Metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		mp, err := curves(n, func(i int) float64 { return s.History[i].Metrics[n] },
			func(i int) (float64, bool) { v, ok := s.History[i].ValMetrics[n]; return v, ok }, false)
		if err != nil {
			return nil, err
		}
		ps = append(ps, mp)
	}
	if s.History[0].LR > 0 { // a learning-rate schedule
		lr, err := curves("learning rate", func(i int) float64 { return s.History[i].LR },
			func(int) (float64, bool) { return 0, false }, true)
		if err != nil {
			return nil, err
		}
		ps = append(ps, lr)
	}
	path := filepath.Join(dir, strings.ToLower(r.Name)+"_training.png")
	if err := plots.SaveRow(path, vg.Length(len(ps))*12*vg.Centimeter, 9*vg.Centimeter, ps...); err != nil {
		return nil, err
	}
	files := []string{path}
	if c := s.Confusion; c != nil {
		cp, err := plots.Confusion("confusion matrix, "+c.Rows(), c.Counts, nil)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, strings.ToLower(r.Name)+"_confusion.png")
		side := vg.Length(8+len(c.Counts)) * vg.Centimeter
		if err := plots.SaveRow(path, side, side, cp); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	return files, nil
}

// DrawSweep draws a sweep's result against each of its settings: one panel per setting, the
// error (the loss without a reference) of every run against the setting's value, a curve
// per seed, on a log scale.
func DrawSweep(path string, t *trainer.SweepTable) error {
	var ps []*plot.Plot
	for _, name := range t.Settings {
		bySeed := map[uint64]*plots.Series{}
		var seeds []uint64
		for _, r := range t.Rows {
			x, err := strconv.ParseFloat(r.Settings[name], 64)
			if err != nil {
				continue
			}
			s := bySeed[r.Run.Seed]
			if s == nil {
				s = &plots.Series{Name: fmt.Sprintf("seed %d", r.Run.Seed)}
				bySeed[r.Run.Seed] = s
				seeds = append(seeds, r.Run.Seed)
			}
			s.X, s.Y = append(s.X, x), append(s.Y, r.Quality)
		}
		sort.Slice(seeds, func(i, j int) bool { return seeds[i] < seeds[j] })
		var series []plots.Series
		for i, seed := range seeds {
			s := bySeed[seed]
			idx := order(s.X)
			xs, ys := make([]float64, len(idx)), make([]float64, len(idx))
			for k, j := range idx {
				xs[k], ys[k] = s.X[j], s.Y[j]
			}
			series = append(series, plots.Series{Name: s.Name, X: xs, Y: ys, Color: i + 1})
		}
		ylabel := "relative L2 error" // the worst output's, for several
		if !hasError(t) {
			ylabel = "final loss"
		}
		p, err := plots.Lines(ylabel+" against "+name, name, ylabel, true, series...)
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	return plots.SaveRow(path, vg.Length(len(ps))*12*vg.Centimeter, 9*vg.Centimeter, ps...)
}

func hasError(t *trainer.SweepTable) bool {
	for _, m := range t.Metrics {
		if strings.HasPrefix(m, "rel_l2") {
			return true
		}
	}
	return false
}
