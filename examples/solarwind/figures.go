package main

import (
	"fmt"
	"image/color"
	"path/filepath"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/mlc-go/mlc/generated/solarwind"
	"github.com/mlc-go/mlc/plots"
	"github.com/mlc-go/mlc/runtime/timeseries"
)

// figures writes the PNGs a physicist would look at.
type figures struct {
	dir           string
	train, test   *timeseries.Series[solarwind.T] // physical units; test: the judged samples
	wTrain, wTest *timeseries.Windows[solarwind.T]
	scaler        *timeseries.ChannelScaler[solarwind.T]
	member        *member // the model whose loss and reconstructions are shown
	ens           *verdict
	events        []event
	cadence       time.Duration
	ensemble      bool
}

func (f *figures) write() ([]string, error) {
	var paths []string
	type png struct {
		name string
		fn   func(string) error
	}
	pngs := []png{{"solarwind_mae.png", f.maeHist}, {"solarwind_window.png", f.window}, {"solarwind_test.png", f.series}}
	if f.member.hist != nil { // trained here, not loaded
		pngs = append([]png{{"solarwind_loss.png", f.loss}}, pngs...)
	}
	for _, w := range pngs {
		p := filepath.Join(f.dir, w.name)
		if err := w.fn(p); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// loss: training and validation loss per epoch.
func (f *figures) loss(path string) error {
	var ep, loss, vloss []float64
	for _, e := range f.member.hist.Epochs {
		ep = append(ep, float64(e.Epoch))
		loss = append(loss, e.Loss)
		vloss = append(vloss, e.ValLoss)
	}
	p, err := plots.Lines("Reconstruction MSE (standardized units)", "epoch", "loss", true,
		plots.Series{Name: "training", X: ep, Y: loss}, plots.Series{Name: "validation", X: ep, Y: vloss})
	if err != nil {
		return err
	}
	return plots.SaveRow(path, 16*vg.Centimeter, 10*vg.Centimeter, p)
}

// maeHist: the largest channel MAE of the training windows and of the test windows, with the
// threshold.
func (f *figures) maeHist(path string) error {
	th := f.ens.an.Threshold
	lines := map[string]float64{fmt.Sprintf("threshold %.3f", th): th}
	pa, err := plots.Hist("Training windows", f.scoreName(), f.ens.trainScore, 60, true, lines)
	if err != nil {
		return err
	}
	pb, err := plots.Hist("Test windows", f.scoreName(), f.ens.testScore, 60, true, lines)
	if err != nil {
		return err
	}
	return plots.SaveRow(path, 26*vg.Centimeter, 10*vg.Centimeter, pa, pb)
}

// window: a typical training window (median error) and the worst test window with their
// reconstructions, in nT.
func (f *figures) window(path string) error {
	mb := f.member
	med := argNearest(mb.trainMax, timeseries.Quantile(mb.trainMax, 0.5))
	worst := 0
	for i, v := range mb.testMax {
		if v > mb.testMax[worst] {
			worst = i
		}
	}
	var ps []*plot.Plot
	cols := [2]struct {
		w     *timeseries.Windows[solarwind.T]
		i     int
		what  string
		error float64
	}{{f.wTrain, med, "typical training window", mb.trainMax[med]}, {f.wTest, worst, "worst test window", mb.testMax[worst]}}
	recs := [2][]solarwind.T{}
	ins := [2][]solarwind.T{}
	for k, c := range cols {
		in := slices.Clone(c.w.Window(c.i))
		rec := make([]solarwind.T, len(in))
		mb.m.Predict(rec, in, 1)
		f.scaler.InvertValues(in)
		f.scaler.InvertValues(rec)
		ins[k], recs[k] = in, rec
	}
	minutes := make([]float64, steps)
	for t := range minutes {
		minutes[t] = float64(t) * f.cadence.Minutes()
	}
	for ch := range channels {
		for k, c := range cols {
			x, r := make([]float64, steps), make([]float64, steps)
			for t := range steps {
				x[t], r[t] = float64(ins[k][t*channels+ch]), float64(recs[k][t*channels+ch])
			}
			title := f.test.Names[ch]
			if ch == 0 {
				title = fmt.Sprintf("%s from %s (MAE %.3f)\n%s", c.what, stamp(c.w.Start(c.i)), c.error, title)
			}
			p, err := plots.Lines(title, "minutes into the window", "nT", false,
				plots.Series{Name: "data", X: minutes, Y: x}, plots.Series{Name: "reconstruction", X: minutes, Y: r})
			if err != nil {
				return err
			}
			if ch > 0 {
				p.Legend = plot.NewLegend() // the first row's legend says it
			}
			ps = append(ps, p)
		}
	}
	return plots.SaveGrid(path, 30*vg.Centimeter, 24*vg.Centimeter, channels, 2, ps...)
}

// series: the test period's components with the anomalous intervals (and, on synthetic data,
// the injected events) shaded, and the windows' error against the threshold.
func (f *figures) series(path string) error {
	xs := unix(f.test.Times)
	var anomalous, injected []plots.Span
	half := f.cadence.Seconds() / 2
	for _, iv := range f.ens.an.Intervals {
		anomalous = append(anomalous, plots.Span{From: float64(iv.Start.Unix()) - half, To: float64(iv.End.Unix()) + half})
	}
	for _, e := range f.events {
		injected = append(injected, plots.Span{From: float64(e.Start.Unix()) - half, To: float64(e.End.Unix()) + half})
	}
	gap := f.cadence + f.cadence/2
	var ps []*plot.Plot
	for ch := range channels {
		title := ""
		if ch == 0 {
			title = "Test period: " + plural(len(f.ens.an.Intervals), "anomalous interval")
		}
		p, err := plots.TimeLines(title, f.test.Names[ch], gap, plots.Series{X: xs, Y: f.test.Column(ch)})
		if err != nil {
			return err
		}
		name, ename := "", ""
		if ch == 0 {
			name, ename = "anomalous", "known event"
		}
		if len(injected) > 0 {
			plots.AddShade(p, ename, 2, injected...)
		}
		plots.AddShade(p, name, 1, anomalous...)
		ps = append(ps, p)
	}
	// The error of each window, at its centre.
	wx := make([]float64, f.wTest.NumRows())
	for i := range wx {
		wx[i] = float64(f.wTest.Start(i).Unix()) + float64(steps-1)*f.cadence.Seconds()/2
	}
	p, err := plots.TimeLines("", f.scoreName(), gap, plots.Series{Name: "window score at the window's centre", X: wx, Y: f.ens.testScore})
	if err != nil {
		return err
	}
	th, err := plotter.NewLine(plotter.XYs{{X: xs[0], Y: f.ens.an.Threshold}, {X: xs[len(xs)-1], Y: f.ens.an.Threshold}})
	if err != nil {
		return err
	}
	th.Color = color.RGBA{213, 94, 0, 255}
	th.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	th.Width = vg.Points(1.5)
	p.Add(th)
	p.Legend.Add("threshold", th)
	plots.AddShade(p, "", 1, anomalous...)
	ps = append(ps, p)
	for _, q := range ps {
		q.X.Min, q.X.Max = xs[0], xs[len(xs)-1]
	}
	return plots.SaveGrid(path, 32*vg.Centimeter, 30*vg.Centimeter, len(ps), 1, ps...)
}

// scoreName names the windows' score on an axis.
func (f *figures) scoreName() string {
	if f.ensemble {
		return "ensemble score (median MAE / threshold)"
	}
	return "largest channel MAE"
}

func unix(ts []time.Time) []float64 {
	x := make([]float64, len(ts))
	for i, t := range ts {
		x[i] = float64(t.UnixNano()) / 1e9
	}
	return x
}

// argNearest is the index of the value of v closest to x.
func argNearest(v []float64, x float64) int {
	best := 0
	for i, y := range v {
		if abs(y-x) < abs(v[best]-x) {
			best = i
		}
	}
	return best
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
