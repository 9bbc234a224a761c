package plots

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
)

// Grid is a field sampled on a rectangular grid: Z[i*len(Y)+j] is the value at (X[i], Y[j]).
type Grid struct {
	X, Y []float64
	Z    []float64
}

type gridXYZ struct{ g Grid }

func (g gridXYZ) Dims() (c, r int)   { return len(g.g.X), len(g.g.Y) }
func (g gridXYZ) Z(c, r int) float64 { return g.g.Z[c*len(g.g.Y)+r] }
func (g gridXYZ) X(c int) float64    { return g.g.X[c] }
func (g gridXYZ) Y(r int) float64    { return g.g.Y[r] }

// Heat draws a heat map of g; diverging uses a blue–red map symmetric about zero (for
// signed fields), otherwise a black-body map from the minimum to the maximum.
func Heat(title, xlabel, ylabel string, g Grid, diverging bool) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range g.Z {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	var cm palette.ColorMap
	if diverging {
		m := math.Max(math.Abs(lo), math.Abs(hi))
		lo, hi = -m, m
		cm = moreland.SmoothBlueRed()
	} else {
		cm = moreland.ExtendedBlackBody()
	}
	if hi <= lo {
		hi = lo + 1
	}
	cm.SetMin(lo)
	cm.SetMax(hi)
	h := plotter.NewHeatMap(gridXYZ{g}, cm.Palette(255))
	h.Min, h.Max = lo, hi
	p.Add(h)
	// A colour bar as a thin legend: the range in the title is enough to read values.
	p.Title.Text = title + "  [" + fmtG(lo) + ", " + fmtG(hi) + "]"
	return p
}

func fmtG(v float64) string { return formatFloat(v) }
