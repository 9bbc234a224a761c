package runtime

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Table is a data set held row-major: row i's features are X[i*Features:(i+1)*Features] and
// its targets Y[i*Targets:(i+1)*Targets], the layout Model takes.
type Table[T Float] struct {
	X, Y                    []T
	Rows, Features, Targets int
	// FeatureNames names the columns of X when the source says what they are (the 30 WDBC
	// features for the cancer data); nil otherwise.
	FeatureNames []string
	// TargetNames names the classes by target value (0 malignant, 1 benign for the cancer
	// data), so a program can print a class instead of a number; nil when unknown.
	TargetNames []string
}

// cancerFeatures are sklearn's load_breast_cancer().feature_names, in column order; the UCI
// wdbc.data columns are the same 30 in the same order.
var cancerFeatures = []string{
	"mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness",
	"mean compactness", "mean concavity", "mean concave points", "mean symmetry",
	"mean fractal dimension", "radius error", "texture error", "perimeter error", "area error",
	"smoothness error", "compactness error", "concavity error", "concave points error",
	"symmetry error", "fractal dimension error", "worst radius", "worst texture",
	"worst perimeter", "worst area", "worst smoothness", "worst compactness", "worst concavity",
	"worst concave points", "worst symmetry", "worst fractal dimension",
}

// LoadCancerCSV reads the breast-cancer data from path; see ReadCancerCSV. Errors name path.
func LoadCancerCSV[T Float](path string) (*Table[T], error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError already names the path and the reason
	}
	defer f.Close()
	return ReadCancerCSV[T](f, path)
}

// ReadCancerCSV reads the Wisconsin breast-cancer data in either of its two published layouts,
// told apart by the first line:
//
//   - sklearn's breast_cancer.csv: a header "569,30,malignant,benign" (row count, feature count,
//     target names; trailing empty fields are ignored, as upstream pads it with commas), then
//     rows of the features and an integer target (0 malignant, 1 benign). Any file in this
//     sklearn layout reads (the row and feature counts come from the header, the classes from
//     the target names).
//   - UCI's wdbc.data: no header; each row is id, diagnosis M or B, 30 features. The diagnosis
//     becomes sklearn's target (M→0, B→1) so that both layouts give the same Table.
//
// Numbers are parsed as float64 and then converted to T, as numpy and Keras do when the
// tutorial's float64 data meet a float32 model. Errors read "name:LINE: what was expected,
// what was found"; fields are counted from 1.
func ReadCancerCSV[T Float](r io.Reader, name string) (*Table[T], error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // the header and the rows differ; counts are checked here
	cr.ReuseRecord = true
	p := cancerParser[T]{CSVRecords: NewCSVRecords(cr, name)}
	return p.parse()
}

// CSVRecords reads the records of one named CSV input and keeps the line of the last
// one, so that every error can say where it is: the reader under the runtime's and the
// workloads' CSV formats.
type CSVRecords struct {
	name string
	cr   *csv.Reader
	line int // line of the record being parsed
}

// NewCSVRecords reads the records of cr, which reads the input called name.
func NewCSVRecords(cr *csv.Reader, name string) CSVRecords { return CSVRecords{name: name, cr: cr} }

// Name is the input's name, as errors give it.
func (r *CSVRecords) Name() string { return r.name }

// Errorf is an error at the line of the current record.
func (r *CSVRecords) Errorf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", r.name, r.line, fmt.Sprintf(format, args...))
}

