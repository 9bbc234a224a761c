package runtime

// Point sets from the sources a .ml file declares (grid, sample, csv), for the MakePoints
// and References that generated code has when its points statements give sources. Points
// are columns: one slice per coordinate.

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mlc-go/mlc/pde/sample"
)

// GridAxis is one coordinate of a grid: N evenly spaced values from Lo to Hi, or the listed
// Values.
type GridAxis struct {
	Lo, Hi float64
	N      int
	Values []float64
}

func (a GridAxis) values() []float64 {
	if a.Values != nil {
		return a.Values
	}
	return sample.Linspace(a.Lo, a.Hi, a.N)
}

// GridColumns returns the points of the grid over axes, the last axis varying fastest (as a
// table is read, row by row): grid(x, t) lists every t for the first x, then for the next.
func GridColumns(axes ...GridAxis) [][]float64 {
	vals := make([][]float64, len(axes))
	n := 1
	for i, a := range axes {
		vals[i] = a.values()
		n *= len(vals[i])
	}
	cols := make([][]float64, len(axes))
	for i := range cols {
		cols[i] = make([]float64, n)
	}
	for p := range n {
		q := p
		for i := len(vals) - 1; i >= 0; i-- {
			v := vals[i]
			cols[i][p] = v[q%len(v)]
			q /= len(v)
		}
	}
	return cols
}

// SampleColumns draws n points in the box [lo, hi] (a coordinate with lo == hi is fixed)
// with method "multijitter" (exactly two free coordinates), "lhs" or "uniform".
func SampleColumns(rng *rand.Rand, n int, lo, hi []float64, method string) [][]float64 {
	var free []int
	for i := range lo {
		if hi[i] > lo[i] {
			free = append(free, i)
		}
	}
	flo, fhi := make([]float64, len(free)), make([]float64, len(free))
	for k, i := range free {
		flo[k], fhi[k] = lo[i], hi[i]
	}
	var rows [][]float64
	switch method {
	case "multijitter":
		if len(free) != 2 {
			panic(fmt.Sprintf("runtime: SampleColumns: multijitter draws 2 coordinates, not %d", len(free)))
		}
		rows = sample.MultiJittered(rng, n, [2]float64{flo[0], flo[1]}, [2]float64{fhi[0], fhi[1]})
	case "lhs":
		rows = sample.LatinHypercube(rng, n, flo, fhi)
	case "uniform":
		rows = make([][]float64, n)
		for p := range rows {
			rows[p] = make([]float64, len(free))
			for k := range free {
				rows[p][k] = flo[k] + (fhi[k]-flo[k])*rng.Float64()
			}
		}
	default:
		panic("runtime: SampleColumns: unknown method " + method)
	}
	cols := make([][]float64, len(lo))
	for i := range cols {
		cols[i] = make([]float64, n)
		if !(hi[i] > lo[i]) {
			for p := range cols[i] {
				cols[i][p] = lo[i]
			}
		}
	}
	for k, i := range free {
		for p, r := range rows {
			cols[i][p] = r[k]
		}
	}
	return cols
}

// ReadColumns reads the columns names (by their header names) of the CSV file at path: all
// rows, or the first rows when rows > 0. Errors name the file and line: a missing column, a
// value that is not a number, too few rows.
func ReadColumns(path string, names []string, rows int) ([][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1 // a short row is reported below, with what it lacks
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	r := NewCSVRecords(cr, path)
	head, err := r.Read()
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff") // the byte order mark spreadsheets write
	}
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file: expected a header with columns %s", path, strings.Join(names, ", "))
	}
	if err != nil {
		return nil, err
	}
	at := make([]int, len(names))
	for i, n := range names {
		at[i] = -1
		for j, h := range head {
			if strings.TrimSpace(h) == n {
				at[i] = j
			}
		}
		if at[i] < 0 {
			return nil, r.Errorf("no column %q in the header (it has %s)", n, ClipText(strings.Join(head, ", ")))
		}
	}
	cols := make([][]float64, len(names))
	for {
		if rows > 0 && len(cols[0]) == rows {
			break
		}
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		for i, j := range at {
			if j >= len(rec) {
				return nil, r.Errorf("%d fields, but %s is field %d of the header", len(rec), names[i], j+1)
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[j]), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, r.Errorf("%s is %q: expected a finite number", names[i], ClipText(rec[j]))
			}
			cols[i] = append(cols[i], v)
		}
	}
	if len(cols[0]) == 0 {
		return nil, fmt.Errorf("%s: no rows after the header", path)
	}
	if rows > 0 && len(cols[0]) < rows {
		return nil, fmt.Errorf("%s: %d rows, fewer than the %d asked for", path, len(cols[0]), rows)
	}
	return cols, nil
}

// AppendAs appends src, converted to T, to dst.
func AppendAs[T Float](dst []T, src []float64) []T {
	for _, v := range src {
		dst = append(dst, T(v))
	}
	return dst
}

// Reference is what training measures its error against (a reference statement): an
// output's values Want at the points Cols (one column per input), or, for a param
// (Output −1), its true Value.
type Reference struct {
	Name   string
	Output int
	Cols   [][]float64
	Want   []float64
	Value  float64
}

// Columns is a tensor's half-open range of columns in a CSV file, counted from 0.
type Columns struct {
	Lo, Hi int
	// Classes > 0 says the column holds class labels: whole numbers from 0 to Classes-1.
	Classes int
}

// ReadTable reads rows rowLo … rowHi−1 (rowHi 0: all) of the CSV file at path after its first
// skip lines: a table whose X holds the inputs' columns one after another, and Y the
// targets'. A file whose name ends in .gz is read through gzip. Errors name the file and
// line.
func ReadTable[T Float](path string, skip, rowLo, rowHi int, inputs, targets []Columns) (*Table[T], error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var in io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer z.Close()
		in = z
	}
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	r := NewCSVRecords(cr, path)
	t := &Table[T]{}
	for _, c := range inputs {
		t.Features += c.Hi - c.Lo
	}
	for _, c := range targets {
		t.Targets += c.Hi - c.Lo
	}
	for row := -skip; rowHi == 0 || row < rowHi; row++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if row == -skip && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a byte order mark
		}
		if row < rowLo {
			continue
		}
		for _, part := range []struct {
			cols []Columns
			dst  *[]T
		}{{inputs, &t.X}, {targets, &t.Y}} {
			for _, c := range part.cols {
				if c.Hi > len(rec) {
					return nil, r.Errorf("%d fields, expected at least %d", len(rec), c.Hi)
				}
				for j := c.Lo; j < c.Hi; j++ {
					v, err := strconv.ParseFloat(strings.TrimSpace(rec[j]), 64)
					if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
						return nil, r.Errorf("column %d is %q: expected a finite number", j, ClipText(rec[j]))
					}
					if c.Classes > 0 && (v != math.Trunc(v) || v < 0 || v >= float64(c.Classes)) {
						return nil, r.Errorf("column %d is %q: expected a class label, a whole number from 0 to %d", j, ClipText(rec[j]), c.Classes-1)
					}
					*part.dst = append(*part.dst, T(v))
				}
			}
		}
		t.Rows++
	}
	if t.Rows == 0 {
		return nil, fmt.Errorf("%s: no rows in the range asked for", path)
	}
	if rowHi > 0 && t.Rows < rowHi-rowLo {
		return nil, fmt.Errorf("%s: %d rows from row %d, fewer than the %d asked for", path, t.Rows, rowLo, rowHi-rowLo)
	}
	return t, nil
}

// Beside is the path of a file a .ml file in dir names: path itself if absolute, else
// relative to dir.
func Beside(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}
