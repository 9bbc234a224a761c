package plots

import (
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Confusion draws a classifier's confusion matrix: counts[i][j] samples of true class i
// were given class j. The true classes run down from the top, the predicted ones across,
// as scikit-learn draws them; each cell shows its count, shaded by the fraction of its true
// class's samples it holds (so the diagonal of a good classifier is bright whatever the
// sizes of the classes). names label the classes (nil: 0, 1, …). It fails on a matrix that
// is not square or is empty, or on names that do not match it.
func Confusion(title string, counts [][]int, names []string) (*plot.Plot, error) {
	k := len(counts)
	if k == 0 {
		return nil, fmt.Errorf("confusion matrix %q: no classes", title)
	}
	for i, row := range counts {
		if len(row) != k {
			return nil, fmt.Errorf("confusion matrix %q: row %d has %d counts, want %d", title, i, len(row), k)
		}
	}
	if names == nil {
		for i := range k {
			names = append(names, strconv.Itoa(i))
		}
	}
	if len(names) != k {
		return nil, fmt.Errorf("confusion matrix %q: %d names for %d classes", title, len(names), k)
	}
	p := newPlot(title, "predicted class", "true class")
	var xt, yt []plot.Tick
	for i, n := range names {
		xt = append(xt, plot.Tick{Value: float64(i), Label: n})
		yt = append(yt, plot.Tick{Value: float64(k - 1 - i), Label: n})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks(xt), plot.ConstantTicks(yt)
	p.Add(&confusionCells{counts: counts, style: p.X.Tick.Label})
	p.Add(frame{})
	return p, nil
}

// confusionCells draws the cells of a confusion matrix: cell (i, j) is centred at x = j,
// y = k−1−i.
type confusionCells struct {
	counts [][]int
	style  draw.TextStyle
}

func (c *confusionCells) DataRange() (xmin, xmax, ymin, ymax float64) {
	k := float64(len(c.counts))
	return -0.5, k - 0.5, -0.5, k - 0.5
}

func (c *confusionCells) Plot(dc draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&dc)
	k := len(c.counts)
	sty := c.style
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	for i, row := range c.counts {
		total := 0
		for _, n := range row {
			total += n
		}
		for j, n := range row {
			frac := 0.0
			if total > 0 {
				frac = float64(n) / float64(total)
			}
			x, y := float64(j), float64(k-1-i)
			r := vg.Rectangle{Min: vg.Point{X: trX(x - 0.5), Y: trY(y - 0.5)}, Max: vg.Point{X: trX(x + 0.5), Y: trY(y + 0.5)}}
			fill := viridisAt(frac)
			dc.SetColor(fill)
			dc.Fill(r.Path())
			// Dark text on the bright end of the map, light text on the dark end.
			sty.Color = color.White
			if frac > 0.6 {
				sty.Color = color.Black
			}
			dc.FillText(sty, vg.Point{X: trX(x), Y: trY(y)}, strconv.Itoa(n))
		}
	}
}
