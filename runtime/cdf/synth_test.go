package cdf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	nan      = math.NaN()
	leap2017 = time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
)

// seq returns n values from start on: start, start+1, ...
func seq(start float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = start + float64(i)
	}
	return out
}

// synSample is a file with one variable of each kind the tests check.
func synSample(v2 bool, enc Encoding, rowMajor bool, cType int32, nested bool) synFile {
	return synFile{
		v2: v2, enc: enc, rowMajor: rowMajor, rDims: []int{2},
		gattrs: []synAttr{
			{name: "TITLE", typ: Char, text: "synthetic test file"},
			{name: "Numbers", typ: Real8, vals: []float64{1.5, 2.5}},
		},
		vars: []synVar{
			{ // 2x3 REAL8, 6 records, record 2 never written
				name: "M", z: true, typ: Real8, dims: []int{2, 3}, recVary: true, maxRec: 5,
				cType: cType, nested: nested,
				chunks: []synChunk{
					{first: 0, vals: append(seq(0, 6), seq(100, 6)...)},
					{first: 3, vals: append(append(seq(300, 6), seq(400, 6)...), seq(500, 6)...)},
				},
				attrs: []synAttr{
					{name: "UNITS", typ: Char, text: "nT"},
					{name: "FILLVAL", typ: Real8, vals: []float64{-1e31}},
					{name: "DEPEND_0", typ: Char, text: "T"},
				},
			},
			{ // INT2[4], "previous" sparse records
				name: "P", z: true, typ: Int2, dims: []int{4}, recVary: true, maxRec: 4,
				sparse: PrevSparse, cType: cType, nested: nested,
				chunks: []synChunk{
					{first: 1, vals: []float64{1, -2, 3, -4}},
					{first: 3, vals: []float64{5, 6, 7, 8}},
				},
			},
			{ // rVariable UINT1[2] with a FILLVAL
				name: "R", typ: Uint1, recVary: true, maxRec: 1,
				chunks: []synChunk{{first: 0, vals: []float64{1, 2, 3, 255}}},
				attrs:  []synAttr{{name: "FILLVAL", typ: Uint1, vals: []float64{255}}},
			},
			{ // TT2000: J2000, and half-way through the leap second of 2016
				name: "T", z: true, typ: TT2000, recVary: true, maxRec: 2, cType: cType,
				chunks: []synChunk{{first: 0, ints: []int64{0, ToTT2000(leap2017) - 5e8, math.MinInt64}}},
			},
			{
				name: "E", z: true, typ: Epoch, recVary: true, maxRec: 1,
				chunks: []synChunk{{first: 0, vals: []float64{63113904000000, -1e31}}},
			},
			{
				name: "E16", z: true, typ: Epoch16, recVary: true, maxRec: 0,
				chunks: []synChunk{{first: 0, vals: []float64{63113904000, 123456789000}}},
			},
			{ // CHAR*4 [2], not record-varying
				name: "S", z: true, typ: Char, ne: 4, dims: []int{2}, maxRec: 0,
				chunks: []synChunk{{first: 0, text: []string{"ab", "cdef"}}},
			},
			{ // REAL4 [2,3] varying only in the first dimension
				name: "D", z: true, typ: Real4, dims: []int{2, 3}, varys: []bool{true, false},
				recVary: true, maxRec: 1, cType: cType,
				chunks: []synChunk{{first: 0, vals: []float64{1.5, 2.5, 3.5, 4.5}}},
			},
			{name: "N", z: true, typ: Real4, recVary: true, maxRec: -1},
		},
	}
}

// TestSynthetic reads the sample in every layout: CDF 2 and 3, big- and
// little-endian, row- and column-major, plain, GZIP and RLE records, flat
// and nested VXRs, with and without whole-file compression.
func TestSynthetic(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		for _, enc := range []Encoding{Network, IBMPC} {
			for _, row := range []bool{true, false} {
				for _, cType := range []int32{cNone, cGZIP, cRLE} {
					for _, fileComp := range []int32{cNone, cGZIP, cRLE} {
						s := synSample(v2, enc, row, cType, enc == IBMPC)
						s.fileComp = fileComp
						name := fmt.Sprintf("v2=%v/%v/row=%v/%s/file=%s", v2, enc, row, compressionName(cType), compressionName(fileComp))
						t.Run(name, func(t *testing.T) { checkSample(t, s.bytes(), s) })
					}
				}
			}
		}
	}
}

