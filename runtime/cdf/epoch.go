package cdf

import (
	"math"
	"sort"
	"time"
)

// epoch0Unix is 0000-01-01T00:00:00 UTC (proleptic Gregorian), the origin
// of CDF_EPOCH and CDF_EPOCH16, in Unix seconds.
const epoch0Unix = -62167219200

// epochEndMs is the CDF_EPOCH of 10000-01-01: the epoch types cover years
// 0 to 9999.
const epochEndMs = 315569520000000

// TT2000 fill and pad values (9999-12-31T23:59:59.999999999 and
// 0000-01-01T00:00:00 in the CDF library's display).
const (
	tt2000Fill = math.MinInt64
	tt2000Pad  = math.MinInt64 + 1
)

// ttMinusTAI is TT − TAI, 32.184 s.
const ttMinusTAI = 32184 * time.Millisecond

// j2000 is the TT2000 origin, 2000-01-01T12:00:00 TT, written as if TT
// were UTC; the conversions add TT − UTC explicitly.
var j2000 = time.Date(2000, 1, 1, 12, 0, 0, 0, time.UTC)

// mjd0 is the origin of the Modified Julian Date.
var mjd0 = time.Date(1858, 11, 17, 0, 0, 0, 0, time.UTC)

// EpochTime converts a CDF_EPOCH value, milliseconds since
// 0000-01-01T00:00:00, to UTC. ok is false for the fill value -1e31, NaN,
// and values outside years 0..9999; the time is then zero.
func EpochTime(ms float64) (t time.Time, ok bool) {
	if !(ms >= 0 && ms < epochEndMs) {
		return time.Time{}, false
	}
	whole := math.Floor(ms)
	ns := int64(math.Round((ms - whole) * 1e6))
	w := int64(whole)
	return time.Unix(epoch0Unix+w/1000, (w%1000)*1e6+ns).UTC(), true
}

// Epoch16Time converts a CDF_EPOCH16 value, seconds since
// 0000-01-01T00:00:00 plus picoseconds, to UTC, rounded to the
// nanosecond. ok is false for the fill value (-1e31, -1e31) and values
// outside years 0..9999.
func Epoch16Time(sec, ps float64) (t time.Time, ok bool) {
	if !(sec >= 0 && sec < epochEndMs/1000 && ps >= 0 && ps < 1e12) {
		return time.Time{}, false
	}
	whole := math.Floor(sec)
	ns := int64(math.Round((sec-whole)*1e9 + ps/1e3))
	return time.Unix(epoch0Unix+int64(whole), ns).UTC(), true
}

// ToEpoch converts t to CDF_EPOCH, milliseconds since 0000-01-01.
func ToEpoch(t time.Time) float64 {
	return float64((t.Unix()-epoch0Unix)*1000) + float64(t.Nanosecond())/1e6
}

// ToEpoch16 converts t to CDF_EPOCH16: seconds since 0000-01-01 and
// picoseconds.
func ToEpoch16(t time.Time) (sec, ps float64) {
	return float64(t.Unix() - epoch0Unix), float64(t.Nanosecond()) * 1e3
}

// TT2000Time converts a CDF_TIME_TT2000 value, nanoseconds since
// 2000-01-01T12:00:00 TT, to UTC using the leap-second table. A time inside
// a leap second (23:59:60.xxx) cannot be a time.Time; it is clamped to
// 23:59:59.999999999, as other CDF readers do. ok is false for the fill
// and pad values, which give the zero time.
func TT2000Time(tt int64) (t time.Time, ok bool) {
	if tt == tt2000Fill || tt == tt2000Pad {
		return time.Time{}, false
	}
	if tt >= leapSteps[0].tt {
		i := sort.Search(len(leapSteps), func(i int) bool { return leapSteps[i].tt > tt }) - 1
		if i+1 < len(leapSteps) {
			next := leapSteps[i+1]
			if tt >= next.tt-int64(next.dat-leapSteps[i].dat) {
				return next.start.Add(-1), true // inside the leap second
			}
		}
		return j2000.Add(time.Duration(tt)).Add(-leapSteps[i].dat - ttMinusTAI), true
	}
	// Before 1972 TAI − UTC drifted: solve u = TT − 32.184 s − (TAI−UTC)(u)
	// by fixed-point iteration, which converges in a few steps (the drift
	// is ~1e-8 s/s).
	base := j2000.Add(time.Duration(tt)).Add(-ttMinusTAI)
	prev, u := base, base.Add(-driftOffset(base))
	for i := 0; i < 8 && !u.Equal(prev); i++ {
		prev, u = u, base.Add(-driftOffset(u))
	}
	if !u.Equal(prev) {
		// No fixed point: UTC stepped forward here and skipped this
		// instant. Clamp to just before the step, as in a leap second.
		lo, hi := u, prev
		if hi.Before(lo) {
			lo, hi = hi, lo
		}
		for _, r := range leapTable {
			if s := r.start(); s.After(lo) && !s.After(hi) {
				u = s.Add(-1)
			}
		}
	}
	if !u.Before(leapSteps[0].start) {
		u = leapSteps[0].start.Add(-1) // in the 0.107758 s step of 1972-01-01
	}
	return u, true
}

