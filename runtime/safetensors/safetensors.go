// Package safetensors reads and writes safetensors files, the weight format of Hugging Face
// and of PyTorch users, for the flat parameter vector of an mlc model.
//
// A safetensors file is
//
//	8 bytes       N, the length of the header, little-endian unsigned
//	N bytes       a JSON object: {"NAME": {"dtype": "F32", "shape": [20, 30],
//	              "data_offsets": [BEGIN, END]}, ..., "__metadata__": {"key": "value", ...}}
//	              (padded with spaces)
//	the data      every tensor's values, row-major, little-endian, at BEGIN…END of this part;
//	              the tensors cover it without holes or overlaps
//
// A Layout says where each tensor of a file lives in the flat vector, and in what order its
// values lie there: a generated package's Safetensors names its tensors as PyTorch's
// state_dict of the model's nn.Sequential replica does, with PyTorch's shapes, so a file
// written here loads into that replica and one written from it loads here.
//
// Read checks a file against the layout and refuses, with the tensor's name, a missing or
// unexpected tensor, a wrong shape or dtype, a truncated file, or a header whose offsets do
// not add up; it allocates nothing in proportion to what a header claims, only to what the
// layout expects. F32 and F64 files load into float32 and float64 vectors alike.
package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unsafe"
)

// Float is the element type of a parameter vector.
type Float interface{ ~float32 | ~float64 }

// DType is a tensor's element type as safetensors names it.
type DType string

// The element types mlc reads and writes.
const (
	F32 DType = "F32"
	F64 DType = "F64"
)

// size is the width of one value, or 0 for a dtype mlc does not read.
func (d DType) size() int {
	switch d {
	case F32:
		return 4
	case F64:
		return 8
	}
	return 0
}

// DTypeOf is the dtype of T: F32 for float32, F64 for float64.
func DTypeOf[T Float]() DType {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return F32
	}
	return F64
}

// Tensor is one tensor of a file and its place in the flat parameter vector.
type Tensor struct {
	Name   string // its name in the file: PyTorch's state_dict key, such as "0.weight"
	Param  string // its name in mlc (dense1_W), for messages
	Offset int    // where its values start in the parameter vector
	Shape  []int  // its shape in the file (PyTorch's); empty for a scalar
	// Stored and Perm say how the parameter vector holds the tensor when that is not as
	// Shape, row-major. The vector holds an array of shape Stored, row-major; Perm lists, for
	// each axis of the file's tensor, the axis of Stored it is: the file's tensor is Stored
	// with its axes permuted (axis i is Stored's axis Perm[i]), then reshaped to Shape.
	// A conv1d kernel stored [filters][kernel][channels] is, for PyTorch's
	// [filters][channels][kernel], Stored [filters, kernel, channels] and Perm [0, 2, 1].
	// Nil Stored and Perm: the vector holds the tensor as Shape.
	Stored []int
	Perm   []int
}

// Layout is the tensors of a model's files, and the metadata its files carry.
type Layout struct {
	Tensors  []Tensor
	Metadata map[string]string
}

// MaxHeader bounds a header's length, as the reference implementation does (100 MB).
const MaxHeader = 100_000_000

// numel is the number of values of a tensor of shape s, or -1 when a dimension is negative
// or the count overflows.
func numel(s []int) int {
	n := 1
	for _, d := range s {
		if d < 0 || d > 0 && n > math.MaxInt32/d {
			return -1
		}
		n *= d
	}
	return n
}

// stored is the shape the parameter vector holds t in, and perm its axes in the file's
// order.
func (t *Tensor) stored() (shape, perm []int) {
	shape, perm = t.Stored, t.Perm
	if shape == nil {
		shape = t.Shape
	}
	if perm == nil {
		perm = make([]int, len(shape))
		for i := range perm {
			perm[i] = i
		}
	}
	return shape, perm
}