func checkSample(t *testing.T, b []byte, s synFile) {
	f, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Encoding() != s.enc || f.RowMajor() != s.rowMajor {
		t.Errorf("encoding %v row-major %v", f.Encoding(), f.RowMajor())
	}
	if c, how := f.Compressed(); c != (s.fileComp != 0) || c && how != compressionName(s.fileComp) {
		t.Errorf("Compressed() = %v, %s", c, how)
	}
	var names []string
	for _, v := range f.Variables() {
		names = append(names, v.Name)
	}
	if got := strings.Join(names, " "); got != "R M P T E E16 S D N" {
		t.Errorf("variables %s", got)
	}
	if got := strings.Join(f.AttrNames(), " "); got != "TITLE Numbers" {
		t.Errorf("global attributes %s", got)
	}
	if a, ok := f.Attr("TITLE"); !ok || a[0].Text != "synthetic test file" || a[0].String() != a[0].Text {
		t.Errorf("TITLE %v", a)
	}
	if a, _ := f.Attr("Numbers"); !slices.Equal(a[0].Nums, []float64{1.5, 2.5}) || a[0].String() != "1.5 2.5" {
		t.Errorf("Numbers %v", a)
	}

	m := mustVar(t, f, "M")
	if !slices.Equal(m.Shape(), []int{2, 3}) || m.NumRecords != 6 || !m.Z {
		t.Errorf("M shape %v, %d records", m.Shape(), m.NumRecords)
	}
	if u := attrText(t, m, "UNITS"); u != "nT" {
		t.Errorf("UNITS %q", u)
	}
	want := slices.Concat(seq(0, 6), seq(100, 6), nans(6), seq(300, 6), seq(400, 6), seq(500, 6))
	checkFloats(t, m, want)

	checkFloats(t, mustVar(t, f, "P"), []float64{nan, nan, nan, nan, 1, -2, 3, -4, 1, -2, 3, -4, 5, 6, 7, 8, 5, 6, 7, 8})

	r := mustVar(t, f, "R")
	if r.Z || !slices.Equal(r.Dims, []int{2}) {
		t.Errorf("R: z=%v dims %v", r.Z, r.Dims)
	}
	checkFloats(t, r, []float64{1, 2, 3, 255})
	if got, _ := r.MaskedFloat64s(); !sameFloats(got, []float64{1, 2, 3, nan}) {
		t.Errorf("R masked %v", got)
	}

	tt, err := mustVar(t, f, "T").Times()
	wantT := []time.Time{
		time.Date(2000, 1, 1, 11, 58, 55, 816e6, time.UTC),
		leap2017.Add(-1),
		{},
	}
	if err != nil || !slices.EqualFunc(tt, wantT, time.Time.Equal) {
		t.Errorf("T: %v, %v", tt, err)
	}
	et, err := mustVar(t, f, "E").Times()
	if err != nil || len(et) != 2 || !et[0].Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) || !et[1].IsZero() {
		t.Errorf("E: %v, %v", et, err)
	}
	e16, err := mustVar(t, f, "E16").Times()
	if err != nil || len(e16) != 1 || !e16[0].Equal(time.Date(2000, 1, 1, 0, 0, 0, 123456789, time.UTC)) {
		t.Errorf("E16: %v, %v", e16, err)
	}
	if _, err := mustVar(t, f, "E16").Float64s(); err == nil {
		t.Error("Float64s of EPOCH16: no error")
	}
	str, err := mustVar(t, f, "S").Strings()
	if err != nil || !slices.Equal(str, []string{"ab", "cdef"}) {
		t.Errorf("S: %q, %v", str, err)
	}
	if _, err := mustVar(t, f, "S").Float64s(); err == nil {
		t.Error("Float64s of CHAR: no error")
	}
	d := mustVar(t, f, "D")
	if !slices.Equal(d.Shape(), []int{2}) {
		t.Errorf("D shape %v", d.Shape())
	}
	checkFloats(t, d, []float64{1.5, 2.5, 3.5, 4.5})
	if got, err := mustVar(t, f, "N").Float64s(); err != nil || len(got) != 0 {
		t.Errorf("N: %v, %v", got, err)
	}
	if _, err := f.Variable("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Variable(nope): %v", err)
	}
}

