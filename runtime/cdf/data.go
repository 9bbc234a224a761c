package cdf

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"slices"
)

// Limits that keep a malformed file from causing huge allocations.
const (
	// maxRatio bounds the decompressed size by maxRatio times the
	// compressed size (plus slack): DEFLATE cannot expand more than 1032:1.
	maxRatio = 1032
	// maxPadValues bounds the values of records that a variable claims but
	// never wrote, beyond the number of values it did write.
	maxPadValues = 1 << 22
	// maxVarBytes bounds the decoded bytes of one variable.
	maxVarBytes = 1 << 30
	// maxVXRDepth bounds the levels of the VXR tree (real files use 1-3).
	maxVXRDepth = 32
)

// maxInflate is the largest size that n compressed bytes may decompress
// to; larger claims mean a malformed file.
func maxInflate(n int64) int64 { return n*maxRatio + 1024 }

// data holds a variable's records, decoded to row-major order but not yet
// to numbers.
type data struct {
	raw      []byte
	have     []bool // record r was written (or copied from the previous one)
	nrec     int
	perRec   int // items per record (values; numeric elements)
	recBytes int
}

func (d *data) rec(r int) []byte { return d.raw[r*d.recBytes : (r+1)*d.recBytes] }

// leaf is a VXR entry that points at records: records first..last are in
// the VVR or CVVR at off.
type leaf struct {
	first, last int
	off         int64
}