// Read returns the next record, or io.EOF, or a positioned error.
func (r *CSVRecords) Read() ([]string, error) {
	rec, err := r.cr.Read()
	if err == io.EOF {
		return nil, err
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("%s:%d:%d: %v", r.name, pe.Line, pe.Column, pe.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	r.line, _ = r.cr.FieldPos(0)
	return rec, nil
}

// cancerParser holds the state of one ReadCancerCSV call.
type cancerParser[T Float] struct {
	CSVRecords
	t *Table[T]
}

func (p *cancerParser[T]) parse() (*Table[T], error) {
	rec, err := p.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty input: expected sklearn's header \"569,30,malignant,benign\" or wdbc.data rows \"id,M|B,<30 features>\"", p.name)
	}
	if err != nil {
		return nil, err
	}
	rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a byte-order mark from a spreadsheet
	p.t = &Table[T]{Targets: 1}

	wdbc := len(rec) >= 2 && (strings.TrimSpace(rec[1]) == "M" || strings.TrimSpace(rec[1]) == "B")
	headerRows := -1
	if wdbc {
		p.t.Features = len(cancerFeatures)
		p.t.TargetNames = []string{"malignant", "benign"}
		if err := p.wdbcRow(rec); err != nil {
			return nil, err
		}
	} else {
		if headerRows, err = p.header(rec); err != nil {
			return nil, err
		}
	}
	if p.t.Features == len(cancerFeatures) {
		p.t.FeatureNames = cancerFeatures
	}
	headerLine := p.line

	for {
		rec, err := p.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if wdbc {
			err = p.wdbcRow(rec)
		} else {
			err = p.sklearnRow(rec)
		}
		if err != nil {
			return nil, err
		}
	}
	if headerRows >= 0 && p.t.Rows != headerRows {
		p.line = headerLine
		return nil, p.Errorf("header says %d rows, found %d", headerRows, p.t.Rows)
	}
	if p.t.Rows == 0 {
		return nil, fmt.Errorf("%s: no data rows after the header", p.name)
	}
	return p.t, nil
}

// header reads sklearn's "n_samples,n_features,name0,name1,..." line and returns n_samples.
func (p *cancerParser[T]) header(rec []string) (int, error) {
	f := rec
	for len(f) > 0 && strings.TrimSpace(f[len(f)-1]) == "" {
		f = f[:len(f)-1]
	}
	n, err1 := strconv.Atoi(field(f, 0))
	k, err2 := strconv.Atoi(field(f, 1))
	if err1 != nil || err2 != nil || n < 0 || k < 1 || len(f) < 3 {
		return 0, p.Errorf("expected sklearn's header \"569,30,malignant,benign\" (rows, features, class names) or a wdbc.data row \"id,M|B,<30 features>\", found %q", ClipText(strings.Join(rec, ",")))
	}
	p.t.Features = k
	for _, s := range f[2:] {
		p.t.TargetNames = append(p.t.TargetNames, strings.TrimSpace(s))
	}
	const maxPrealloc = 1 << 16 // a corrupt header must not make us allocate gigabytes
	p.t.X = make([]T, 0, min(n, maxPrealloc)*k)
	p.t.Y = make([]T, 0, min(n, maxPrealloc))
	return n, nil
}

// sklearnRow reads Features numbers and an integer class index.
func (p *cancerParser[T]) sklearnRow(rec []string) error {
	k := p.t.Features
	if len(rec) != k+1 {
		return p.Errorf("expected %d fields (%d features, target), found %d", k+1, k, len(rec))
	}
	if err := p.features(rec[:k], 0); err != nil {
		return err
	}
	s := strings.TrimSpace(rec[k])
	c, err := strconv.Atoi(s)
	if err != nil || c < 0 || c >= len(p.t.TargetNames) {
		return p.Errorf("field %d: target %q is not %s", k+1, s, classList(p.t.TargetNames))
	}
	p.t.Y = append(p.t.Y, T(c))
	p.t.Rows++
	return nil
}

// wdbcRow reads id, diagnosis, 30 features.
func (p *cancerParser[T]) wdbcRow(rec []string) error {
	k := len(cancerFeatures)
	if len(rec) != k+2 {
		return p.Errorf("expected %d fields (id, diagnosis, %d features), found %d", k+2, k, len(rec))
	}
	var y T
	switch d := strings.TrimSpace(rec[1]); d {
	case "M":
		y = 0
	case "B":
		y = 1
	default:
		return p.Errorf("field 2: diagnosis %q is not M (malignant) or B (benign)", d)
	}
	if err := p.features(rec[2:], 2); err != nil {
		return err
	}
	p.t.Y = append(p.t.Y, y)
	p.t.Rows++
	return nil
}

// features appends one row of finite numbers to X; skip is how many fields precede them,
// so that errors count fields as the file does.
func (p *cancerParser[T]) features(fs []string, skip int) error {
	for i, s := range fs {
		s = strings.TrimSpace(s)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return p.Errorf("field %d: %q is not a number", skip+i+1, s)
		}
		x := T(v)
		if err != nil || math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return p.Errorf("field %d: %q is not a finite %s number", skip+i+1, s, DTypeName[T]())
		}
		p.t.X = append(p.t.X, x)
	}
	return nil
}

