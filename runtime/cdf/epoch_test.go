package cdf

import (
	"math"
	"testing"
	"time"
)

func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

func TestEpoch(t *testing.T) {
	cases := []struct {
		ms   float64
		want time.Time
	}{
		{0, utc(0, 1, 1, 0, 0, 0, 0)},
		{63113904000000, utc(2000, 1, 1, 0, 0, 0, 0)}, // the CDF documentation's example
		{63113904000000.5, utc(2000, 1, 1, 0, 0, 0, 500000)},
		{63172137608000, utc(2001, 11, 5, 0, 0, 8, 0)}, // first ACE record
		{epochEndMs - 1, utc(9999, 12, 31, 23, 59, 59, 999e6)},
	}
	for _, c := range cases {
		got, ok := EpochTime(c.ms)
		if !ok || !got.Equal(c.want) {
			t.Errorf("EpochTime(%v) = %v, %v; want %v", c.ms, got, ok, c.want)
		}
		if back := ToEpoch(c.want); back != c.ms {
			t.Errorf("ToEpoch(%v) = %v, want %v", c.want, back, c.ms)
		}
	}
	for _, bad := range []float64{-1e31, math.NaN(), math.Inf(1), -1, epochEndMs} {
		if got, ok := EpochTime(bad); ok || !got.IsZero() {
			t.Errorf("EpochTime(%v) = %v, %v; want zero, false", bad, got, ok)
		}
	}
}

func TestEpoch16(t *testing.T) {
	want := utc(2000, 1, 1, 0, 0, 0, 123456789)
	got, ok := Epoch16Time(63113904000, 123456789000)
	if !ok || !got.Equal(want) {
		t.Errorf("Epoch16Time = %v, %v; want %v", got, ok, want)
	}
	if s, ps := ToEpoch16(want); s != 63113904000 || ps != 123456789000 {
		t.Errorf("ToEpoch16 = %v, %v", s, ps)
	}
	if _, ok := Epoch16Time(-1e31, -1e31); ok {
		t.Error("EPOCH16 fill converted")
	}
}

func TestTT2000(t *testing.T) {
	cases := []struct {
		tt   int64
		want time.Time
	}{
		{0, utc(2000, 1, 1, 11, 58, 55, 816e6)},                        // the CDF documentation's example
		{631368069184000000, utc(2020, 1, 4, 0, 0, 0, 0)},              // SCALEMIN of the PSP file
		{1577880069184000000, utc(2050, 1, 1, 0, 0, 0, 0)},             // VALIDMAX of epoch_quality_flags
		{-946727959815918000, utc(1970, 1, 1, 0, 0, 0, 0)},             // TAI-UTC 8.000082 s (drift era)
		{-1577836800000000000 + 32184e6, utc(1950, 1, 1, 12, 0, 0, 0)}, // before 1960: TAI = UTC
	}
	for _, c := range cases {
		got, ok := TT2000Time(c.tt)
		if !ok || got.Sub(c.want).Abs() > time.Microsecond {
			t.Errorf("TT2000Time(%d) = %v, %v; want %v", c.tt, got, ok, c.want)
		}
		if back := ToTT2000(c.want); math.Abs(float64(back-c.tt)) > 1e3 {
			t.Errorf("ToTT2000(%v) = %d, want %d", c.want, back, c.tt)
		}
	}
	for _, fill := range []int64{math.MinInt64, math.MinInt64 + 1} {
		if got, ok := TT2000Time(fill); ok || !got.IsZero() {
			t.Errorf("TT2000Time(%d) = %v, %v", fill, got, ok)
		}
	}
}

// TestTT2000Leaps checks every leap second of the table: the UTC minute
// around it has 61 seconds of TT, times inside it are clamped, and UTC
// round-trips on both sides.
func TestTT2000Leaps(t *testing.T) {
	for _, s := range leapSteps[1:] {
		before, after := s.start.Add(-time.Second), s.start
		if d := ToTT2000(after) - ToTT2000(before); d != 2e9 {
			t.Errorf("%v: 23:59:59 to 00:00:00 is %d ns of TT, want 2 s", after, d)
		}
		for _, u := range []time.Time{before, after, after.Add(-time.Nanosecond - time.Second), after.Add(12 * time.Hour)} {
			if got, _ := TT2000Time(ToTT2000(u)); !got.Equal(u) {
				t.Errorf("round trip of %v gives %v", u, got)
			}
		}
		for _, in := range []int64{1, 5e8, 1e9 - 1} { // inside 23:59:60
			if got, _ := TT2000Time(ToTT2000(before) + 1e9 + in); !got.Equal(after.Add(-1)) {
				t.Errorf("%v: leap second + %d ns gives %v, want %v", after, in, got, after.Add(-1))
			}
		}
	}
	// 1972-01-01 began the whole-second era with a step of 0.107758 s.
	if got, _ := TT2000Time(leapSteps[0].tt - 5e7); !got.Equal(leapSteps[0].start.Add(-1)) {
		t.Errorf("inside the 1972 step: %v", got)
	}
	// So did 1963-11-01, by 0.1 s.
	step1963 := utc(1963, 11, 1, 0, 0, 0, 0)
	if got, _ := TT2000Time(ToTT2000(step1963) - 5e7); !got.Equal(step1963.Add(-1)) {
		t.Errorf("inside the 1963 step: %v", got)
	}
	for _, u := range []time.Time{utc(1962, 3, 4, 5, 6, 7, 0), utc(1971, 12, 31, 23, 59, 59, 0), utc(1900, 1, 1, 0, 0, 0, 0)} {
		if got, _ := TT2000Time(ToTT2000(u)); got.Sub(u).Abs() > time.Microsecond {
			t.Errorf("round trip of %v gives %v", u, got)
		}
	}
	if ToTT2000(utc(1500, 1, 1, 0, 0, 0, 0)) != math.MinInt64 {
		t.Error("ToTT2000 of 1500 is not the fill value")
	}
}
