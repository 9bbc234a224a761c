package cdf

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
)

// Value is one attribute entry. Exactly one of Text and Nums is set, by
// Type: Text for CDF_CHAR and CDF_UCHAR, Nums for the numeric types.
type Value struct {
	Type DataType
	// Text holds a character entry up to its first NUL.
	Text string
	// Nums holds the elements of a numeric entry as float64. CDF_EPOCH16
	// gives two numbers per element (seconds, picoseconds). CDF_INT8 and
	// CDF_TIME_TT2000 values beyond 2^53 are rounded here; Ints is exact.
	Nums []float64
	// Ints holds the elements of an integer entry (INT1..INT8, UINT1..UINT4,
	// BYTE, TIME_TT2000) exactly; nil for other types.
	Ints []int64
}

// String returns the text of a character entry, or the numbers of a
// numeric entry separated by spaces.
func (v Value) String() string {
	if v.Type.IsText() {
		return v.Text
	}
	parts := make([]string, 0, len(v.Nums))
	if v.Ints != nil {
		for _, n := range v.Ints {
			parts = append(parts, strconv.FormatInt(n, 10))
		}
	} else {
		prec := 64
		if v.Type == Real4 || v.Type == Float {
			prec = 32
		}
		for _, x := range v.Nums {
			parts = append(parts, strconv.FormatFloat(x, 'g', -1, prec))
		}
	}
	return strings.Join(parts, " ")
}

// Float64 returns the first element of a numeric entry; ok is false for a
// character entry or an empty one.
func (v Value) Float64() (x float64, ok bool) {
	if len(v.Nums) == 0 {
		return 0, false
	}
	return v.Nums[0], true
}

// Times converts an entry of type CDF_EPOCH, CDF_EPOCH16 or
// CDF_TIME_TT2000 to UTC. Fill values give the zero time. It returns nil
// for other types.
func (v Value) Times() []time.Time {
	switch v.Type {
	case Epoch:
		out := make([]time.Time, len(v.Nums))
		for i, x := range v.Nums {
			out[i], _ = EpochTime(x)
		}
		return out
	case Epoch16:
		out := make([]time.Time, len(v.Nums)/2)
		for i := range out {
			out[i], _ = Epoch16Time(v.Nums[2*i], v.Nums[2*i+1])
		}
		return out
	case TT2000:
		out := make([]time.Time, len(v.Ints))
		for i, n := range v.Ints {
			out[i], _ = TT2000Time(n)
		}
		return out
	}
	return nil
}

// decodeValue decodes the elements of an attribute entry; b holds exactly
// a whole number of elements of type t, which must be known.
func decodeValue(t DataType, b []byte, order binary.ByteOrder) Value {
	v := Value{Type: t}
	if t.IsText() {
		v.Text = cstring(b)
		return v
	}
	size := t.Size()
	if t == Epoch16 {
		size = 8 // two doubles per element
		t = Real8
	}
	n := len(b) / size
	v.Nums = make([]float64, n)
	if isInt(t) {
		v.Ints = make([]int64, n)
	}
	for i := range n {
		e := b[i*size : (i+1)*size]
		if v.Ints != nil {
			v.Ints[i] = intAt(t, e, order)
			v.Nums[i] = float64(v.Ints[i])
		} else {
			v.Nums[i] = floatAt(t, e, order)
		}
	}
	return v
}

// isInt reports whether t is stored as an integer.
func isInt(t DataType) bool {
	switch t {
	case Int1, Int2, Int4, Int8, Uint1, Uint2, Uint4, Byte, TT2000:
		return true
	}
	return false
}

// intAt decodes one integer element of type t from e.
func intAt(t DataType, e []byte, order binary.ByteOrder) int64 {
	switch t {
	case Int1, Byte:
		return int64(int8(e[0]))
	case Uint1:
		return int64(e[0])
	case Int2:
		return int64(int16(order.Uint16(e)))
	case Uint2:
		return int64(order.Uint16(e))
	case Int4:
		return int64(int32(order.Uint32(e)))
	case Uint4:
		return int64(order.Uint32(e))
	case Int8, TT2000:
		return int64(order.Uint64(e))
	}
	return 0
}

// floatAt decodes one element of a numeric type t as float64 (EPOCH16
// excepted: it is handled as two REAL8).
func floatAt(t DataType, e []byte, order binary.ByteOrder) float64 {
	switch t {
	case Real4, Float:
		return float64(math.Float32frombits(order.Uint32(e)))
	case Real8, Double, Epoch:
		return math.Float64frombits(order.Uint64(e))
	}
	return float64(intAt(t, e, order))
}
