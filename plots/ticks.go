package plots

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// formatTick writes v as a reader writes a number on an axis: float noise rounded away
// (0.30000000000000004 → 0.3), plain decimals from 0.001 to below 100000 (0.5, 2, 1500) and
// short scientific notation outside it (1e-4, 2.5e6).
func formatTick(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	r := round12(v)
	if a := math.Abs(r); a != 0 && (a < 1e-3 || a >= 1e5) {
		return sci(r)
	}
	return plain(r)
}

// round12 rounds v to 12 significant digits: float noise from sums and powers sits in the
// last three or four of the 17 a float64 carries.
func round12(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	if err != nil {
		return v
	}
	return r
}

func plain(v float64) string {
	if v == 0 {
		return "0" // and not -0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// sci writes v as 2.5e-6: the shortest mantissa, the exponent without '+' or leading zeros.
func sci(v float64) string {
	if v == 0 {
		return "0"
	}
	m, e, _ := strings.Cut(strconv.FormatFloat(v, 'e', -1, 64), "e")
	neg := strings.HasPrefix(e, "-")
	e = strings.TrimLeft(e, "+-0")
	if e == "" {
		return m
	}
	if neg {
		e = "-" + e
	}
	return m + "e" + e
}

// decimal returns the float64 nearest to n·10^q, so that its shortest representation is
// the decimal itself (no 3·0.1 = 0.30000000000000004).
func decimal(n int64, q int) float64 {
	v, err := strconv.ParseFloat(strconv.FormatInt(n, 10)+"e"+strconv.Itoa(q), 64)
	if err != nil {
		return float64(n) * math.Pow10(q)
	}
	return v
}

// decadeLabel labels 10^d on a log axis: 0.1, 1, 10 and 100 as written, 1e-3, 1e-2, 1e3 …
// otherwise.
func decadeLabel(d int) string {
	if d >= -1 && d <= 2 {
		return plain(decimal(1, d))
	}
	return "1e" + strconv.Itoa(d)
}

// linearTicks labels four to seven round values (1, 2, 2.5 or 5 times a power of ten) with
// unlabelled minor ticks between them, every label written the same way (all plain or all
// scientific) and without float noise. With integer, on an axis of counts such as epochs, no
// tick falls between two integers (unless the axis holds fewer than two).
type linearTicks struct{ integer bool }

func (t linearTicks) Ticks(lo, hi float64) []plot.Tick {
	if t.integer && math.Floor(hi)-math.Ceil(lo) >= 1 {
		return niceTicks(lo, hi, 7, 1)
	}
	return niceTicks(lo, hi, 7, 0)
}

// niceTicks is linearTicks with at most `most` labels (at least two) and no step, major or
// minor, below minStep.
func niceTicks(lo, hi float64, most int, minStep float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		if math.IsNaN(lo) || math.IsInf(lo, 0) {
			return nil
		}
		return []plot.Tick{{Value: lo, Label: formatTick(lo)}}
	}
	// The step is m·10^q with m among 10, 20 and 50: the smallest that gives at most
	// `most` labels, or 25 when that gives too few labels and 25 enough.
	count := func(m int64, q int) int {
		step := decimal(m, q)
		return int(math.Floor(hi/step+1e-9) - math.Ceil(lo/step-1e-9) + 1)
	}
	q0 := int(math.Floor(math.Log10((hi-lo)/float64(most)))) - 1
	bestM, bestQ, n := int64(0), 0, 0
	for q := q0 - 1; q <= q0+3 && bestM == 0; q++ {
		for _, m := range []int64{10, 20, 50} {
			if decimal(m, q) < minStep {
				continue
			}
			if n = count(m, q); n <= most {
				bestM, bestQ = m, q
				break
			}
		}
	}
	if n < 4 {
		for q := q0 - 1; q <= q0+3; q++ {
			if k := count(25, q); k >= 4 && k <= most && decimal(25, q) >= minStep {
				bestM, bestQ, n = 25, q, k
				break
			}
		}
	}
	if bestM == 0 || n < 2 { // a range too narrow for float64 steps
		return []plot.Tick{{Value: lo, Label: formatTick(lo)}, {Value: hi, Label: formatTick(hi)}}
	}
	step := decimal(bestM, bestQ)
	first, last := int64(math.Ceil(lo/step-1e-9)), int64(math.Floor(hi/step+1e-9))
	var ticks []plot.Tick
	maxAbs := 0.0
	for k := first; k <= last; k++ {
		v := decimal(k*bestM, bestQ)
		ticks = append(ticks, plot.Tick{Value: v})
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	format := plain
	if maxAbs < 1e-3 || maxAbs >= 1e5 {
		format = sci
	}
	for i := range ticks {
		ticks[i].Label = format(ticks[i].Value)
	}
	// Minor ticks: fifths of 1, 2.5 and 5, halves of 2.
	minorM, minorQ := bestM/5, bestQ
	if bestM == 20 {
		minorM = 10
	}
	if bestM == 25 {
		minorM, minorQ = 50, bestQ-1
	}
	mstep := decimal(minorM, minorQ)
	if mstep < minStep {
		return ticks
	}
	for k := int64(math.Ceil(lo/mstep - 1e-9)); k <= int64(math.Floor(hi/mstep+1e-9)); k++ {
		units := k * minorM // in 10^(bestQ-1)
		if minorQ == bestQ {
			units *= 10
		}
		if units%(bestM*10) == 0 {
			continue // a labelled tick
		}
		ticks = append(ticks, plot.Tick{Value: decimal(k*minorM, minorQ)})
	}
	return ticks
}

// logTicks labels the decades of a log axis (1e-3, 1e-2, 0.1 … ; every second or third decade
// when there are more than eight), with minor ticks at 2 … 9 times each decade. On less than
// two decades it labels 1, 2 (and 3) and 5 times powers of ten, or round linear values, so that
// an axis always has labels.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	lo, hi = logRange(lo, hi) // as logScale draws it
	const eps = 1e-9
	d0 := int(math.Ceil(math.Log10(lo) - eps))
	d1 := int(math.Floor(math.Log10(hi) + eps))
	in := func(v float64) bool { return v >= lo*(1-eps) && v <= hi*(1+eps) }
	var ticks []plot.Tick
	if n := d1 - d0 + 1; n >= 2 {
		every := (n + 7) / 8 // at most eight labels
		for d := d0 - 1; d <= d1; d++ {
			dec := decimal(1, d)
			if d >= d0 {
				t := plot.Tick{Value: dec}
				if mod(d, every) == 0 {
					t.Label = decadeLabel(d)
				}
				ticks = append(ticks, t)
			}
			if n <= 8 {
				for i := int64(2); i <= 9; i++ {
					if v := decimal(i, d); in(v) {
						ticks = append(ticks, plot.Tick{Value: v})
					}
				}
			}
		}
		return ticks
	}
	// Less than two decades in range: 1, 2 and 5 times powers of ten if that gives three
	// labels, else 1, 2, 3 and 5 times, else every integer multiple if that gives two, else
	// round linear values.
	for _, set := range []struct {
		ms   []int64
		need int
	}{{[]int64{1, 2, 5}, 3}, {[]int64{1, 2, 3, 5}, 3}, {[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 2}} {
		ticks = ticks[:0]
		labels := 0
		for d := d0 - 1; d <= d1; d++ {
			for i := int64(1); i <= 9; i++ {
				v := decimal(i, d)
				if !in(v) {
					continue
				}
				t := plot.Tick{Value: v}
				if slices.Contains(set.ms, i) {
					t.Label = formatTick(v)
					labels++
				}
				ticks = append(ticks, t)
			}
		}
		if labels >= set.need {
			return ticks
		}
	}
	return niceTicks(lo, hi, 6, 0)
}

func mod(a, b int) int { return ((a % b) + b) % b }

// logScale is plot.LogScale that does not panic: a non-positive range becomes a decade below
// its top (or 1 to 10), and a non-positive value lands below the axis, where it is clipped.
type logScale struct{}

func (logScale) Normalize(lo, hi, x float64) float64 {
	lo, hi = logRange(lo, hi)
	if !(x > 0) {
		x = lo * 1e-3
	}
	return (math.Log(x) - math.Log(lo)) / (math.Log(hi) - math.Log(lo))
}

// logRange makes [lo, hi] a usable log range.
func logRange(lo, hi float64) (float64, float64) {
	if !(hi > 0) || math.IsInf(hi, 0) || math.IsInf(lo, 0) {
		return 1, 10
	}
	if !(lo > 0) || lo >= hi {
		lo = hi / 10
	}
	return lo, hi
}
