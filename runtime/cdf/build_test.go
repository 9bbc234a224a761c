package cdf

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
)

// This file writes small synthetic CDFs for the tests: enough of the
// format to exercise every path of the reader (CDF 2 and 3, both byte
// orders, both majorities, VVR and CVVR records, VXR trees, sparse
// records, whole-file compression).

type synFile struct {
	v2       bool // CDF 2.7 instead of 3.9
	enc      Encoding
	rowMajor bool
	rDims    []int
	vars     []synVar
	gattrs   []synAttr
	fileComp int32 // cType of whole-file compression, 0 for none
}

type synVar struct {
	name    string
	z       bool
	typ     DataType
	ne      int // elements per value, 0 means 1
	dims    []int
	varys   []bool // nil: all vary
	recVary bool
	sparse  Sparse
	maxRec  int
	chunks  []synChunk
	cType   int32 // compression of the records (CVVR), 0 for none
	nested  bool  // one VXR per chunk under a top VXR, and a chained top VXR
	attrs   []synAttr
}

// synChunk is a run of records from first on, with the values of all its
// records, row-major. One of vals, ints and text is set.
type synChunk struct {
	first int
	vals  []float64
	ints  []int64
	text  []string
}

type synAttr struct {
	name string
	typ  DataType
	vals []float64 // numeric entry
	text string    // text entry
}

type synWriter struct {
	v3    bool
	order binary.ByteOrder
	b     []byte
}

func (w *synWriter) i32(v int32) { w.u32(uint32(v)) }

func (w *synWriter) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }

func (w *synWriter) off(v int64) {
	if w.v3 {
		w.b = binary.BigEndian.AppendUint64(w.b, uint64(v))
	} else {
		w.i32(int32(v))
	}
}

// offField writes a zero offset to patch later and returns its position.
func (w *synWriter) offField() int {
	p := len(w.b)
	w.off(0)
	return p
}

func (w *synWriter) patch(at int, v int64) {
	if w.v3 {
		binary.BigEndian.PutUint64(w.b[at:], uint64(v))
	} else {
		binary.BigEndian.PutUint32(w.b[at:], uint32(v))
	}
}

// begin starts an internal record of type typ and returns its offset.
func (w *synWriter) begin(typ int32) int {
	p := len(w.b)
	w.off(0)
	w.i32(typ)
	return p
}

func (w *synWriter) end(start int) { w.patch(start, int64(len(w.b)-start)) }

func (w *synWriter) name(s string) {
	n := 64
	if w.v3 {
		n = 256
	}
	b := make([]byte, n)
	copy(b, s)
	w.b = append(w.b, b...)
}

// elems encodes values of type t in the file's encoding.
func (w *synWriter) elems(t DataType, ne int, vals []float64, ints []int64, text []string) []byte {
	var out []byte
	o := w.order.(binary.AppendByteOrder)
	for _, s := range text {
		b := make([]byte, ne)
		copy(b, s)
		out = append(out, b...)
	}
	for _, n := range ints {
		out = o.AppendUint64(out, uint64(n))
	}
	for _, x := range vals {
		switch t {
		case Int1, Byte, Uint1:
			out = append(out, byte(int64(x)))
		case Int2, Uint2:
			out = o.AppendUint16(out, uint16(int64(x)))
		case Int4, Uint4:
			out = o.AppendUint32(out, uint32(int64(x)))
		case Int8, TT2000:
			out = o.AppendUint64(out, uint64(int64(x)))
		case Real4, Float:
			out = o.AppendUint32(out, math.Float32bits(float32(x)))
		default: // REAL8, DOUBLE, EPOCH, EPOCH16 (pairs)
			out = o.AppendUint64(out, math.Float64bits(x))
		}
	}
	return out
}

// colMajor reorders the values of each record (given row-major) to
// column-major; unit is the bytes per value.
func colMajor(b []byte, dims []int, unit int) []byte {
	n := unit
	for _, d := range dims {
		n *= d
	}
	if n == 0 || len(dims) < 2 {
		return b
	}
	out := make([]byte, len(b))
	vals := n / unit
	for r := 0; r+n <= len(b); r += n {
		for i := range vals {
			// row-major index i -> indices -> column-major index
			rem, cm, stride := i, 0, 1
			idx := make([]int, len(dims))
			for k := len(dims) - 1; k >= 0; k-- {
				idx[k] = rem % dims[k]
				rem /= dims[k]
			}
			for k := range dims {
				cm += idx[k] * stride
				stride *= dims[k]
			}
			copy(out[r+cm*unit:], b[r+i*unit:r+(i+1)*unit])
		}
	}
	return out
}

