package plots

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// SaveRow writes panels side by side into one image of the given total size, their axes
// aligned. The format follows the extension of path: .png (at 96 dots per inch), .jpg,
// .tif, .svg, .pdf or .eps.
func SaveRow(path string, width, height vg.Length, ps ...*plot.Plot) error {
	if len(ps) == 0 {
		return fmt.Errorf("save %s: no panels", path)
	}
	return save(path, width, height, 1, len(ps), ps)
}

// SaveGrid writes panels in a grid of rows × cols (row by row; a nil panel leaves its cell
// empty) into one image, the axes aligned so that the panels of a column share their x
// positions and those of a row their y positions. The format follows the extension as for
// SaveRow.
func SaveGrid(path string, width, height vg.Length, rows, cols int, ps ...*plot.Plot) error {
	if rows < 1 || cols < 1 || len(ps) != rows*cols {
		return fmt.Errorf("save grid %s: %d plots for %d×%d", path, len(ps), rows, cols)
	}
	return save(path, width, height, rows, cols, ps)
}

func save(path string, width, height vg.Length, rows, cols int, ps []*plot.Plot) error {
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if format == "" {
		return fmt.Errorf("save %s: no extension to name the format", path)
	}
	c, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := drawPanels(draw.New(c), rows, cols, ps); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("save %s: %w", path, err)
	}
	return f.Close()
}

// Legend layout. A legend goes in a white box inside the axes where it covers no data: in a
// corner (tried in the order top right, top left, bottom right, bottom left), else elsewhere
// along the top or bottom edge. When no such place is free, it goes beside the axes, for
// which the panels of that column give up width.
const (
	legendInset = 4 // points between a legend box and the frame
	legendPad   = 3 // points between a legend box and its entries
	legendGap   = 6 // points between the panel and a legend beside it
)

type placement int

const (
	noLegend placement = iota
	inside
	outside
)

func drawPanels(dc draw.Canvas, rows, cols int, ps []*plot.Plot) error {
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = ps[r*cols : (r+1)*cols]
	}
	if !anyPanel(ps) {
		return errors.New("no panels")
	}
	m := vg.Millimeter
	t := draw.Tiles{Rows: rows, Cols: cols, PadTop: m, PadBottom: m, PadLeft: m, PadRight: 2 * m,
		PadX: 6 * m, PadY: 3 * m}
	cs := plot.Align(grid, t, dc)
	w, h := dc.Size().X, dc.Size().Y

	// First the corners on the aligned panels; a column with a legend that fits no corner
	// makes room beside its panels for the widest such legend, and then its other legends
	// must fit a corner of the narrower axes or move beside them too.
	place := make([][]placement, rows)
	boxes := make([][]vg.Rectangle, rows)
	strip := make([]vg.Length, cols)
	for r := range grid {
		place[r] = make([]placement, cols)
		boxes[r] = make([]vg.Rectangle, cols)
		for c, p := range grid[r] {
			if p == nil {
				continue
			}
			place[r][c], boxes[r][c] = placeLegend(p, cs[r][c], w, h)
			if place[r][c] == outside {
				strip[c] = max(strip[c], legendSize(p).X+vg.Points(legendGap))
			}
		}
	}
	for c := range cols {
		if strip[c] == 0 {
			continue
		}
		for r := range rows {
			cs[r][c].Max.X -= strip[c]
			if p := grid[r][c]; p != nil && place[r][c] != noLegend {
				place[r][c], boxes[r][c] = placeLegend(p, cs[r][c], w, h)
			}
		}
	}
	for r := range grid {
		for c, p := range grid[r] {
			if p == nil {
				continue
			}
			leg := p.Legend
			p.Legend = plot.NewLegend()
			p.Draw(cs[r][c])
			p.Legend = leg
			switch place[r][c] {
			case inside:
				drawLegend(dc.Canvas, leg, boxes[r][c])
			case outside:
				sz := legendSize(p)
				top := p.DataCanvas(cs[r][c]).Max.Y
				x := cs[r][c].Max.X + vg.Points(legendGap)
				drawLegend(dc.Canvas, leg, vg.Rectangle{Min: vg.Point{X: x, Y: top - sz.Y}, Max: vg.Point{X: x + sz.X, Y: top}})
			}
		}
	}
	return nil
}

