package runtime

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// cancerCSV is the real data file, in the shared data folder beside the project root.
const cancerCSV = "../../shared/data/breast_cancer.csv"

// realCancer returns the lines of the real data file, or skips the test.
func realCancer(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(cancerCSV)
	if err != nil {
		t.Skipf("real data not available (%v); the layout tests need %s", err, cancerCSV)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestLoadCancerCSVReal(t *testing.T) {
	realCancer(t)
	tb, err := LoadCancerCSV[float32](cancerCSV)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows != 569 || tb.Features != 30 || tb.Targets != 1 || len(tb.X) != 569*30 || len(tb.Y) != 569 {
		t.Fatalf("got %d×%d (+%d targets), len X %d, len Y %d; want 569×30", tb.Rows, tb.Features, tb.Targets, len(tb.X), len(tb.Y))
	}
	zeros := 0
	for _, y := range tb.Y {
		if y == 0 {
			zeros++
		}
	}
	if zeros != 212 {
		t.Errorf("%d malignant (target 0) rows, want 212", zeros)
	}
	if tb.X[0] != 17.99 || tb.X[29] != 0.1189 || tb.Y[0] != 0 {
		t.Errorf("first row starts %v, ends %v, target %v", tb.X[0], tb.X[29], tb.Y[0])
	}
	if tb.FeatureNames[0] != "mean radius" || tb.FeatureNames[29] != "worst fractal dimension" {
		t.Errorf("feature names %q … %q", tb.FeatureNames[0], tb.FeatureNames[29])
	}
	if !slices.Equal(tb.TargetNames, []string{"malignant", "benign"}) {
		t.Errorf("target names %q", tb.TargetNames)
	}
}

// TestCancerLayoutsAgree builds sklearn-layout and wdbc.data-layout inputs from the same real
// rows and checks they give identical tables; also sklearn's upstream comma-padded header.
func TestCancerLayoutsAgree(t *testing.T) {
	lines := realCancer(t)
	rows := lines[1:41] // 40 rows, both classes
	var sk, padded, wdbc strings.Builder
	fmt.Fprintf(&sk, "%d,30,malignant,benign\n", len(rows))
	fmt.Fprintf(&padded, "%d,30,malignant,benign%s\n", len(rows), strings.Repeat(",", 27))
	for i, r := range rows {
		sk.WriteString(r + "\n")
		padded.WriteString(r + "\r\n") // and Windows line ends
		f := strings.Split(r, ",")
		diag := map[string]string{"0": "M", "1": "B"}[f[30]]
		fmt.Fprintf(&wdbc, "%d,%s,%s\n", 842302+i, diag, strings.Join(f[:30], ","))
	}
	a, err := ReadCancerCSV[float64](strings.NewReader(sk.String()), "sk.csv")
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{"padded.csv": padded.String(), "wdbc.data": wdbc.String()} {
		b, err := ReadCancerCSV[float64](strings.NewReader(in), name)
		if err != nil {
			t.Fatal(err)
		}
		if a.Rows != b.Rows || a.Features != b.Features || a.Targets != b.Targets ||
			!slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) ||
			!slices.Equal(a.FeatureNames, b.FeatureNames) || !slices.Equal(a.TargetNames, b.TargetNames) {
			t.Errorf("%s and the sklearn layout give different tables", name)
		}
	}
	if a.Rows != 40 || slices.Index(a.Y, 0) < 0 || slices.Index(a.Y, 1) < 0 {
		t.Errorf("test input has %d rows, classes present: 0 %v, 1 %v", a.Rows, slices.Contains(a.Y, 0), slices.Contains(a.Y, 1))
	}
}

func TestReadCancerCSVErrors(t *testing.T) {
	wrow := func(id, diag string, feat ...string) string {
		f := make([]string, 30)
		for i := range f {
			f[i] = "1.5"
		}
		copy(f, feat)
		return id + "," + diag + "," + strings.Join(f, ",") + "\n"
	}
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", "data.csv: empty input"},
		{"blank lines only", "\n\n", "data.csv: empty input"},
		{"unknown first line", "radius,texture\n1,2\n", `data.csv:1: expected sklearn's header "569,30,malignant,benign"`},
		{"header without names", "2,3\n1,2,3,0\n", "data.csv:1: expected sklearn's header"},
		{"header zero features", "1,0,a,b\n0\n", "data.csv:1: expected sklearn's header"},
		{"short row", "2,3,a,b\n1,2,3,0\n1,2,0\n", "data.csv:3: expected 4 fields (3 features, target), found 3"},
		{"long row", "1,3,a,b\n1,2,3,0,\n", "data.csv:2: expected 4 fields (3 features, target), found 5"},
		{"not a number", "2,3,a,b\n1,2,3,0\n1,abc,3,1\n", `data.csv:3: field 2: "abc" is not a number`},
		{"empty field", "1,3,a,b\n1,,3,1\n", `data.csv:2: field 2: "" is not a number`},
		{"NaN feature", "1,3,a,b\nNaN,2,3,1\n", `data.csv:2: field 1: "NaN" is not a finite float64 number`},
		{"Inf feature", "1,3,a,b\n1,2,-Inf,1\n", `data.csv:2: field 3: "-Inf" is not a finite float64 number`},
		{"out of range", "1,3,a,b\n1,2,1e400,1\n", `data.csv:2: field 3: "1e400" is not a finite float64 number`},
		{"target 2", "1,3,a,b\n1,2,3,2\n", `data.csv:2: field 4: target "2" is not 0 (a) or 1 (b)`},
		{"target fraction", "1,3,a,b\n1,2,3,0.5\n", `data.csv:2: field 4: target "0.5" is not 0 (a) or 1 (b)`},
		{"too few rows", "3,3,a,b\n1,2,3,0\n", "data.csv:1: header says 3 rows, found 1"},
		{"too many rows", "1,3,a,b\n1,2,3,0\n1,2,3,1\n", "data.csv:1: header says 1 rows, found 2"},
		{"no rows", "0,3,a,b\n", "data.csv: no data rows"},
		{"blank line keeps line numbers", "2,3,a,b\n\n1,2,3,0\n1,x,3,0\n", `data.csv:4: field 2: "x" is not a number`},
		{"csv quote", "2,3,a,b\n1,2\"x,3,0\n", "data.csv:2:"},
		{"wdbc short row", wrow("1", "M") + "2,B,1\n", "data.csv:2: expected 32 fields (id, diagnosis, 30 features), found 3"},
		{"wdbc diagnosis", wrow("1", "M") + wrow("2", "X"), `data.csv:2: field 2: diagnosis "X" is not M (malignant) or B (benign)`},
		{"wdbc number", wrow("1", "B") + wrow("2", "M", "1", "2", "oops"), `data.csv:2: field 5: "oops" is not a number`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCancerCSV[float64](strings.NewReader(c.in), "data.csv")
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error\n\t%s\nwant prefix\n\t%s", err, c.want)
			}
		})
	}
}

