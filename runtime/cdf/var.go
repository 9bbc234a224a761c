package cdf

import (
	"fmt"
	"math"
	"time"
)

// Var is a variable of a CDF file: its description, its attributes, and
// methods that read its values.
type Var struct {
	Name string
	// Num is the variable's number among the file's rVariables or
	// zVariables (attribute entries refer to variables by it).
	Num int
	// Z is true for a zVariable, false for an rVariable.
	Z    bool
	Type DataType
	// NumElems is the number of elements per value: the string length for
	// CDF_CHAR and CDF_UCHAR, and 1 for numbers in practice.
	NumElems int
	// Dims holds the dimension sizes. Values are returned row-major (the
	// last dimension varies fastest) whatever the file's majority.
	Dims []int
	// DimVarys tells for each dimension whether it varies. A dimension
	// that does not vary is stored once, so it counts as size 1 in the
	// values returned (see Shape).
	DimVarys []bool
	// RecVary is the record variance. A variable without it has one record.
	RecVary bool
	// NumRecords is the number of records, written or not: the last record
	// number plus one.
	NumRecords int
	// Sparse tells what records that were never written read as.
	Sparse Sparse

	f          *File
	off        int64 // of the VDR, for messages
	vxrHead    int64
	cprOff     int64
	compressed bool
	attrs      []varAttr
}

type varAttr struct {
	name string
	val  Value
}

// AttrNames returns the names of the variable's attributes in file order.
func (v *Var) AttrNames() []string {
	names := make([]string, len(v.attrs))
	for i, a := range v.attrs {
		names[i] = a.name
	}
	return names
}

// Attr returns the variable's entry for the attribute name, such as
// "FILLVAL", "UNITS" or "DEPEND_0"; ok is false if it has none.
func (v *Var) Attr(name string) (val Value, ok bool) {
	for _, a := range v.attrs {
		if a.name == name {
			return a.val, true
		}
	}
	return Value{}, false
}

// Shape returns the shape of one record of the values returned by
// Float64s, Times and Strings: the sizes of the varying dimensions, and
// for a numeric type with several elements per value, NumElems last.
func (v *Var) Shape() []int {
	var s []int
	for i, d := range v.Dims {
		if v.DimVarys[i] {
			s = append(s, d)
		}
	}
	if !v.Type.IsText() && v.NumElems > 1 {
		s = append(s, v.NumElems)
	}
	return s
}

// Float64s reads every record of a numeric variable and returns its values
// as float64, record after record, each record row-major in the shape
// given by Shape. Records that were never written read as NaN (or, for a
// variable with PrevSparse records, as the previous written record). Fill
// values are returned as stored; MaskedFloat64s replaces them by NaN.
// CDF_INT8 and CDF_TIME_TT2000 values beyond 2^53 lose precision; use Times
// for times. CDF_EPOCH16 and text are refused.
func (v *Var) Float64s() ([]float64, error) {
	if v.Type.IsText() || v.Type == Epoch16 {
		return nil, v.errorf("Float64s cannot decode %v; use Strings or Times", v.Type)
	}
	d, err := v.read()
	if err != nil {
		return nil, err
	}
	n := d.nrec * d.perRec
	out := make([]float64, n)
	size := v.Type.Size()
	order := v.f.order
	for r := range d.nrec {
		vals := out[r*d.perRec : (r+1)*d.perRec]
		if !d.have[r] {
			for i := range vals {
				vals[i] = math.NaN()
			}
			continue
		}
		b := d.rec(r)
		for i := range vals {
			vals[i] = floatAt(v.Type, b[i*size:], order)
		}
	}
	return out, nil
}

// MaskedFloat64s is Float64s with every value equal to the variable's
// FILLVAL attribute replaced by NaN. The comparison is made at the
// variable's precision, so a REAL8 FILLVAL of -1e31 matches REAL4 data.
// Values outside VALIDMIN..VALIDMAX are left alone.
func (v *Var) MaskedFloat64s() ([]float64, error) {
	vals, err := v.Float64s()
	if err != nil {
		return nil, err
	}
	a, ok := v.Attr("FILLVAL")
	if !ok {
		return vals, nil
	}
	fill, ok := a.Float64()
	if !ok {
		return vals, nil
	}
	single := v.Type == Real4 || v.Type == Float
	for i, x := range vals {
		if x == fill || single && float32(x) == float32(fill) {
			vals[i] = math.NaN()
		}
	}
	return vals, nil
}

// Times reads every record of a CDF_EPOCH, CDF_EPOCH16 or CDF_TIME_TT2000
// variable and returns its values as UTC times, laid out as in Float64s.
// Fill and pad values, and records never written, give the zero time (test
// with IsZero). TT2000 times inside a leap second are clamped to
// 23:59:59.999999999 of the day before.
func (v *Var) Times() ([]time.Time, error) {
	if !v.Type.isTime() {
		return nil, v.errorf("Times needs an epoch type, not %v", v.Type)
	}
	d, err := v.read()
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, d.nrec*d.perRec)
	size := v.Type.Size()
	order := v.f.order
	for r := range d.nrec {
		if !d.have[r] {
			continue
		}
		b := d.rec(r)
		ts := out[r*d.perRec : (r+1)*d.perRec]
		for i := range ts {
			e := b[i*size:]
			switch v.Type {
			case Epoch:
				ts[i], _ = EpochTime(math.Float64frombits(order.Uint64(e)))
			case Epoch16:
				ts[i], _ = Epoch16Time(math.Float64frombits(order.Uint64(e)), math.Float64frombits(order.Uint64(e[8:])))
			case TT2000:
				ts[i], _ = TT2000Time(int64(order.Uint64(e)))
			}
		}
	}
	return out, nil
}

// Strings reads every record of a CDF_CHAR or CDF_UCHAR variable and
// returns one string per value (NumElems characters, cut at the first NUL),
// laid out as in Float64s. Records never written give "".
func (v *Var) Strings() ([]string, error) {
	if !v.Type.IsText() {
		return nil, v.errorf("Strings needs CDF_CHAR or CDF_UCHAR, not %v", v.Type)
	}
	d, err := v.read()
	if err != nil {
		return nil, err
	}
	out := make([]string, d.nrec*d.perRec)
	for r := range d.nrec {
		if !d.have[r] {
			continue
		}
		b := d.rec(r)
		for i := range d.perRec {
			out[r*d.perRec+i] = cstring(b[i*v.NumElems : (i+1)*v.NumElems])
		}
	}
	return out, nil
}

// errorf reports a problem with the variable's data or description.
func (v *Var) errorf(format string, args ...any) error {
	return v.f.errorf("variable %q: %s", v.Name, fmt.Sprintf(format, args...))
}

func (v *Var) unsupported(format string, args ...any) error {
	return v.f.unsupported("variable %q: %s", v.Name, fmt.Sprintf(format, args...))
}