func anyPanel(ps []*plot.Plot) bool {
	for _, p := range ps {
		if p != nil {
			return true
		}
	}
	return false
}

// legendSize is the size of p's legend box, zero when it has no entries.
func legendSize(p *plot.Plot) vg.Point {
	r := p.Legend.Rectangle(draw.Canvas{}).Size()
	if r.Y <= 0 {
		return vg.Point{}
	}
	pad := vg.Points(2 * legendPad)
	return vg.Point{X: r.X + pad, Y: r.Y + pad + p.Legend.TextStyle.FontExtents().Descent}
}

// placeLegend chooses where p's legend goes when p is drawn in c, part of a figure of size
// w × h, and the box it goes in when inside. It renders p without its legend to look.
func placeLegend(p *plot.Plot, c draw.Canvas, w, h vg.Length) (placement, vg.Rectangle) {
	sz := legendSize(p)
	if sz.Y == 0 {
		return noLegend, vg.Rectangle{}
	}
	data := p.DataCanvas(c).Rectangle
	in := vg.Points(legendInset)
	room := data.Size().X - 2*in - sz.X
	if room < 0 || sz.Y+2*in > data.Size().Y*0.8 {
		return outside, vg.Rectangle{}
	}
	img := vgimg.New(w, h)
	leg := p.Legend
	p.Legend = plot.NewLegend()
	p.Draw(draw.Canvas{Canvas: img, Rectangle: c.Rectangle})
	p.Legend = leg
	pix := img.Image()
	top, bottom := data.Max.Y-in-sz.Y, data.Min.Y+in
	right, left := data.Max.X-in-sz.X, data.Min.X+in
	spots := []vg.Point{{X: right, Y: top}, {X: left, Y: top}, {X: right, Y: bottom}, {X: left, Y: bottom}}
	const steps = 8
	for _, y := range []vg.Length{top, bottom} {
		for k := steps - 1; k > 0; k-- {
			spots = append(spots, vg.Point{X: left + room*vg.Length(k)/steps, Y: y})
		}
	}
	for _, at := range spots {
		box := vg.Rectangle{Min: at, Max: at.Add(sz)}
		if inked(pix, box, h, img.DPI()) == 0 {
			return inside, box
		}
	}
	return outside, vg.Rectangle{}
}

// inked counts the pixels of img inside box (and a point around it) that carry data: any
// colour, or grey darker than the grid lines.
func inked(img image.Image, box vg.Rectangle, h vg.Length, dpi float64) int {
	m := vg.Points(1)
	x0, x1 := int((box.Min.X - m).Dots(dpi)), int((box.Max.X + m).Dots(dpi))
	y0, y1 := int((h - box.Max.Y - m).Dots(dpi)), int((h - box.Min.Y + m).Dots(dpi))
	n := 0
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			hi, lo := max(r, g, b), min(r, g, b)
			if hi-lo > 24 || lo < 200 {
				n++
			}
		}
	}
	return n
}

// drawLegend draws leg in a white box with a light grey edge.
func drawLegend(c vg.Canvas, leg plot.Legend, box vg.Rectangle) {
	dc := draw.Canvas{Canvas: c, Rectangle: box}
	pts := []vg.Point{box.Min, {X: box.Max.X, Y: box.Min.Y}, box.Max, {X: box.Min.X, Y: box.Max.Y}}
	dc.FillPolygon(color.White, pts)
	dc.StrokeLines(draw.LineStyle{Color: color.Gray{Y: 160}, Width: vg.Points(0.5)}, append(pts, box.Min))
	pad := vg.Points(legendPad)
	leg.Top, leg.Left = true, true
	leg.XOffs, leg.YOffs = 0, 0
	leg.Draw(draw.Canvas{Canvas: c, Rectangle: vg.Rectangle{
		Min: vg.Point{X: box.Min.X + pad, Y: box.Min.Y + pad},
		Max: vg.Point{X: box.Max.X - pad, Y: box.Max.Y - pad}}})
}
