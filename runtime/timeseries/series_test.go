package timeseries

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestReadSeriesCSV(t *testing.T) {
	const in = `# a comment
# another, with, commas
time_utc,Bx,By,Bz,n
2001-11-05T00:00:30Z,1,2,3,4
2001-11-05T00:01:30Z,NaN,2,3,4
2001-11-05T00:02:30Z,1.5,,3,4
2001-11-05T00:03:30Z,-1e31,2,3,4
2001-11-05T00:04:30Z,9999.99,2,3,4
2001-11-05T00:05:30Z,4,5,6,0
2001-11-05T00:06:30Z,7,8,9,NaN
`
	s, err := ReadSeriesCSV[float32](strings.NewReader(in), "b.csv", SeriesOptions{Columns: []string{"Bx", "By", "4"}, Fill: []float64{9999.99}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Channels != 3 || !slices.Equal(s.Names, []string{"Bx", "By", "Bz"}) {
		t.Errorf("channels %d names %v", s.Channels, s.Names)
	}
	// Rows 2–5 have a missing value in a chosen column; row 7's NaN is in a column not chosen.
	if s.Len() != 3 || s.Dropped != 4 {
		t.Fatalf("%d rows, %d dropped; want 3, 4", s.Len(), s.Dropped)
	}
	if !slices.Equal(s.Values, []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("values %v", s.Values)
	}
	if !s.Times[1].Equal(mustTime(t, "2001-11-05T00:05:30Z")) || s.Times[1].Location() != time.UTC {
		t.Errorf("time %v", s.Times[1])
	}

	// Defaults: every column after the time (9999.99 is now a value; -1e31 is fill by default,
	// KeepHuge keeps it).
	s64, err := ReadSeriesCSV[float64](strings.NewReader(in), "b.csv", SeriesOptions{})
	if err != nil || s64.Channels != 4 || s64.Len() != 3 || s64.Dropped != 4 || s64.Values[4] != 9999.99 {
		t.Fatalf("defaults: %v, %+v", err, s64)
	}
	s64, err = ReadSeriesCSV[float64](strings.NewReader(in), "b.csv", SeriesOptions{Columns: []string{"bx"}, KeepHuge: true})
	if err != nil || s64.Len() != 6 || s64.Dropped != 1 || s64.Values[2] != -1e31 {
		t.Fatalf("KeepHuge: %v, %+v", err, s64)
	}
}

func TestReadSeriesCSVNoHeaderAndTimeForms(t *testing.T) {
	const in = "2020-001T00:00:00Z;1\n2020-01-01 00:01:00;2\n2020-01-01T00:02:00.5+01:00;3\n2020-01-01T00:03;4\n"
	// The third time is 23:02:00.5 on the day before in UTC: out of order.
	_, err := ReadSeriesCSV[float64](strings.NewReader(in), "x", SeriesOptions{Comma: ';'})
	if err == nil || !strings.Contains(err.Error(), "x:3: time 2019-12-31T23:02:00.5Z is not after") {
		t.Errorf("zone: error %v", err)
	}
	const ordered = "2020-001T00:00:00Z;1\n2020-01-01 00:01:00;2\n2020-01-01T01:02:00.5+01:00;3\n2020-01-01T00:03;4\n"
	s, err := ReadSeriesCSV[float64](strings.NewReader(ordered), "x", SeriesOptions{Comma: ';'})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 4 || s.Dropped != 0 || !slices.Equal(s.Names, []string{"field 2"}) || !slices.Equal(s.Values, []float64{1, 2, 3, 4}) {
		t.Fatalf("%+v", s)
	}
	want := []string{"2020-01-01T00:00:00Z", "2020-01-01T00:01:00Z", "2020-01-01T00:02:00.5Z", "2020-01-01T00:03:00Z"}
	for i, w := range want {
		if !s.Times[i].Equal(mustTime(t, w)) {
			t.Errorf("time %d: %v, want %s", i, s.Times[i], w)
		}
	}
	// CDAWeb's day-of-year form to the minute and as a bare day, as ISO 8601 allows.
	for in, want := range map[string]string{"2001-310T00:00Z": "2001-11-06T00:00:00Z", "2001-310T01:24": "2001-11-06T01:24:00Z", "2001-310": "2001-11-06T00:00:00Z"} {
		if got, err := ParseTime(in); err != nil || !got.Equal(mustTime(t, want)) {
			t.Errorf("ParseTime(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	// A custom layout, tried first.
	s, err = ReadSeriesCSV[float64](strings.NewReader("t,v\n05/11/2001 00:00,1\n05/11/2001 00:01,2\n"), "x",
		SeriesOptions{TimeLayouts: []string{"02/01/2006 15:04"}})
	if err != nil || s.Len() != 2 || !s.Times[1].Equal(mustTime(t, "2001-11-05T00:01:00Z")) {
		t.Fatalf("custom layout: %v %+v", err, s)
	}
}

func TestReadSeriesCSVErrors(t *testing.T) {
	const head = "# c\ntime,a,b\n"
	for _, c := range []struct {
		in   string
		opts SeriesOptions
		want string
	}{
		{"", SeriesOptions{}, "x: no header and no rows"},
		{head, SeriesOptions{}, "x: no data rows"},
		{head + "2001-11-05T00:00:00Z,1,2\n2001-11-05T00:01:00Z,1,x2\n", SeriesOptions{}, `x:4: field 3: "x2" is not a number`},
		{head + "2001-11-05T00:00:00Z,1,2\nyesterday,1,2\n", SeriesOptions{}, `x:4: field 1: "yesterday" is not an ISO-8601 time`},
		{head + "2001-11-05T00:00:00Z,1\n", SeriesOptions{}, "x:3: expected at least 3 fields, found 2"},
		{head + "2001-11-05T00:01:00Z,1,2\n2001-11-05T00:00:00Z,1,2\n", SeriesOptions{}, "x:4: time 2001-11-05T00:00:00Z is not after the previous row's 2001-11-05T00:01:00Z"},
		{head + "2001-11-05T00:01:00Z,1,2\n2001-11-05T00:01:00Z,1,2\n", SeriesOptions{}, "is not after the previous row's"},
		{head, SeriesOptions{Columns: []string{"c"}}, `x:2: value column "c" is not in the header (time,a,b)`},
		{head, SeriesOptions{Columns: []string{"0"}}, "x:2: value column 0: fields are counted from 1"},
		{head, SeriesOptions{Columns: []string{"time"}}, `value column "time" is the time column`},
		{head, SeriesOptions{TimeColumn: "b"}, `no value columns after the time column "b"`},
		{"2001-11-05T00:00:00Z,1\n", SeriesOptions{Columns: []string{"a"}}, `x:1: value column "a": the file has no header`},
		{head + "2001-11-05T00:00:00Z,1,\"2\n", SeriesOptions{}, "x:3:"},
		{head + "2001-11-05T00:00:00Z,1,1e39\n", SeriesOptions{KeepHuge: true}, `field 3: "1e39" is beyond the float32 range`},
	} {
		_, err := ReadSeriesCSV[float32](strings.NewReader(c.in), "x", c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestCadence(t *testing.T) {
	t0 := mustTime(t, "2020-01-01T00:00:00Z")
	at := func(mins ...float64) []time.Time {
		var ts []time.Time
		for _, m := range mins {
			ts = append(ts, t0.Add(time.Duration(m*float64(time.Minute))))
		}
		return ts
	}
	for _, c := range []struct {
		times []time.Time
		want  time.Duration
	}{
		{nil, 0},
		{at(0), 0},
		{at(0, 1, 2, 3, 10, 11, 30), time.Minute},
		{at(0, 2, 4, 5, 6), time.Minute}, // a tie: the smaller
		{at(0, 0.8, 1.6, 2.4, 5), 48 * time.Second},
	} {
		if got := Cadence(c.times); got != c.want {
			t.Errorf("Cadence(%v) = %v, want %v", c.times, got, c.want)
		}
	}
}

func TestSeriesBetween(t *testing.T) {
	s := &Series[float32]{Channels: 2}
	t0 := mustTime(t, "2020-01-01T00:00:00Z")
	for i := range 10 {
		s.Times = append(s.Times, t0.Add(time.Duration(i)*time.Minute))
		s.Values = append(s.Values, float32(i), float32(-i))
	}
	b := s.Between(t0.Add(3*time.Minute), t0.Add(5*time.Minute+time.Second))
	if b.Len() != 3 || !slices.Equal(b.Values, []float32{3, -3, 4, -4, 5, -5}) {
		t.Errorf("between: %+v", b)
	}
	if b := s.Between(time.Time{}, t0.Add(2*time.Minute)); b.Len() != 2 {
		t.Errorf("open start: %d", b.Len())
	}
	if b := s.Between(t0.Add(20*time.Minute), t0.Add(2*time.Minute)); b.Len() != 0 {
		t.Errorf("empty: %d", b.Len())
	}
	c := s.Clone()
	c.Values[0] = 99
	if s.Values[0] != 0 || !slices.Equal(s.Column(1)[:3], []float64{0, -1, -2}) {
		t.Error("clone shares storage, or Column is wrong")
	}
}

// TestReadSharedSeries reads every CSV layout in the shared data folder, checking the counts
// SOURCES.md gives for them.
func TestReadSharedSeries(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "solar_wind") // beside the project root
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no shared data (%v): the layouts of the real files are not checked", err)
	}
	for _, c := range []struct {
		file          string
		opts          SeriesOptions
		rows, dropped int
		names         []string
		first         string
		cadence       time.Duration
	}{
		{"ace_mfi_16s_gsm_20011105-08.csv", SeriesOptions{}, 21598, 2,
			[]string{"Bx_GSM_nT", "By_GSM_nT", "Bz_GSM_nT"}, "2001-11-05T00:00:08Z", 16 * time.Second},
		{"ace_mfi_1min_gsm_20011105-08.csv", SeriesOptions{Columns: []string{"2", "3", "4"}}, 5760, 0,
			[]string{"Bx_GSM_nT", "By_GSM_nT", "Bz_GSM_nT"}, "2001-11-05T00:00:30Z", time.Minute},
		{"omni_hro_1min_20011105-09.csv", SeriesOptions{Columns: []string{"Bx_GSE_GSM_nT", "By_GSM_nT", "Bz_GSM_nT"}}, 7200 - 1326, 1326,
			[]string{"Bx_GSE_GSM_nT", "By_GSM_nT", "Bz_GSM_nT"}, "2001-11-05T00:00:00Z", time.Minute},
		{"psp_mag_rtn_1min_20200104.csv", SeriesOptions{Columns: []string{"B_R_nT", "B_T_nT", "B_N_nT"}}, 112, 6,
			[]string{"B_R_nT", "B_T_nT", "B_N_nT"}, "2020-01-04T02:34:30Z", time.Minute},
		{"voyager1_mag_rtn_48s_2009_001-061.csv", SeriesOptions{Columns: []string{"B_R_nT", "B_T_nT", "B_N_nT"}}, 36510, 0,
			[]string{"B_R_nT", "B_T_nT", "B_N_nT"}, "2009-01-01T04:10:27Z", 48 * time.Second},
		{"voyager1_mag_rtn_1min_2009_001-060.csv", SeriesOptions{Columns: []string{"B_R_nT", "B_T_nT", "B_N_nT"}}, 86400 - 57107, 57107,
			[]string{"B_R_nT", "B_T_nT", "B_N_nT"}, "", time.Minute},
		{"wind_mfi_1min_gsm_20240510-12.csv", SeriesOptions{}, 3597, 3,
			[]string{"Bx_GSM_nT", "By_GSM_nT", "Bz_GSM_nT"}, "2024-05-10T00:00:30Z", time.Minute},
	} {
		path := filepath.Join(dir, c.file)
		if _, err := os.Stat(path); err != nil {
			t.Logf("%s: not present, skipped", c.file)
			continue
		}
		s, err := LoadSeriesCSV[float32](path, c.opts)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if s.Len() != c.rows || s.Dropped != c.dropped || !slices.Equal(s.Names, c.names) {
			t.Errorf("%s: %d rows, %d dropped, names %v; want %d, %d, %v", c.file, s.Len(), s.Dropped, s.Names, c.rows, c.dropped, c.names)
		}
		if c.first != "" && !s.Times[0].Equal(mustTime(t, c.first)) {
			t.Errorf("%s: first time %v, want %s", c.file, s.Times[0], c.first)
		}
		if got := Cadence(s.Times); got != c.cadence {
			t.Errorf("%s: cadence %v, want %v", c.file, got, c.cadence)
		}
		for i, v := range s.Values {
			if math.IsNaN(float64(v)) || math.Abs(float64(v)) > 1e4 {
				t.Errorf("%s: value %d is %v", c.file, i, v)
				break
			}
		}
	}
}

func TestResample(t *testing.T) {
	// 16-s samples from 00:00:08 (at 08, 24, 40, 56 s, 01:12, 01:28, 01:44, 02:00 and 04:16)
	// into 1-minute bins: 4, 3, 1 and 1 samples; the empty bins 00:03 and 00:04 are left out.
	s := &Series[float64]{Channels: 2}
	t0 := time.Date(2001, 11, 5, 0, 0, 8, 0, time.UTC)
	for _, sec := range []int{0, 16, 32, 48, 64, 80, 96, 112, 248} {
		s.Times = append(s.Times, t0.Add(time.Duration(sec)*time.Second))
		s.Values = append(s.Values, float64(sec), -float64(sec))
	}
	r, err := Resample(s, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2001-11-05T00:00:30Z", "2001-11-05T00:01:30Z", "2001-11-05T00:02:30Z", "2001-11-05T00:04:30Z"}
	if r.Len() != 4 || !slices.Equal(r.Values, []float64{24, -24, 80, -80, 112, -112, 248, -248}) {
		t.Fatalf("resampled %v %v", r.Times, r.Values)
	}
	for i, w := range want {
		if !r.Times[i].Equal(mustTime(t, w)) {
			t.Errorf("bin %d at %v, want %s", i, r.Times[i], w)
		}
	}
	if _, err := Resample(s, 0); err == nil {
		t.Error("step 0 accepted")
	}
}

func TestFillGaps(t *testing.T) {
	// Minutes 0..9 without 3 (one missing), 6 and 7 (two) — and 20 after a 10-minute gap.
	s := minuteSeries(10, 1, 3, 6, 7)
	s.Times = append(s.Times, s.Times[0].Add(20*time.Minute))
	s.Values = append(s.Values, 20)
	f, n := FillGaps(s, time.Minute, 1)
	if n != 1 || f.Len() != s.Len()+1 || f.Values[3] != 3 || !f.Times[3].Equal(s.Times[0].Add(3*time.Minute)) {
		t.Errorf("one missing filled: %d inserted, values %v", n, f.Values)
	}
	f, n = FillGaps(s, time.Minute, 2)
	if n != 3 || !slices.Equal(f.Values, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20}) {
		t.Errorf("two missing filled: %d inserted, values %v", n, f.Values)
	}
	if f, n := FillGaps(s, time.Minute, 0); n != 0 || f != s {
		t.Error("maxMissing 0 fills")
	}
	if s.Len() != 8 {
		t.Error("FillGaps changed its input")
	}
}

func TestParseRange(t *testing.T) {
	from, to, err := ParseRange("2001-11-05T00:00:00Z/2001-11-06")
	if err != nil || !from.Equal(time.Date(2001, 11, 5, 0, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2001, 11, 6, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%v %v %v", from, to, err)
	}
	if from, to, err := ParseRange("/2001-11-06T00:00"); err != nil || !from.IsZero() || to.IsZero() {
		t.Errorf("open start: %v %v %v", from, to, err)
	}
	if from, to, err := ParseRange(""); err != nil || !from.IsZero() || !to.IsZero() {
		t.Errorf("empty: %v %v %v", from, to, err)
	}
	for _, bad := range []string{"2001-11-06/2001-11-05", "2001", "x/"} {
		if _, _, err := ParseRange(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