func synCompress(cType int32, b []byte) []byte {
	switch cType {
	case cGZIP:
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	case cRLE:
		var out []byte
		for i := 0; i < len(b); {
			if b[i] != 0 {
				out = append(out, b[i])
				i++
				continue
			}
			n := 0
			for i+n < len(b) && b[i+n] == 0 && n < 256 {
				n++
			}
			out = append(out, 0, byte(n-1))
			i += n
		}
		return out
	}
	return b // "compressed" with an unsupported method: the tests expect a refusal
}

func (w *synWriter) cpr(cType int32) int64 {
	p := w.begin(rtCPR)
	w.i32(cType)
	w.i32(0) // rfuA
	w.i32(1) // pCount
	w.i32(6) // level
	w.end(p)
	return int64(p)
}

// bytes builds the file.
func (s synFile) bytes() []byte {
	w := &synWriter{v3: !s.v2}
	if big, _ := s.enc.bigEndian(); big {
		w.order = binary.BigEndian
	} else {
		w.order = binary.LittleEndian
	}
	if w.v3 {
		w.u32(magicV3)
	} else {
		w.u32(magicV26)
	}
	w.u32(magicPlain)

	cdr := w.begin(rtCDR)
	gdrField := w.offField()
	if w.v3 {
		w.i32(3)
		w.i32(9)
	} else {
		w.i32(2)
		w.i32(7)
	}
	w.i32(int32(s.enc))
	flags := int32(2)
	if s.rowMajor {
		flags |= 1
	}
	w.i32(flags)
	w.i32(0)
	w.i32(0)
	w.i32(0) // increment
	w.i32(0)
	w.i32(0)
	w.name("synthetic")
	w.end(cdr)

	gdr := w.begin(rtGDR)
	w.patch(gdrField, int64(gdr))
	rHead := w.offField()
	zHead := w.offField()
	aHead := w.offField()
	eof := w.offField()
	var nr, nz int32
	for _, v := range s.vars {
		if v.z {
			nz++
		} else {
			nr++
		}
	}
	w.i32(nr)
	w.i32(int32(len(s.gattrs) + countVarAttrs(s.vars)))
	w.i32(-1) // rMaxRec
	w.i32(int32(len(s.rDims)))
	w.i32(nz)
	w.off(0) // UIR
	w.i32(0)
	w.i32(0)
	w.i32(0)
	for _, d := range s.rDims {
		w.i32(int32(d))
	}
	w.end(gdr)

	lastNext := map[bool]int{false: rHead, true: zHead}
	nums := map[bool]int{}
	varNum := make([]int, len(s.vars))
	for i, v := range s.vars {
		varNum[i] = nums[v.z]
		nums[v.z]++
		dims := v.dims
		if !v.z {
			dims = s.rDims
		}
		varys := v.varys
		if varys == nil {
			varys = make([]bool, len(dims))
			for k := range varys {
				varys[k] = true
			}
		}
		ne := max(v.ne, 1)
		unit := ne * v.typ.Size()
		var vdims []int
		for k, d := range dims {
			if varys[k] {
				vdims = append(vdims, d)
			}
		}
		// Data records, then the VXRs that point at them.
		type ent struct {
			first, last int
			off         int64
		}
		var ents []ent
		recBytes := unit
		for _, d := range vdims {
			recBytes *= d
		}
		for _, c := range v.chunks {
			data := w.elems(v.typ, ne, c.vals, c.ints, c.text)
			if !s.rowMajor {
				data = colMajor(data, vdims, unit)
			}
			n := len(data) / recBytes
			var p int
			if v.cType != 0 {
				z := synCompress(v.cType, data)
				p = w.begin(rtCVVR)
				w.i32(0)
				w.off(int64(len(z)))
				w.b = append(w.b, z...)
			} else {
				p = w.begin(rtVVR)
				w.b = append(w.b, data...)
			}
			w.end(p)
			ents = append(ents, ent{c.first, c.first + n - 1, int64(p)})
		}
		vxr := func(es []ent, next int64) int64 {
			p := w.begin(rtVXR)
			w.off(next)
			w.i32(int32(len(es) + 1)) // one spare entry, as the library allocates
			w.i32(int32(len(es)))
			for _, e := range es {
				w.i32(int32(e.first))
			}
			w.i32(-1)
			for _, e := range es {
				w.i32(int32(e.last))
			}
			w.i32(-1)
			for _, e := range es {
				w.off(e.off)
			}
			w.off(0)
			w.end(p)
			return int64(p)
		}
		var head int64
		switch {
		case len(ents) == 0:
		case v.nested:
			var subs []ent
			for _, e := range ents {
				subs = append(subs, ent{e.first, e.last, vxr([]ent{e}, 0)})
			}
			// Two top-level VXRs chained by VXRnext: the later one first.
			tail := vxr(subs[len(subs)/2:], 0)
			head = vxr(subs[:len(subs)/2], tail)
		default:
			head = vxr(ents, 0)
		}
		var cpr int64
		if v.cType != 0 {
			cpr = w.cpr(v.cType)
		}
		rt := int32(rtRVDR)
		if v.z {
			rt = rtZVDR
		}
		p := w.begin(rt)
		w.patch(lastNext[v.z], int64(p))
		lastNext[v.z] = w.offField()
		w.i32(int32(v.typ))
		w.i32(int32(v.maxRec))
		w.off(head)
		w.off(head)
		var vflags int32
		if v.recVary {
			vflags |= 1
		}
		if v.cType != 0 {
			vflags |= 4
		}
		w.i32(vflags)
		w.i32(int32(v.sparse))
		w.i32(0)
		w.i32(0)
		w.i32(-1)
		w.i32(int32(ne))
		w.i32(int32(varNum[i]))
		w.off(cpr)
		w.i32(0) // blocking factor
		w.name(v.name)
		if v.z {
			w.i32(int32(len(dims)))
			for _, d := range dims {
				w.i32(int32(d))
			}
		}
		for _, y := range varys {
			if y {
				w.i32(-1)
			} else {
				w.i32(0)
			}
		}
		w.end(p)
	}

	// Attributes: global ones, then one ADR per variable attribute name.
	lastADR := aHead
	attrNum := 0
	adr := func(name string, scope int32, grOff, zOff []int64) {
		p := w.begin(rtADR)
		w.patch(lastADR, int64(p))
		lastADR = w.offField()
		grHead := w.offField()
		w.i32(scope)
		w.i32(int32(attrNum))
		w.i32(int32(len(grOff)))
		w.i32(int32(len(grOff) - 1))
		w.i32(0)
		zHeadF := w.offField()
		w.i32(int32(len(zOff)))
		w.i32(int32(len(zOff) - 1))
		w.i32(0)
		w.name(name)
		w.end(p)
		if len(grOff) > 0 {
			w.patch(grHead, grOff[0])
		}
		if len(zOff) > 0 {
			w.patch(zHeadF, zOff[0])
		}
		attrNum++
	}
	// aedr writes a chain of entries and returns their offsets.
	aedr := func(rt int32, as []synAttr, nums []int) []int64 {
		var offs []int64
		var nextField int
		for i, a := range as {
			p := w.begin(rt)
			if i > 0 {
				w.patch(nextField, int64(p))
			}
			nextField = w.offField()
			w.i32(int32(attrNum))
			w.i32(int32(a.typ))
			w.i32(int32(nums[i]))
			var data []byte
			if a.typ.IsText() {
				data = []byte(a.text)
				w.i32(int32(len(data)))
			} else {
				data = w.elems(a.typ, 1, a.vals, nil, nil)
				w.i32(int32(len(data) / a.typ.Size()))
			}
			for range 5 {
				w.i32(0)
			}
			w.b = append(w.b, data...)
			w.end(p)
			offs = append(offs, int64(p))
		}
		return offs
	}
	for _, a := range s.gattrs {
		offs := aedr(rtAgrED, []synAttr{a}, []int{0})
		adr(a.name, 1, offs, nil)
	}
	seen := map[string]bool{}
	for _, v := range s.vars {
		for _, a := range v.attrs {
			if seen[a.name] {
				continue
			}
			seen[a.name] = true
			var gr, zs []synAttr
			var grN, zN []int
			for i, u := range s.vars {
				for _, b := range u.attrs {
					if b.name != a.name {
						continue
					}
					if u.z {
						zs, zN = append(zs, b), append(zN, varNum[i])
					} else {
						gr, grN = append(gr, b), append(grN, varNum[i])
					}
				}
			}
			adr(a.name, 2, aedr(rtAgrED, gr, grN), aedr(rtAzED, zs, zN))
		}
	}
	w.patch(eof, int64(len(w.b)))
	if s.fileComp == 0 {
		return w.b
	}

	// Whole-file compression: magic, CCR holding the rest, CPR.
	c := &synWriter{v3: w.v3, order: w.order}
	c.b = append(c.b, w.b[:4]...)
	c.u32(magicCompCDF)
	z := synCompress(s.fileComp, w.b[8:])
	p := c.begin(rtCCR)
	cprField := c.offField()
	c.off(int64(len(w.b) - 8))
	c.i32(0)
	c.b = append(c.b, z...)
	c.end(p)
	c.patch(cprField, c.cpr(s.fileComp))
	return c.b
}

func countVarAttrs(vars []synVar) int {
	seen := map[string]bool{}
	for _, v := range vars {
		for _, a := range v.attrs {
			seen[a.name] = true
		}
	}
	return len(seen)
}
