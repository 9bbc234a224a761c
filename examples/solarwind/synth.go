package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"gonum.org/v1/gonum/dsp/fourier"

	"github.com/mlc-go/mlc/generated/solarwind"
	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/timeseries"
)

// The synthetic default: a 1-minute magnetometer record (B_R, B_T, B_N in nT, RTN) of a
// slow solar-wind stream seen from the inner heliosphere, made so that the example runs with
// no files and so that what it should find is known.
//
//   - Background: a Parker-spiral field of one polarity (outward: B_R > 0, B_T < 0), |B| about
//     40 nT drifting by ±20 % over hours to days, the spiral angle wandering about 35° and a
//     small out-of-ecliptic tilt.
//   - Turbulence: a Kolmogorov spectrum (power ∝ f^−5/3 from 12 h down to the 2-min Nyquist
//     period, flat below), mostly transverse to the mean field (30 % compressive), rms about
//     0.22 |B| per component, proportional to |B|.
//   - Data gaps: a few gaps of 2 minutes to 3 hours and rare single missing minutes,
//     written as NaN and dropped as the tutorial drops them.
//   - Events, in the test period only: a switchback-like field reversal (the vector rotated
//     by 170° about N for 45 minutes, turbulence included), a fast-shock-like compression
//     (B_T and B_N, the field's tangential components, ×3.5 within a minute, so that |B| jumps
//     2- to 2.7-fold depending on the spiral angle, for a 3.5-hour sheath that then relaxes over
//     30 minutes) and a short partial reversal (130° for 20 minutes).
//
// Training and test periods are separate, as in the tutorial (2021-05-15 … and 2022-01-01 …),
// and drawn from the same statistics apart from the events.

// event is an injected disturbance: its name and the span it affects.
type event struct {
	Name       string
	Start, End time.Time
}

var (
	trainStart = time.Date(2021, 5, 15, 0, 0, 30, 0, time.UTC) // stamped at the bin centre, as PSP's 1-min product
	testStart  = time.Date(2022, 1, 1, 0, 0, 30, 0, time.UTC)
)

// synthSpec is one event to inject: kind, where it starts (fraction of the test period) and
// how many minutes it lasts.
type synthSpec struct {
	kind     string // "reversal" or "shock"
	name     string
	at       float64
	minutes  int
	angleDeg float64 // reversal: rotation about N
	ratio    float64 // shock: tangential compression
}

var testEvents = []synthSpec{
	{kind: "reversal", name: "field reversal (170°, 45 min)", at: 0.22, minutes: 45, angleDeg: 170},
	{kind: "shock", name: "shock compression (B_T, B_N ×3.5, 4 h)", at: 0.47, minutes: 240, ratio: 3.5},
	{kind: "reversal", name: "partial reversal (130°, 20 min)", at: 0.78, minutes: 20, angleDeg: 130},
}

// synthesize makes the training and test series (physical units) and the injected events.
func synthesize(trainMinutes, testMinutes int, seed uint64) (train, test *timeseries.Series[solarwind.T], events []event, err error) {
	const margin = solarwind.NumInputs / 3 // a window's length: room around every event
	need := 0
	for _, e := range testEvents {
		need += e.minutes + margin
	}
	if testMinutes < need+margin {
		return nil, nil, nil, fmt.Errorf("-test-minutes %d: the injected events need at least %d", testMinutes, need+margin)
	}
	if trainMinutes < 4*margin {
		return nil, nil, nil, fmt.Errorf("-train-minutes %d: want at least %d", trainMinutes, 4*margin)
	}
	rng := mlrt.NewRNG(seed ^ 0x50_4c_41_53_4d_41) // "PLASMA": the data stream, apart from the model's
	train = period(trainStart, trainMinutes, rng, nil, &events)
	// Place the events at their nominal fractions, jittered by up to ±2 % of the period, then
	// keep them apart and inside.
	var specs []placed
	prevEnd := margin
	for _, s := range testEvents {
		at := int((s.at + 0.04*(rng.Float64()-0.5)) * float64(testMinutes))
		at = max(at, prevEnd+margin)
		at = min(at, testMinutes-margin-s.minutes)
		specs = append(specs, placed{s, at})
		prevEnd = at + s.minutes
	}
	test = period(testStart, testMinutes, rng, specs, &events)
	return train, test, events, nil
}

type placed struct {
	synthSpec
	start int // minute index
}