func TestReadCancerCSVFloat32Overflow(t *testing.T) {
	_, err := ReadCancerCSV[float32](strings.NewReader("1,3,a,b\n1,1e39,3,1\n"), "d.csv")
	want := `d.csv:2: field 2: "1e39" is not a finite float32 number`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestReadCancerCSVGeneralSklearn(t *testing.T) {
	// Any sklearn-layout file reads: three classes, two features, a byte-order mark.
	tb, err := ReadCancerCSV[float64](strings.NewReader("\ufeff2,2,setosa,versicolor,virginica\n5.1,3.5,0\n6.3,2.9,2\n"), "iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Rows != 2 || tb.Features != 2 || !slices.Equal(tb.Y, []float64{0, 2}) || tb.FeatureNames != nil || len(tb.TargetNames) != 3 {
		t.Errorf("got %+v", tb)
	}
}

func TestLoadCancerCSVMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.csv")
	_, err := LoadCancerCSV[float64](path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v does not name %s", err, path)
	}
}

func TestSplitLast(t *testing.T) {
	tb := &Table[float64]{X: []float64{0, 1, 2, 3, 4, 5, 6, 7}, Y: []float64{0, 1, 0, 1}, Rows: 4, Features: 2, Targets: 1}
	head, tail := tb.SplitLast(1)
	if head.Rows != 3 || tail.Rows != 1 || !slices.Equal(head.X, []float64{0, 1, 2, 3, 4, 5}) ||
		!slices.Equal(tail.X, []float64{6, 7}) || !slices.Equal(tail.Y, []float64{1}) {
		t.Errorf("SplitLast(1): head %+v, tail %+v", head, tail)
	}
	head.X = append(head.X, 99) // must not overwrite the tail
	if tail.X[0] != 6 {
		t.Error("appending to head overwrote tail")
	}
	for _, k := range []int{-1, 0, 4, 9} {
		h, tl := tb.SplitLast(k)
		if h.Rows+tl.Rows != 4 || len(h.X) != 2*h.Rows || len(tl.Y) != tl.Rows {
			t.Errorf("SplitLast(%d): %d + %d rows", k, h.Rows, tl.Rows)
		}
	}
}

func TestValidationRows(t *testing.T) {
	cases := []struct {
		n    int
		frac float64
		want int
	}{
		{559, 0.1, 56}, // the tutorial: 569 − 10 test rows; Keras keeps floor(503.1) = 503
		{100, 0.2, 20},
		{10, 0.3, 3}, // 10·0.7 = 7.000000000000001 in float64, floored to 7, as Keras does
		{5, 0.1, 1},
		{10, 0, 0},
		{10, -0.5, 0},
		{10, math.NaN(), 0},
		{10, 1, 10},
		{0, 0.1, 0},
	}
	for _, c := range cases {
		if got := ValidationRows(c.n, c.frac); got != c.want {
			t.Errorf("ValidationRows(%d, %v) = %d, want %d", c.n, c.frac, got, c.want)
		}
	}
}

func TestStandardizer(t *testing.T) {
	// Column 0: 1, 2, 3 (mean 2, population std sqrt(2/3)); column 1 constant (std → 1).
	x := []float32{1, 5, 2, 5, 3, 5, 10, 7}
	s := FitStandardizer(x, 3, 2) // the fourth row is "test data", not fitted
	if s.Mean[0] != 2 || s.Mean[1] != 5 || math.Abs(s.Std[0]-math.Sqrt(2.0/3)) > 1e-15 || s.Std[1] != 1 {
		t.Fatalf("mean %v std %v", s.Mean, s.Std)
	}
	s.Apply(x, 4)
	sd := math.Sqrt(2.0 / 3)
	want := []float64{-1 / sd, 0, 0, 0, 1 / sd, 0, 8 / sd, 2}
	for i := range x {
		if math.Abs(float64(x[i])-want[i]) > 1e-6 {
			t.Errorf("x[%d] = %v, want %v", i, x[i], want[i])
		}
	}
	s.Apply(x, 100) // more rows than x holds: ignored, no panic
	e := FitStandardizer([]float64{}, 0, 3)
	if e.Mean[0] != 0 || e.Std[0] != 1 {
		t.Errorf("empty fit: mean %v std %v", e.Mean, e.Std)
	}
}