// read reads all records of the variable.
func (v *Var) read() (*data, error) {
	f := v.f
	if f.multiFile {
		return nil, v.unsupported("multi-file CDF: the data is in separate .vN/.zN files")
	}
	size := int64(v.Type.Size())
	if size == 0 {
		return nil, v.errorf("unknown %v", v.Type)
	}
	unit := int64(v.NumElems) * size // one value
	var dims []int                   // varying dimensions
	vpr := int64(1)
	tooBig := unit > maxVarBytes
	for i, n := range v.Dims {
		if v.DimVarys[i] && !tooBig {
			dims = append(dims, n)
			vpr *= int64(n) // no overflow: vpr*unit was at most 2^30, n < 2^31
			tooBig = vpr*unit > maxVarBytes
		}
	}
	if tooBig {
		return nil, v.errorf("a record of %v values of %d %v is larger than %d bytes", v.Dims, v.NumElems, v.Type, int64(maxVarBytes))
	}
	recBytes := vpr * unit
	d := &data{nrec: v.NumRecords, perRec: int(vpr), recBytes: int(recBytes)}
	if !v.Type.IsText() {
		d.perRec *= v.NumElems
	}
	if d.nrec == 0 {
		return d, nil
	}
	w := newWalk()
	leaves, err := v.leaves(w)
	if err != nil {
		return nil, err
	}
	kept := leaves[:0]
	for _, l := range leaves {
		if l.first < 0 || l.last < l.first {
			return nil, v.errorf("VXR entry for records %d..%d", l.first, l.last)
		}
		if l.first >= d.nrec {
			continue // allocated beyond the last record
		}
		l.last = min(l.last, d.nrec-1)
		kept = append(kept, l)
	}
	leaves = kept
	slices.SortFunc(leaves, func(a, b leaf) int { return a.first - b.first })
	for i := 1; i < len(leaves); i++ {
		if leaves[i].first <= leaves[i-1].last {
			return nil, v.errorf("VXR entries overlap at record %d", leaves[i].first)
		}
	}

	cType := int32(cNone)
	if v.compressed {
		if cType, err = f.readCPR(v.cprOff, fmt.Sprintf("variable %q", v.Name)); err != nil {
			return nil, err
		}
	}
	// Check every leaf and decompress the CVVRs before allocating the
	// records, so that sizes claimed by a malformed file never reach make:
	// VVR data is checked against the file's size, CVVR data grows only as
	// it decompresses.
	var storedRecs int64
	inflated := make([][]byte, len(leaves))
	for i, l := range leaves {
		n := int64(l.last - l.first + 1)
		need := n * recBytes
		what := fmt.Sprintf("variable %q: records %d..%d", v.Name, l.first, l.last)
		sz, typ, err := f.header(l.off, what)
		if err != nil {
			return nil, err
		}
		if err := f.visit(w, l.off, sz, fmt.Sprintf("variable %q: VVR", v.Name)); err != nil {
			return nil, err
		}
		switch typ {
		case rtVVR:
			if have := sz - int64(f.hdrLen()); have < need {
				return nil, v.errorf("VVR at offset %d holds %d bytes, too few for records %d..%d (%d bytes)", l.off, have, l.first, l.last, need)
			}
		case rtCVVR:
			if !v.compressed {
				return nil, v.errorf("CVVR at offset %d, but the variable is not compressed", l.off)
			}
			if inflated[i], err = v.readCVVR(l, cType, need, what); err != nil {
				return nil, err
			}
		default:
			return nil, v.errorf("VXR entry points at offset %d, a record of type %d, not a VVR or CVVR", l.off, typ)
		}
		storedRecs += n
	}
	if pad := (int64(d.nrec) - storedRecs) * int64(d.perRec); pad > max(maxPadValues, storedRecs*int64(d.perRec)) {
		return nil, v.errorf("%d records, of which only %d are written; refusing to pad %d values", d.nrec, storedRecs, pad)
	}
	if total := int64(d.nrec) * recBytes; total > maxVarBytes {
		return nil, v.unsupported("%d records of %d bytes exceed the %d bytes read at once", d.nrec, recBytes, int64(maxVarBytes))
	}

	d.raw = make([]byte, d.nrec*d.recBytes)
	d.have = make([]bool, d.nrec)
	for i, l := range leaves {
		dst := d.raw[l.first*d.recBytes : (l.last+1)*d.recBytes]
		if inflated[i] != nil {
			copy(dst, inflated[i])
			inflated[i] = nil
		} else if _, err := f.r.ReadAt(dst, l.off+int64(f.hdrLen())); err != nil {
			return nil, fmt.Errorf("%svariable %q: records %d..%d: %w", f.prefix(), v.Name, l.first, l.last, err)
		}
		for r := l.first; r <= l.last; r++ {
			d.have[r] = true
		}
	}
	if !f.rowMajor && len(dims) > 1 {
		transpose(d, dims, int(unit))
	}
	if v.Sparse == PrevSparse {
		for r := 1; r < d.nrec; r++ {
			if !d.have[r] && d.have[r-1] {
				copy(d.rec(r), d.rec(r-1))
				d.have[r] = true
			}
		}
	}
	return d, nil
}

// readCVVR returns the first need bytes of the decompressed CVVR of l.
func (v *Var) readCVVR(l leaf, cType int32, need int64, what string) ([]byte, error) {
	f := v.f
	rec, _, err := f.record(l.off, what, rtCVVR)
	if err != nil {
		return nil, err
	}
	c := f.cursor(rec)
	c.skip(4) // rfuA
	cSize := c.off()
	if c.short || cSize < 0 || cSize > int64(len(c.rest())) {
		return nil, v.errorf("CVVR at offset %d: compressed size %d does not fit the record", l.off, cSize)
	}
	return f.decompress(cType, c.bytes(int(cSize)), need, what)
}

// decompress returns the first want bytes that src decompresses to. The
// output grows as it is produced, so a false want costs no memory.
func (f *File) decompress(cType int32, src []byte, want int64, what string) ([]byte, error) {
	if want < 0 || want > maxInflate(int64(len(src))) {
		return nil, f.errorf("%s: %d compressed bytes cannot decompress to %d", what, len(src), want)
	}
	switch cType {
	case cGZIP:
		zr, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, f.errorf("%s: GZIP: %v", what, err)
		}
		var out bytes.Buffer
		out.Grow(int(min(want, 4*int64(len(src))+512)))
		n, err := io.Copy(&out, io.LimitReader(zr, want))
		if err != nil {
			return nil, f.errorf("%s: GZIP: %v", what, err)
		}
		if n < want {
			return nil, f.errorf("%s: GZIP data holds %d bytes, want %d", what, n, want)
		}
		return out.Bytes(), nil
	case cRLE:
		return f.unRLE(src, want, what)
	}
	return nil, f.unsupported("%s: %s compression is not supported (only GZIP and RLE)", what, compressionName(cType))
}