func nans(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = nan
	}
	return out
}

// sameFloats compares with NaN equal to NaN.
func sameFloats(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) })
}

func checkFloats(t *testing.T, v *Var, want []float64) {
	t.Helper()
	got, err := v.Float64s()
	if err != nil {
		t.Fatalf("%s: %v", v.Name, err)
	}
	if !sameFloats(got, want) {
		t.Errorf("%s = %v, want %v", v.Name, got, want)
	}
}

func TestUnsupported(t *testing.T) {
	s := synSample(false, Vax, true, cNone, false)
	b := s.bytes()
	if _, err := Read(bytes.NewReader(b), int64(len(b))); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "VAX") {
		t.Errorf("VAX encoding: %v", err)
	}

	s = synSample(false, Network, true, cHuffman, false)
	b = s.bytes()
	f, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = mustVar(t, f, "M").Float64s()
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "Huffman") {
		t.Errorf("Huffman variable: %v", err)
	}

	s = synSample(false, Network, true, cNone, false)
	s.fileComp = cAHuff
	b = s.bytes()
	if _, err = Read(bytes.NewReader(b), int64(len(b))); !errors.Is(err, ErrUnsupported) {
		t.Errorf("adaptive Huffman file: %v", err)
	}
}

// TestMalformed damages a sample file in the ways that could make a naive
// reader loop, panic or allocate without bound.
func TestMalformed(t *testing.T) {
	base := synSample(false, Network, true, cGZIP, true).bytes()
	f, err := Read(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	m := mustVar(t, f, "M")
	last := f.Variables()[len(f.Variables())-1]
	// Field offsets in CDF 3 records: VDR next +12, MaxRec +24, VXRhead
	// +28, zNumDims +340; VXR next +12.
	put64 := func(b []byte, at int64, v int64) { binary.BigEndian.PutUint64(b[at:], uint64(v)) }
	put32 := func(b []byte, at int64, v int32) { binary.BigEndian.PutUint32(b[at:], uint32(v)) }
	cases := []struct {
		name   string
		damage func(b []byte)
		want   string
	}{
		{"VDR list loop", func(b []byte) { put64(b, last.off+12, m.off) }, "longer than the GDR's count"},
		{"VXR list loop", func(b []byte) { put64(b, m.vxrHead+12, m.vxrHead) }, "linked twice"},
		{"VXR beyond the file", func(b []byte) { put64(b, m.off+28, 1<<40) }, "beyond the file"},
		{"huge MaxRec", func(b []byte) { put32(b, m.off+24, math.MaxInt32) }, "refusing to pad"},
		{"huge record size", func(b []byte) { put64(b, m.off, 1<<50) }, "does not fit"},
		{"bad dimension count", func(b []byte) { put32(b, m.off+340, 99) }, "99 dimensions"},
		{"truncated GDR end", func(b []byte) {}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := slices.Clone(base)
			c.damage(b)
			if c.want == "" {
				b = b[:len(b)-1]
				c.want = "file truncated"
			}
			err := readAll(b)
			if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an ErrFormat containing %q", err, c.want)
			}
		})
	}
}

func TestErrorNamesFile(t *testing.T) {
	b := synSample(false, Network, true, cNone, false).bytes()
	f, err := Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	f.name = "psp.cdf"
	m := mustVar(t, f, "M")
	m.vxrHead = 1234
	f.size = 1000
	_, err = m.Float64s()
	if err == nil || err.Error() != `cdf: psp.cdf: variable "M": VXR at offset 1234 beyond the file's 1000 bytes` {
		t.Errorf("got %v", err)
	}
}