// field returns f[i] trimmed, or "" past the end.
func field(f []string, i int) string {
	if i >= len(f) {
		return ""
	}
	return strings.TrimSpace(f[i])
}

// ClipText shortens a quoted line in an error so a wrong file does not flood the terminal.
func ClipText(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// classList spells the valid targets: "0 (malignant) or 1 (benign)".
func classList(names []string) string {
	var b strings.Builder
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d (%s)", i, n)
	}
	return b.String()
}

// SplitLast returns the first Rows−k rows and the last k rows. The tutorial holds out the last
// 10 rows as its test set, and Keras' validation_split takes the last rows too. Both halves
// share t's storage (capacity-limited, so an append to one cannot overwrite the other); k is
// clamped to [0, Rows].
func (t *Table[T]) SplitLast(k int) (head, tail *Table[T]) {
	k = min(max(k, 0), t.Rows)
	h := t.Rows - k
	return t.slice(0, h), t.slice(h, t.Rows)
}

// slice returns rows [lo, hi) as a view.
func (t *Table[T]) slice(lo, hi int) *Table[T] {
	f, o := t.Features, t.Targets
	return &Table[T]{
		X:    t.X[lo*f : hi*f : hi*f],
		Y:    t.Y[lo*o : hi*o : hi*o],
		Rows: hi - lo, Features: f, Targets: o,
		FeatureNames: t.FeatureNames, TargetNames: t.TargetNames,
	}
}

// ValidationRows is how many of n rows Keras' validation_split = frac holds out (the last
// ones): Keras trains on the first floor(n·(1−frac)) rows and validates on the rest, so
// ValidationRows(559, 0.1) is 56, not 55. frac ≤ 0 gives 0, frac ≥ 1 gives n.
func ValidationRows(n int, frac float64) int {
	if n <= 0 || !(frac > 0) {
		return 0
	}
	if frac >= 1 {
		return n
	}
	return n - int(math.Floor(float64(n)*(1-frac)))
}

// Standardizer rescales each column to zero mean and unit variance, as sklearn's
// StandardScaler does (population standard deviation; a constant column is left unscaled).
// Mean and Std are float64 whatever T is, so that a float32 model sees the same numbers as
// the tutorial's float64 preprocessing followed by a cast.
type Standardizer[T Float] struct {
	Mean, Std []float64
}

// FitStandardizer measures the first rows of x (row-major, cols columns): fit on the training
// rows only, then Apply to training, validation and test alike.
func FitStandardizer[T Float](x []T, rows, cols int) *Standardizer[T] {
	cols = max(cols, 0)
	if cols > 0 {
		rows = min(max(rows, 0), len(x)/cols)
	}
	s := &Standardizer[T]{Mean: make([]float64, cols), Std: make([]float64, cols)}
	for j := range cols {
		sum := 0.0
		for i := range rows {
			sum += float64(x[i*cols+j])
		}
		mean := 0.0
		if rows > 0 {
			mean = sum / float64(rows)
		}
		ss := 0.0 // second pass: no cancellation when the mean is large
		for i := range rows {
			d := float64(x[i*cols+j]) - mean
			ss += d * d
		}
		std := 0.0
		if rows > 0 {
			std = math.Sqrt(ss / float64(rows))
		}
		if std == 0 {
			std = 1
		}
		s.Mean[j], s.Std[j] = mean, std
	}
	return s
}

// Apply standardizes the first rows of x in place. Rows beyond len(x) are ignored.
func (s *Standardizer[T]) Apply(x []T, rows int) {
	cols := len(s.Mean)
	if cols == 0 {
		return
	}
	rows = min(max(rows, 0), len(x)/cols)
	for i := range rows {
		r := x[i*cols : (i+1)*cols]
		for j, v := range r {
			r[j] = T((float64(v) - s.Mean[j]) / s.Std[j])
		}
	}
}
