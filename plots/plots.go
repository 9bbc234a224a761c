// Package plots writes the PNG figures of the examples with gonum.org/v1/plot.
package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Series is one named curve.
type Series struct {
	Name string
	X, Y []float64
	// Color picks the palette entry (0 means by position); Dashed draws a dashed line,
	// e.g. a reference curve beside the computed one in the same colour.
	Color  int
	Dashed bool
}

// palette is a colour-blind-safe set (Okabe–Ito).
var colors = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
}

// Lines draws curves on one set of axes; logY uses a logarithmic y axis (non-positive
// values are left out there).
func Lines(title, xlabel, ylabel string, logY bool, series ...Series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Legend.Top = true
	for i, s := range series {
		pts := make(plotter.XYs, 0, len(s.X))
		for k := range s.X {
			y := s.Y[k]
			if math.IsNaN(y) || math.IsInf(y, 0) || logY && y <= 0 {
				continue
			}
			pts = append(pts, plotter.XY{X: s.X[k], Y: y})
		}
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("plot %q: %w", s.Name, err)
		}
		c := i
		if s.Color > 0 {
			c = s.Color - 1
		}
		l.Color = colors[c%len(colors)]
		l.Width = vg.Points(1.5)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	p.Add(plotter.NewGrid())
	return p, nil
}

// SaveRow writes plots side by side into one PNG of the given total size.
func SaveRow(path string, width, height vg.Length, ps ...*plot.Plot) error {
	if len(ps) == 1 {
		return ps[0].Save(width, height, path)
	}
	img := vgimgCanvas(width, height)
	w := width / vg.Length(len(ps))
	for i, p := range ps {
		dc := drawArea(img, vg.Length(i)*w, w, height)
		p.Draw(dc)
	}
	return savePNG(img, path)
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }
