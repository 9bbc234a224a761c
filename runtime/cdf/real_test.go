package cdf

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dataDir holds the real CDFs and the CSVs derived from them (see
// shared/data/SOURCES.md).
const dataDir = "../../../shared/data/solar_wind/"

const (
	pspCDF  = "psp_fld_l2_mag_rtn_1min_20200104_v02.cdf"
	aceCDF  = "ac_h0s_mfi_20011105.cdf"
	windCDF = "wi_h0s_mfi_20240510000030_20240512115930_copy.cdf"
)

// openReal opens a real CDF, or skips the test if it is missing.
func openReal(t *testing.T, name string) *File {
	t.Helper()
	path := filepath.Join(dataDir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("real data file %s is missing (%v)", path, err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// csvTable is a derived CSV: the times of the first column and the other
// columns as numbers.
type csvTable struct {
	header []string
	times  []time.Time
	cols   [][]float64
}

func readCSV(t *testing.T, name string) csvTable {
	t.Helper()
	path := filepath.Join(dataDir, name)
	fh, err := os.Open(path)
	if err != nil {
		t.Skipf("derived CSV %s is missing (%v)", path, err)
	}
	defer fh.Close()
	var tab csvTable
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, ",")
		if tab.header == nil {
			tab.header = fields
			tab.cols = make([][]float64, len(fields)-1)
			continue
		}
		if len(fields) != len(tab.header) {
			t.Fatalf("%s: %d fields in %q", name, len(fields), line)
		}
		tm, err := time.Parse(time.RFC3339Nano, fields[0])
		if err != nil {
			t.Fatal(err)
		}
		tab.times = append(tab.times, tm)
		for i, s := range fields[1:] {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			tab.cols[i] = append(tab.cols[i], x)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return tab
}

func mustVar(t *testing.T, f *File, name string) *Var {
	t.Helper()
	v, err := f.Variable(name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func attrText(t *testing.T, v *Var, name string) string {
	t.Helper()
	a, ok := v.Attr(name)
	if !ok {
		t.Fatalf("variable %q has no %s", v.Name, name)
	}
	return a.Text
}

// checkVector compares a time variable and a 3-vector variable with the
// first four columns of a derived CSV: same records, times to the
// nanosecond, values at float32 precision, NaN exactly where the CDF has
// fill. It returns the number of fill records.
func checkVector(t *testing.T, f *File, timeName, vecName string, tab csvTable) int {
	t.Helper()
	tv, vv := mustVar(t, f, timeName), mustVar(t, f, vecName)
	if dep := attrText(t, vv, "DEPEND_0"); dep != timeName {
		t.Errorf("%s DEPEND_0 = %q, want %q", vecName, dep, timeName)
	}
	times, err := tv.Times()
	if err != nil {
		t.Fatal(err)
	}
	vals, err := vv.MaskedFloat64s()
	if err != nil {
		t.Fatal(err)
	}
	if got := vv.Shape(); len(got) != 1 || got[0] != 3 {
		t.Fatalf("%s shape %v, want [3]", vecName, got)
	}
	if len(times) != len(tab.times) || len(vals) != 3*len(tab.times) {
		t.Fatalf("%d times and %d values, CSV has %d rows", len(times), len(vals), len(tab.times))
	}
	fills, bad := 0, 0
	for i, want := range tab.times {
		if !times[i].Equal(want) {
			if bad++; bad < 5 {
				t.Errorf("record %d: time %v, CSV %v", i, times[i], want)
			}
		}
		nan := 0
		for k := range 3 {
			got, w := vals[3*i+k], tab.cols[k][i]
			switch {
			case math.IsNaN(got) && math.IsNaN(w):
				nan++
			case float32(got) != float32(w):
				if bad++; bad < 5 {
					t.Errorf("record %d component %d: %v, CSV %v", i, k, got, w)
				}
			}
		}
		if nan == 3 {
			fills++
		} else if nan != 0 {
			t.Errorf("record %d: partly NaN", i)
		}
	}
	if bad > 0 {
		t.Errorf("%d mismatches", bad)
	}
	return fills
}

func TestPSP(t *testing.T) {
	f := openReal(t, pspCDF)
	tab := readCSV(t, "psp_mag_rtn_1min_20200104.csv")
	if v, r, i := f.Version(); v != 3 || r != 7 || i != 1 {
		t.Errorf("version %d.%d.%d, want 3.7.1", v, r, i)
	}
	if f.Encoding() != Network || f.RowMajor() {
		t.Errorf("encoding %v row-major %v, want NETWORK column-major", f.Encoding(), f.RowMajor())
	}
	if src, _ := f.Attr("Logical_source"); len(src) != 1 || src[0].Text != "psp_fld_l2_mag_RTN_1min" {
		t.Errorf("Logical_source = %v", src)
	}
	ep := mustVar(t, f, "epoch_mag_RTN_1min")
	if ep.Type != TT2000 || !ep.Z || !ep.RecVary || ep.NumRecords != 118 {
		t.Errorf("epoch: %v z=%v recvary=%v %d records", ep.Type, ep.Z, ep.RecVary, ep.NumRecords)
	}
	if a, _ := ep.Attr("FILLVAL"); a.Type != TT2000 || len(a.Ints) != 1 || a.Ints[0] != math.MinInt64 {
		t.Errorf("epoch FILLVAL = %+v", a)
	}
	if a, _ := ep.Attr("VALIDMIN"); !slices.EqualFunc(a.Times(), []time.Time{time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)}, time.Time.Equal) {
		t.Errorf("epoch VALIDMIN = %v", a.Times())
	}
	b := mustVar(t, f, "psp_fld_l2_mag_RTN_1min")
	if b.Type != Real4 || attrText(t, b, "UNITS") != "nT" || !b.compressed {
		t.Errorf("B: %v units %q compressed %v", b.Type, attrText(t, b, "UNITS"), b.compressed)
	}
	if fill, _ := b.Attr("FILLVAL"); fill.Nums[0] != float64(float32(-1e31)) {
		t.Errorf("B FILLVAL = %v", fill)
	}
	labels, err := mustVar(t, f, attrText(t, b, "LABL_PTR_1")).Strings()
	if err != nil || strings.Join(labels, ",") != "B_R,B_T,B_N" {
		t.Errorf("labels %q, %v", labels, err)
	}
	if fills := checkVector(t, f, "epoch_mag_RTN_1min", "psp_fld_l2_mag_RTN_1min", tab); fills != 6 {
		t.Errorf("%d NaN records, want 6", fills)
	}

	// The quality flags have their own epoch, one record a minute at the
	// minute's start; the CSV gives the flag of each MAG record's minute.
	qt, err := mustVar(t, f, "epoch_quality_flags").Times()
	if err != nil {
		t.Fatal(err)
	}
	q, err := mustVar(t, f, "psp_fld_l2_quality_flags").Float64s()
	if err != nil {
		t.Fatal(err)
	}
	if len(qt) != 1440 || len(q) != 1440 || !qt[0].Equal(time.Date(2020, 1, 4, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%d flag times from %v, %d flags", len(qt), qt[0], len(q))
	}
	for i, tm := range tab.times {
		k := int(tm.Sub(qt[0]) / time.Minute)
		if !qt[k].Equal(tm.Add(-30*time.Second)) || q[k] != tab.cols[3][i] {
			t.Errorf("row %d: flag %v at %v, CSV %v", i, q[k], qt[k], tab.cols[3][i])
		}
	}
}

func TestACE(t *testing.T) {
	f := openReal(t, aceCDF)
	tab := readCSV(t, "ace_mfi_16s_gsm_20011105-08.csv")
	ep := mustVar(t, f, "Epoch")
	if ep.Type != Epoch || ep.NumRecords != 21600 {
		t.Fatalf("Epoch: %v, %d records", ep.Type, ep.NumRecords)
	}
	if fills := checkVector(t, f, "Epoch", "BGSM", tab); fills != 2 {
		t.Errorf("%d fill records, want 2", fills)
	}
	checkFillStored(t, mustVar(t, f, "BGSM"))
	times, _ := ep.Times()
	for i := 1; i < len(times); i++ {
		// 16 s, but 15 s across midnight: each day of ACE data starts at 00:00:07.
		if d := times[i].Sub(times[i-1]); d != 16*time.Second && (d != 15*time.Second || times[i].Hour() != 0) {
			t.Fatalf("record %d: spacing %v", i, d)
		}
	}
}

func TestWind(t *testing.T) {
	f := openReal(t, windCDF)
	tab := readCSV(t, "wind_mfi_1min_gsm_20240510-12.csv")
	if fills := checkVector(t, f, "Epoch", "BGSM", tab); fills != 3 {
		t.Errorf("%d fill records, want 3", fills)
	}
	checkFillStored(t, mustVar(t, f, "BGSM"))
	p, err := mustVar(t, f, "PGSM").MaskedFloat64s()
	if err != nil || len(p) != 3*3600 {
		t.Fatalf("PGSM: %d values, %v", len(p), err)
	}
	if r := math.Sqrt(p[0]*p[0] + p[1]*p[1] + p[2]*p[2]); r < 200 || r > 260 {
		t.Errorf("Wind at %.1f Re from Earth, want near L1 (~235 Re)", r)
	}
}

// checkFillStored checks that Float64s returns the fill value where
// MaskedFloat64s gives NaN.
func checkFillStored(t *testing.T, v *Var) {
	t.Helper()
	raw, err := v.Float64s()
	if err != nil {
		t.Fatal(err)
	}
	masked, _ := v.MaskedFloat64s()
	n := 0
	for i, x := range masked {
		if math.IsNaN(x) {
			n++
			if float32(raw[i]) != -1e31 {
				t.Fatalf("value %d: masked, but stored as %v", i, raw[i])
			}
		}
	}
	if n == 0 {
		t.Errorf("no fill values in %s", v.Name)
	}
}

// TestRealTruncated cuts a real file short at many places: every cut must
// give an error (from Read or from reading some variable), never a panic.
func TestRealTruncated(t *testing.T) {
	path := filepath.Join(dataDir, pspCDF)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("real data file %s is missing (%v)", path, err)
	}
	for _, n := range []int{0, 4, 7, 8, 20, 100, 319, 320, 1000, 5000, 20000, 40000, 60000, len(b) - 100} {
		err := readAll(b[:n])
		if err == nil {
			t.Errorf("cut at %d of %d bytes: no error", n, len(b))
			continue
		}
		if !errors.Is(err, ErrFormat) {
			t.Errorf("cut at %d: %v does not wrap ErrFormat", n, err)
		}
	}
}

// readAll parses b and reads every variable and attribute, returning the
// first error.
func readAll(b []byte) error {
	f, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	for _, n := range f.AttrNames() {
		vals, _ := f.Attr(n)
		for _, x := range vals {
			_ = x.String()
			_ = x.Times()
		}
	}
	var first error
	for _, v := range f.Variables() {
		_ = v.Shape()
		for _, n := range v.AttrNames() {
			a, _ := v.Attr(n)
			_ = a.String()
		}
		var err error
		switch {
		case v.Type.IsText():
			_, err = v.Strings()
		case v.Type.isTime():
			_, err = v.Times()
		default:
			_, err = v.MaskedFloat64s()
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

func TestNotCDF(t *testing.T) {
	b := []byte("PK\x03\x04 this is a zip file, not a CDF at all")
	_, err := Read(bytes.NewReader(b), int64(len(b)))
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "not a CDF file") {
		t.Errorf("got %v", err)
	}
	path := filepath.Join(t.TempDir(), "bad.cdf")
	os.WriteFile(path, b, 0o644)
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), "bad.cdf: not a CDF file (magic number 504B0304)") {
		t.Errorf("got %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none.cdf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