// unRLE undoes CDF run-length encoding, which encodes a run of zeros as a
// zero byte followed by the run length minus one.
func (f *File) unRLE(src []byte, want int64, what string) ([]byte, error) {
	out := make([]byte, 0, min(want, 4*int64(len(src))))
	for i := 0; i < len(src) && int64(len(out)) < want; i++ {
		if src[i] != 0 {
			out = append(out, src[i])
			continue
		}
		i++
		if i == len(src) {
			return nil, f.errorf("%s: RLE data ends inside a run of zeros", what)
		}
		n := min(int64(src[i])+1, want-int64(len(out)))
		out = append(out, make([]byte, n)...)
	}
	if int64(len(out)) < want {
		return nil, f.errorf("%s: RLE data holds %d bytes, want %d", what, len(out), want)
	}
	return out, nil
}

// leaves walks the variable's VXR tree and returns the entries that point
// at data records.
func (v *Var) leaves(w *walk) ([]leaf, error) {
	f := v.f
	var out []leaf
	var walk func(off int64, depth int) error
	walk = func(off int64, depth int) error {
		if depth > maxVXRDepth {
			return v.errorf("VXR tree deeper than %d levels at offset %d", maxVXRDepth, off)
		}
		for off != 0 {
			what := fmt.Sprintf("variable %q: VXR", v.Name)
			rec, _, err := f.record(off, what, rtVXR)
			if err != nil {
				return err
			}
			if err := f.visit(w, off, int64(len(rec)), what); err != nil {
				return err
			}
			c := f.cursor(rec)
			next := c.off()
			n := int64(c.i32())
			used := int64(c.i32())
			if c.short || n < 0 || used < 0 || used > n || n*int64(8+f.offLen()) > int64(len(c.rest())) {
				return v.errorf("VXR at offset %d: %d of %d entries do not fit its %d bytes", off, used, n, len(rec))
			}
			base := c.p
			firsts := base
			lasts := base + 4*int(n)
			offs := base + 8*int(n)
			for i := range int(used) {
				c.p = firsts + 4*i
				first := int(c.i32())
				c.p = lasts + 4*i
				last := int(c.i32())
				c.p = offs + f.offLen()*i
				child := c.off()
				_, typ, err := f.header(child, fmt.Sprintf("variable %q: VXR entry", v.Name))
				if err != nil {
					return err
				}
				if typ == rtVXR {
					if err := walk(child, depth+1); err != nil {
						return err
					}
					continue
				}
				out = append(out, leaf{first, last, child})
			}
			off = next
		}
		return nil
	}
	if err := walk(v.vxrHead, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// transpose reorders each record from column-major (first dimension
// fastest) to row-major (last dimension fastest); unit is the bytes of one
// value.
func transpose(d *data, dims []int, unit int) {
	n := d.recBytes / unit
	// perm[i] is the column-major index of the value at row-major index i.
	perm := make([]int, n)
	idx := make([]int, len(dims))
	for i := range n {
		cm, stride := 0, 1
		for k := range dims {
			cm += idx[k] * stride
			stride *= dims[k]
		}
		perm[i] = cm
		for k := len(dims) - 1; k >= 0; k-- { // next row-major index
			if idx[k]++; idx[k] < dims[k] {
				break
			}
			idx[k] = 0
		}
	}
	tmp := make([]byte, d.recBytes)
	for r := range d.nrec {
		if !d.have[r] {
			continue
		}
		b := d.rec(r)
		copy(tmp, b)
		for i, cm := range perm {
			copy(b[i*unit:(i+1)*unit], tmp[cm*unit:(cm+1)*unit])
		}
	}
}