// each calls f with the place in the parameter vector of each of t's values, in the file's
// order (row-major over Shape).
func (t *Tensor) each(f func(i, at int)) {
	shape, perm := t.stored()
	strides := make([]int, len(shape))
	s := 1
	for a := len(shape) - 1; a >= 0; a-- {
		strides[a] = s
		s *= shape[a]
	}
	dims, step := make([]int, len(perm)), make([]int, len(perm))
	for i, a := range perm {
		dims[i], step[i] = shape[a], strides[a]
	}
	idx := make([]int, len(dims))
	at := t.Offset
	for i := range numel(shape) {
		f(i, at)
		for a := len(dims) - 1; a >= 0; a-- {
			idx[a]++
			at += step[a]
			if idx[a] < dims[a] {
				break
			}
			at -= step[a] * dims[a]
			idx[a] = 0
		}
	}
}

// check reports what makes the layout unusable for a vector of n values: a bad shape or
// permutation, a tensor outside the vector, two tensors sharing a name or values.
func (l *Layout) check(n int) error {
	names := map[string]bool{}
	type span struct {
		lo, hi int
		name   string
	}
	var spans []span
	for i := range l.Tensors {
		t := &l.Tensors[i]
		if t.Name == "" || t.Name == "__metadata__" {
			return fmt.Errorf("layout: tensor %d (%s) has the name %q", i, t.Param, t.Name)
		}
		if names[t.Name] {
			return fmt.Errorf("layout: two tensors are named %q", t.Name)
		}
		names[t.Name] = true
		shape, perm := t.stored()
		size := numel(t.Shape)
		if size < 0 || numel(shape) != size {
			return fmt.Errorf("layout: tensor %s has shape %v, stored as %v", t.Name, t.Shape, shape)
		}
		seen := make([]bool, len(shape))
		for _, a := range perm {
			if a < 0 || a >= len(shape) || seen[a] {
				return fmt.Errorf("layout: tensor %s: %v is not a permutation of the axes of %v", t.Name, perm, shape)
			}
			seen[a] = true
		}
		if len(perm) != len(shape) {
			return fmt.Errorf("layout: tensor %s: %v is not a permutation of the axes of %v", t.Name, perm, shape)
		}
		if t.Offset < 0 || t.Offset > n-size {
			return fmt.Errorf("layout: tensor %s (%d values at %d) lies outside the %d parameters", t.Name, size, t.Offset, n)
		}
		spans = append(spans, span{t.Offset, t.Offset + size, t.Name})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	for i := 1; i < len(spans); i++ {
		if spans[i].lo < spans[i-1].hi {
			return fmt.Errorf("layout: tensors %s and %s share parameters", spans[i-1].name, spans[i].name)
		}
	}
	return nil
}

// Write writes params to w as a safetensors file of the layout's tensors, in the layout's
// order, with values of dtype (rounded when params are wider), and the layout's metadata.
// The header is padded with spaces so the data start 8-byte aligned.
func Write[T Float](w io.Writer, params []T, l *Layout, dtype DType) error {
	width := dtype.size()
	if width == 0 {
		return fmt.Errorf("safetensors: cannot write dtype %q; mlc writes F32 and F64", dtype)
	}
	if err := l.check(len(params)); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	var h bytes.Buffer
	h.WriteByte('{')
	if len(l.Metadata) > 0 {
		meta, err := json.Marshal(l.Metadata) // keys sorted
		if err != nil {
			return fmt.Errorf("safetensors: metadata: %w", err)
		}
		h.WriteString(`"__metadata__":`)
		h.Write(meta)
	}
	at := 0
	for i, t := range l.Tensors {
		if i > 0 || len(l.Metadata) > 0 {
			h.WriteByte(',')
		}
		name, _ := json.Marshal(t.Name)
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		dims, _ := json.Marshal(shape)
		end := at + numel(t.Shape)*width
		fmt.Fprintf(&h, `%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, name, dtype, dims, at, end)
		at = end
	}
	h.WriteByte('}')
	for (8+h.Len())%8 != 0 {
		h.WriteByte(' ')
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(h.Len()))
	bw.Write(b[:])
	bw.Write(h.Bytes())
	for i := range l.Tensors {
		l.Tensors[i].each(func(_, at int) {
			if width == 8 {
				binary.LittleEndian.PutUint64(b[:], math.Float64bits(float64(params[at])))
			} else {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(params[at])))
			}
			bw.Write(b[:width])
		})
	}
	return bw.Flush() // bufio keeps the first error
}

// Info is one tensor of a file's header.
type Info struct {
	DType       DType    `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// File is a safetensors file whose header has been read and checked: its tensors, its
// metadata, and where its data begin.
type File struct {
	Tensors  map[string]Info
	Metadata map[string]string
	r        io.ReaderAt
	data     int64 // where the data start
}

// Open reads and checks the header of the safetensors file of size bytes that r reads: the
// header's length against the file's, its JSON (one object, no name twice, metadata of
// strings), and each tensor's dtype, shape and offsets, which must cover the data exactly.
// The header is the only thing it allocates for, and it never exceeds the file or MaxHeader.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < 8 {
		return nil, fmt.Errorf("truncated: %d bytes, not even the 8 of the header's length", size)
	}
	var b [8]byte
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(b[:])
	if n > MaxHeader {
		return nil, fmt.Errorf("not a safetensors file: its first 8 bytes give a header of %d bytes, more than the %d allowed", n, MaxHeader)
	}
	if int64(n) > size-8 {
		return nil, fmt.Errorf("truncated: the header is %d bytes, but only %d follow its length", n, size-8)
	}
	head := make([]byte, n)
	if _, err := r.ReadAt(head, 8); err != nil {
		return nil, err
	}
	f := &File{Tensors: map[string]Info{}, r: r, data: 8 + int64(n)}
	if err := f.parse(head); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if err := f.checkOffsets(size - f.data); err != nil {
		return nil, err
	}
	return f, nil
}

// parse reads the header's JSON into f.
func (f *File) parse(head []byte) error {
	if len(head) == 0 || head[0] != '{' {
		return errors.New(`does not start with "{"`)
	}
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		if seen[name] {
			return fmt.Errorf("%q is given twice", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%q: %v", name, err)
		}
		if name == "__metadata__" {
			if err := json.Unmarshal(raw, &f.Metadata); err != nil {
				return fmt.Errorf("__metadata__ must map names to strings: %v", err)
			}
			continue
		}
		var t struct {
			DType   *DType   `json:"dtype"`
			Shape   *[]int   `json:"shape"`
			Offsets *[]int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return fmt.Errorf("tensor %q: %v", name, err)
		}
		switch {
		case t.DType == nil || t.Shape == nil || t.Offsets == nil:
			return fmt.Errorf("tensor %q: expected dtype, shape and data_offsets", name)
		case len(*t.Offsets) != 2:
			return fmt.Errorf("tensor %q: data_offsets %v are not [begin, end]", name, *t.Offsets)
		case numel(*t.Shape) < 0:
			return fmt.Errorf("tensor %q: shape %v has a negative dimension or too many values", name, *t.Shape)
		}
		f.Tensors[name] = Info{DType: *t.DType, Shape: *t.Shape, DataOffsets: [2]int64{(*t.Offsets)[0], (*t.Offsets)[1]}}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if rest := bytes.TrimSpace(head[dec.InputOffset():]); len(rest) > 0 {
		return fmt.Errorf("%q follows the JSON object", rest[:min(len(rest), 20)])
	}
	return nil
}

// checkOffsets checks that each tensor's offsets fit its dtype and shape, and that the
// tensors cover the n bytes of data without holes or overlaps.
func (f *File) checkOffsets(n int64) error {
	names := make([]string, 0, len(f.Tensors))
	for name := range f.Tensors {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := f.Tensors[name]
		lo, hi := t.DataOffsets[0], t.DataOffsets[1]
		if lo < 0 || hi < lo {
			return fmt.Errorf("tensor %s: data_offsets [%d, %d] are not a range", name, lo, hi)
		}
		if hi > n {
			return fmt.Errorf("truncated: tensor %s ends at byte %d of the data, which has %d", name, hi, n)
		}
		if w := t.DType.size(); w > 0 && hi-lo != int64(numel(t.Shape))*int64(w) {
			return fmt.Errorf("tensor %s: %s of shape %v is %d bytes, but its data_offsets [%d, %d] hold %d", name, t.DType, t.Shape, int64(numel(t.Shape))*int64(w), lo, hi, hi-lo)
		}
	}
	sort.SliceStable(names, func(i, j int) bool {
		a, b := f.Tensors[names[i]].DataOffsets, f.Tensors[names[j]].DataOffsets
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	var at int64
	prev := ""
	for _, name := range names {
		t := f.Tensors[name]
		switch {
		case t.DataOffsets[0] < at:
			return fmt.Errorf("tensors %s and %s overlap in the data", prev, name)
		case t.DataOffsets[0] > at:
			return fmt.Errorf("bytes %d to %d of the data belong to no tensor", at, t.DataOffsets[0])
		}
		at, prev = t.DataOffsets[1], name
	}
	if at != n {
		return fmt.Errorf("%d bytes follow the last tensor's data", n-at)
	}
	return nil
}

// Load reads the layout's tensors from f into params, converting F32 and F64 to T and the
// file's layout to the vector's. Every tensor of the layout must be in the file with its
// shape, and the file may hold no other. On an error params are left as they were.
func Load[T Float](f *File, params []T, l *Layout) error {
	if err := l.check(len(params)); err != nil {
		return err
	}
	var missing, extra []string
	want := map[string]bool{}
	for _, t := range l.Tensors {
		want[t.Name] = true
		if _, ok := f.Tensors[t.Name]; !ok {
			missing = append(missing, t.Name+" ("+t.Param+")")
		}
	}
	for name := range f.Tensors {
		if !want[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	switch {
	case len(missing) > 0 && len(extra) > 0:
		return fmt.Errorf("no %s %s; the file has %s %s instead, which the model does not have", plural("tensor", missing), list(missing), plural("tensor", extra), list(extra))
	case len(missing) > 0:
		return fmt.Errorf("no %s %s in the file", plural("tensor", missing), list(missing))
	case len(extra) > 0:
		return fmt.Errorf("unexpected %s %s: the model has no such parameter", plural("tensor", extra), list(extra))
	}
	for _, t := range l.Tensors {
		info := f.Tensors[t.Name]
		if info.DType.size() == 0 {
			return fmt.Errorf("tensor %s (%s) is %s; mlc reads F32 and F64", t.Name, t.Param, info.DType)
		}
		if !slices.Equal(info.Shape, t.Shape) && !(len(info.Shape) == 0 && len(t.Shape) == 0) {
			return fmt.Errorf("tensor %s (%s) has shape %s in the file; the model's is %s", t.Name, t.Param, shapeText(info.Shape), shapeText(t.Shape))
		}
	}
	out := slices.Clone(params)
	for _, t := range l.Tensors {
		info := f.Tensors[t.Name]
		w := info.DType.size()
		buf := make([]byte, info.DataOffsets[1]-info.DataOffsets[0])
		if _, err := f.r.ReadAt(buf, f.data+info.DataOffsets[0]); err != nil {
			return fmt.Errorf("tensor %s: %w", t.Name, err)
		}
		t.each(func(i, at int) {
			if w == 8 {
				out[at] = T(math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:])))
			} else {
				out[at] = T(math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:])))
			}
		})
	}
	copy(params, out)
	return nil
}

// Read reads the safetensors file of size bytes that r reads into params (Open, then Load)
// and returns its metadata.
func Read[T Float](r io.ReaderAt, size int64, params []T, l *Layout) (map[string]string, error) {
	f, err := Open(r, size)
	if err != nil {
		return nil, err
	}
	return f.Metadata, Load(f, params, l)
}

func shapeText(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// list is "a", "a and b" or "a, b and c"; past eight names, "a, b, … and 12 more".
func list(s []string) string {
	if len(s) > 8 {
		return strings.Join(s[:7], ", ") + fmt.Sprintf(" and %d more", len(s)-7)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// plural is word, with an s for more than one of s.
func plural(word string, s []string) string {
	if len(s) > 1 {
		return word + "s"
	}
	return word
}
