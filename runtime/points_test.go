package runtime

import (
	"bytes"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestGridColumns(t *testing.T) {
	cols := GridColumns(GridAxis{Values: []float64{-1, 1}}, GridAxis{Lo: 0, Hi: 1, N: 3})
	wantX := []float64{-1, -1, -1, 1, 1, 1}
	wantT := []float64{0, 0.5, 1, 0, 0.5, 1}
	for i := range wantX {
		if cols[0][i] != wantX[i] || cols[1][i] != wantT[i] {
			t.Fatalf("point %d = (%v, %v), want (%v, %v): the last axis varies fastest", i, cols[0][i], cols[1][i], wantX[i], wantT[i])
		}
	}
}

func TestSampleColumns(t *testing.T) {
	for _, method := range []string{"lhs", "uniform"} {
		cols := SampleColumns(rand.New(rand.NewPCG(1, 2)), 50, []float64{0, 2, -1}, []float64{1, 2, 1}, method)
		for p := range 50 {
			if x, y, z := cols[0][p], cols[1][p], cols[2][p]; x < 0 || x > 1 || y != 2 || z < -1 || z > 1 {
				t.Fatalf("%s: point (%v, %v, %v) outside the box, or y not fixed at 2", method, x, y, z)
			}
		}
	}
	cols := SampleColumns(rand.New(rand.NewPCG(1, 2)), 50, []float64{0, 0}, []float64{1, 3}, "multijitter")
	if len(cols[0]) != 50 {
		t.Fatalf("multijitter drew %d points", len(cols[0]))
	}
}

func TestReadColumns(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A byte order mark (as spreadsheets save) and columns in another order.
	cols, err := ReadColumns(write("bom.csv", "\ufefft,x\n1,2\n3,4\n"), []string{"x", "t"}, 0)
	if err != nil || cols[0][1] != 4 || cols[1][0] != 1 {
		t.Fatalf("got %v, %v", cols, err)
	}
	for _, tc := range []struct{ name, src, want string }{
		{"missing.csv", "x,u\n1,2\n", `missing.csv:1: no column "t" in the header (it has x, u)`},
		{"nan.csv", "x,t\n1,2\n3,abc\n", `nan.csv:3: t is "abc": expected a finite number`},
		{"short.csv", "x,t\n1,2\n3\n", "short.csv:3: 1 fields, but t is field 2 of the header"},
		{"empty.csv", "", "empty.csv: empty file"},
		{"header.csv", "x,t\n", "header.csv: no rows after the header"},
	} {
		_, err := ReadColumns(write(tc.name, tc.src), []string{"x", "t"}, 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := ReadColumns(write("three.csv", "x,t\n1,2\n3,4\n5,6\n"), []string{"x", "t"}, 5); err == nil || !strings.Contains(err.Error(), "3 rows, fewer than the 5 asked for") {
		t.Errorf("rows = 5 of 3: %v", err)
	}
}

func TestReadTable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(p, []byte("3,2,a,b\n1,2,0\n3,4,1\n5,6,0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	x, y := []Columns{{Lo: 0, Hi: 2}}, []Columns{{Lo: 2, Hi: 3}}
	tab, err := ReadTable[float32](p, 1, 1, 3, x, y)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Rows != 2 || tab.Features != 2 || tab.X[0] != 3 || tab.Y[1] != 0 {
		t.Errorf("table %+v: want rows 1 and 2 after the header", tab)
	}
	if _, err := ReadTable[float32](p, 1, 0, 5, x, y); err == nil {
		t.Error("rows 0:5 of 3 gave no error")
	}

	// The same file through gzip.
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte("3,2,a,b\n1,2,0\n3,4,1\n5,6,0\n"))
	zw.Close()
	gz := filepath.Join(t.TempDir(), "t.csv.gz")
	if err := os.WriteFile(gz, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if tab2, err := ReadTable[float32](gz, 1, 1, 3, x, y); err != nil || !slices.Equal(tab2.X, tab.X) || !slices.Equal(tab2.Y, tab.Y) {
		t.Errorf("gzip: %v, %+v; want %+v", err, tab2, tab)
	}

	// Class labels: whole numbers below the class count, else an error at the line.
	labels := []Columns{{Lo: 2, Hi: 3, Classes: 2}}
	if _, err := ReadTable[float32](p, 1, 0, 0, x, labels); err != nil {
		t.Errorf("labels 0 and 1 of 2 classes: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("1,2,0\n3,4,2\n5,6,0.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadTable[float32](bad, 0, 0, 0, x, labels)
	if err == nil || !strings.Contains(err.Error(), "bad.csv:2: column 2 is \"2\": expected a class label, a whole number from 0 to 1") {
		t.Errorf("label 2 of 2 classes: %v", err)
	}
}