// period synthesizes n minutes from start, injects the placed events (recording them in
// events) and returns the series without its missing minutes.
func period(start time.Time, n int, rng *mlrt.RNG, evs []placed, events *[]event) *timeseries.Series[solarwind.T] {
	const (
		meanB    = 40.0 // nT
		turbRMS  = 0.22 // per component, relative to |B|
		compress = 0.3  // the fraction of the field-aligned fluctuation kept
		day      = 1440.0
	)
	ph := func() float64 { return 2 * math.Pi * rng.Float64() }
	p1, p2, p3, p4, p5 := ph(), ph(), ph(), ph(), ph()
	noise := [3][]float64{powerLaw(n, 720, rng), powerLaw(n, 720, rng), powerLaw(n, 720, rng)}
	b := make([][3]float64, n)
	for k := range n {
		t := float64(k)
		mag := meanB * (1 + 0.15*math.Sin(2*math.Pi*t/(2.7*day)+p1) + 0.07*math.Sin(2*math.Pi*t/(0.45*day)+p2))
		psi := (35 + 8*math.Sin(2*math.Pi*t/(1.6*day)+p3) + 3*math.Sin(2*math.Pi*t/(7*60)+p4)) * math.Pi / 180
		theta := 6 * math.Sin(2*math.Pi*t/(0.9*day)+p5) * math.Pi / 180
		u := [3]float64{math.Cos(theta) * math.Cos(psi), -math.Cos(theta) * math.Sin(psi), math.Sin(theta)}
		xi := [3]float64{noise[0][k], noise[1][k], noise[2][k]}
		par := xi[0]*u[0] + xi[1]*u[1] + xi[2]*u[2]
		for c := range 3 {
			db := xi[c] - (1-compress)*par*u[c]
			b[k][c] = mag * (u[c] + turbRMS*db)
		}
	}
	for _, e := range evs {
		switch e.kind {
		case "reversal":
			// Rotate about N by an angle that rises and falls within about a minute.
			for k := max(e.start-5, 0); k < min(e.start+e.minutes+5, n); k++ {
				a := e.angleDeg * math.Pi / 180 * edge(float64(k-e.start), float64(e.minutes), 0.7)
				c, s := math.Cos(a), math.Sin(a)
				r, tt := b[k][0], b[k][1]
				b[k][0], b[k][1] = c*r-s*tt, s*r+c*tt
			}
		case "shock":
			// An abrupt rise at the shock, a plateau, a relaxation over the last 30 minutes.
			const relax = 30
			for k := e.start; k < min(e.start+e.minutes+5, n); k++ {
				d := float64(k - e.start)
				f := 1.0
				if end := float64(e.minutes - relax); d > end {
					f = 0.5 * (1 + math.Cos(math.Pi*math.Min((d-end)/relax, 1)))
				}
				g := 1 + (e.ratio-1)*f
				b[k][1] *= g
				b[k][2] *= g
			}
		}
		*events = append(*events, event{Name: e.name,
			Start: start.Add(time.Duration(e.start) * time.Minute),
			End:   start.Add(time.Duration(e.start+e.minutes-1) * time.Minute)})
	}
	// Gaps: about one per 2500 minutes, 2 minutes to 3 hours (log-uniform), never within a
	// window's length of an event; and one minute in 5000 missing on its own.
	missing := make([]bool, n)
	nearEvent := func(k int) bool {
		for _, e := range evs {
			if k > e.start-solarwind.NumInputs/3 && k < e.start+e.minutes+solarwind.NumInputs/3 {
				return true
			}
		}
		return false
	}
	for range n / 2500 {
		length := int(math.Exp(math.Log(2) + rng.Float64()*(math.Log(180)-math.Log(2))))
		at := rng.IntN(n)
		for k := at; k < min(at+length, n); k++ {
			if !nearEvent(k) {
				missing[k] = true
			}
		}
	}
	for k := range n {
		if rng.Float64() < 2e-4 && !nearEvent(k) {
			missing[k] = true
		}
	}
	s := &timeseries.Series[solarwind.T]{Channels: 3, Names: []string{"B_R_nT", "B_T_nT", "B_N_nT"}}
	for k := range n {
		if missing[k] {
			s.Dropped++
			continue
		}
		s.Times = append(s.Times, start.Add(time.Duration(k)*time.Minute))
		s.Values = append(s.Values, solarwind.T(b[k][0]), solarwind.T(b[k][1]), solarwind.T(b[k][2]))
	}
	return s
}

// edge is 1 inside [0, length) and 0 outside, with tanh ramps of width w minutes.
func edge(t, length, w float64) float64 {
	return 0.5 * (math.Tanh((t+0.5)/w) - math.Tanh((t-length+0.5)/w))
}

// powerLaw is n samples of Gaussian noise with power ∝ f^−5/3 above 1/corner (corner in
// samples) and flat below, scaled to unit rms.
func powerLaw(n int, corner float64, rng *mlrt.RNG) []float64 {
	m := 1
	for m < n {
		m <<= 1
	}
	coeff := make([]complex128, m/2+1)
	fc := 1 / corner
	for k := 1; k <= m/2; k++ {
		f := float64(k) / float64(m)
		amp := math.Pow(math.Max(f, fc), -5.0/6)
		coeff[k] = complex(amp*rng.Normal(), amp*rng.Normal())
	}
	seq := fourier.NewFFT(m).Sequence(nil, coeff)[:n]
	ss := 0.0
	for _, v := range seq {
		ss += v * v
	}
	rms := math.Sqrt(ss / float64(n))
	for i := range seq {
		seq[i] /= rms
	}
	return seq
}

// writeSeriesCSV writes s in the layout of the shared 1-minute CSVs, with NaN rows where
// minutes at the cadence are missing, so that -train/-test can read it back.
func writeSeriesCSV(path, comment string, s *timeseries.Series[solarwind.T], cadence time.Duration) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "# %s\ntime_utc,B_R_nT,B_T_nT,B_N_nT\n", comment)
	for i, t := range s.Times {
		if i > 0 {
			for g := s.Times[i-1].Add(cadence); g.Before(t); g = g.Add(cadence) {
				fmt.Fprintf(w, "%s,NaN,NaN,NaN\n", g.Format(time.RFC3339))
			}
		}
		w.WriteString(t.Format(time.RFC3339))
		for _, v := range s.Row(i) {
			w.WriteByte(',')
			w.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