// ToTT2000 converts t to CDF_TIME_TT2000. TT2000 spans the years 1707 to
// 2292; outside them the result is the fill value math.MinInt64.
func ToTT2000(t time.Time) int64 {
	if t.Year() < 1708 || t.Year() > 2291 {
		return tt2000Fill
	}
	return int64(t.Sub(j2000) + taiMinusUTC(t) + ttMinusTAI)
}

// taiMinusUTC returns TAI − UTC at the UTC time u: 0 before 1960, a
// drifting offset until 1972, then whole leap seconds.
func taiMinusUTC(u time.Time) time.Duration {
	if u.Before(leapSteps[0].start) {
		return driftOffset(u)
	}
	i := sort.Search(len(leapSteps), func(i int) bool { return leapSteps[i].start.After(u) }) - 1
	return leapSteps[i].dat
}

// driftOffset returns TAI − UTC at u from the rows before 1972 (the last
// of them extended past 1972, which TT2000Time's iteration needs near the
// 1972 step), and 0 before 1960.
func driftOffset(u time.Time) time.Duration {
	for i := len(leapTable) - 1; i >= 0; i-- {
		r := leapTable[i]
		if r.year >= 1972 || u.Before(r.start()) {
			continue
		}
		mjd := float64(u.Sub(mjd0)) / float64(24*time.Hour)
		return time.Duration(math.Round((r.dat + (mjd-r.mjdRef)*r.drift) * 1e9))
	}
	return 0
}

// leapRow is one line of the table: from the date on, TAI − UTC is
// dat + (MJD − mjdRef) × drift seconds.
type leapRow struct {
	year, month, day   int
	dat, mjdRef, drift float64
}

func (r leapRow) start() time.Time {
	return time.Date(r.year, time.Month(r.month), r.day, 0, 0, 0, 0, time.UTC)
}

// leapTable is TAI − UTC from the USNO/IERS table tai-utc.dat (IERS
// Bulletin C), the values the CDF library ships as CDFLeapSeconds.txt,
// with the 1960 line the CDF library adds. It is complete through the
// leap second of 2017-01-01; IERS Bulletin C has announced none since.
// A new leap second needs a new line here.
var leapTable = []leapRow{
	{1960, 1, 1, 1.4178180, 37300, 0.001296},
	{1961, 1, 1, 1.4228180, 37300, 0.001296},
	{1961, 8, 1, 1.3728180, 37300, 0.001296},
	{1962, 1, 1, 1.8458580, 37665, 0.0011232},
	{1963, 11, 1, 1.9458580, 37665, 0.0011232},
	{1964, 1, 1, 3.2401300, 38761, 0.001296},
	{1964, 4, 1, 3.3401300, 38761, 0.001296},
	{1964, 9, 1, 3.4401300, 38761, 0.001296},
	{1965, 1, 1, 3.5401300, 38761, 0.001296},
	{1965, 3, 1, 3.6401300, 38761, 0.001296},
	{1965, 7, 1, 3.7401300, 38761, 0.001296},
	{1965, 9, 1, 3.8401300, 38761, 0.001296},
	{1966, 1, 1, 4.3131700, 39126, 0.002592},
	{1968, 2, 1, 4.2131700, 39126, 0.002592},
	{1972, 1, 1, 10, 0, 0},
	{1972, 7, 1, 11, 0, 0},
	{1973, 1, 1, 12, 0, 0},
	{1974, 1, 1, 13, 0, 0},
	{1975, 1, 1, 14, 0, 0},
	{1976, 1, 1, 15, 0, 0},
	{1977, 1, 1, 16, 0, 0},
	{1978, 1, 1, 17, 0, 0},
	{1979, 1, 1, 18, 0, 0},
	{1980, 1, 1, 19, 0, 0},
	{1981, 7, 1, 20, 0, 0},
	{1982, 7, 1, 21, 0, 0},
	{1983, 7, 1, 22, 0, 0},
	{1985, 7, 1, 23, 0, 0},
	{1988, 1, 1, 24, 0, 0},
	{1990, 1, 1, 25, 0, 0},
	{1991, 1, 1, 26, 0, 0},
	{1992, 7, 1, 27, 0, 0},
	{1993, 7, 1, 28, 0, 0},
	{1994, 7, 1, 29, 0, 0},
	{1996, 1, 1, 30, 0, 0},
	{1997, 7, 1, 31, 0, 0},
	{1999, 1, 1, 32, 0, 0},
	{2006, 1, 1, 33, 0, 0},
	{2009, 1, 1, 34, 0, 0},
	{2012, 7, 1, 35, 0, 0},
	{2015, 7, 1, 36, 0, 0},
	{2017, 1, 1, 37, 0, 0},
}

// leapStep is a whole-second row of leapTable (1972 on), with the TT2000
// value at which it takes effect.
type leapStep struct {
	start time.Time     // UTC
	dat   time.Duration // TAI − UTC from start on
	tt    int64         // TT2000 of start
}

var leapSteps = func() []leapStep {
	var out []leapStep
	for _, r := range leapTable {
		if r.year < 1972 {
			continue
		}
		s := leapStep{start: r.start(), dat: time.Duration(r.dat) * time.Second}
		s.tt = int64(s.start.Sub(j2000) + s.dat + ttMinusTAI)
		out = append(out, s)
	}
	return out
}()
