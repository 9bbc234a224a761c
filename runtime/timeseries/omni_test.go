package timeseries

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The OMNI listing in the shared folder reads as its derived CSV does: same times, same values,
// same rows dropped for fill.
func TestLoadOMNIMatchesCSV(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "solar_wind")
	lst := filepath.Join(dir, "omni_20011106.lst")
	if _, err := os.Stat(lst); err != nil {
		t.Skipf("no shared OMNI listing (%v)", err)
	}
	for _, cols := range [][]string{nil, {"BX", "by", "5"}} {
		s, err := LoadOMNI[float64](lst, SeriesOptions{Columns: cols})
		if err != nil {
			t.Fatal(err)
		}
		c, err := LoadSeriesCSV[float64](filepath.Join(dir, "omni_hro_1min_20011105-09.csv"), SeriesOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cols != nil {
			if c, err = LoadSeriesCSV[float64](filepath.Join(dir, "omni_hro_1min_20011105-09.csv"), SeriesOptions{Columns: []string{"Bx_GSE_GSM_nT", "By_GSM_nT", "Bx_GSE_GSM_nT"}}); err != nil {
				t.Fatal(err)
			}
		}
		if s.Len() != c.Len() || s.Dropped != c.Dropped || s.Channels != c.Channels {
			t.Fatalf("columns %v: %d rows (%d dropped) of %d channels; the CSV %d (%d) of %d", cols, s.Len(), s.Dropped, s.Channels, c.Len(), c.Dropped, c.Channels)
		}
		if !slices.EqualFunc(s.Times, c.Times, func(a, b time.Time) bool { return a.Equal(b) }) {
			t.Error("times differ")
		}
		if !slices.Equal(s.Values, c.Values) {
			t.Error("values differ")
		}
		if cols == nil && s.Names[0] != "BX, nT (GSE, GSM)" {
			t.Errorf("names %q", s.Names)
		}
	}
}

func TestLoadOMNIErrors(t *testing.T) {
	dir := t.TempDir()
	fmtText := " 1 Year  I4\n 2 Day   I4\n 3 Hour  I3\n 4 Minute I3\n 5 BX, nT F8.2\n"
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("a.fmt", fmtText)
	for _, c := range []struct{ lst, want string }{
		{"2001 309  0  0    2.90\n2001 309  0  0    2.91\n", "a.lst:2: time 2001-11-05T00:00:00Z is not after"},
		{"2001 309  0  0    x.90\n", "a.lst:1: column 5 (BX, nT): \"x.90\" is not a number"},
		{"2001 400  0  0    2.90\n", "a.lst:1: time 2001-400"},
		{"2001 309  0  0    2.90    1.00\n", "a.lst:1: 6 fields, the format has 5 columns"},
		{"", "a.lst: no data rows"},
	} {
		_, err := LoadOMNI[float64](write("a.lst", c.lst), SeriesOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.lst, err, c.want)
		}
	}
	s, err := LoadOMNI[float64](write("a.lst", "2001 309  0  0    2.90\n2001 309  0  1 9999.99\n2001 309  0  2   -1.50\n"), SeriesOptions{})
	if err != nil || s.Len() != 2 || s.Dropped != 1 || !slices.Equal(s.Values, []float64{2.9, -1.5}) {
		t.Errorf("fill: %v %+v", err, s)
	}
	if _, err := LoadOMNI[float64](write("b.lst", "2001 309  0  0    2.90\n"), SeriesOptions{}); err == nil || !strings.Contains(err.Error(), "format file beside it") {
		t.Errorf("no .fmt: %v", err)
	}
	if _, err := LoadOMNI[float64](filepath.Join(dir, "a.lst"), SeriesOptions{Columns: []string{"BZ"}}); err == nil || !strings.Contains(err.Error(), `no column "BZ"`) {
		t.Errorf("unknown column: %v", err)
	}
}
