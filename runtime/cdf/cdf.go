package cdf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// Magic numbers of the first 8 bytes.
const (
	magicV3      = 0xCDF30001
	magicV26     = 0xCDF26002
	magicV2      = 0x0000FFFF // CDF 2.0 to 2.5
	magicPlain   = 0x0000FFFF
	magicCompCDF = 0xCCCC0001
)

// maxDims is CDF_MAX_DIMS: no variable has more dimensions.
const maxDims = 10

// File is an open CDF file. Its metadata (variables and attributes) is read
// by Open or Read; variable data is read on demand. A File is safe for
// concurrent use if its io.ReaderAt is.
type File struct {
	name   string
	r      io.ReaderAt
	size   int64
	closer io.Closer

	v3        bool
	version   int
	release   int
	increment int
	enc       Encoding
	order     binary.ByteOrder
	rowMajor  bool
	cType     int32 // whole-file compression, cNone if none
	multiFile bool  // variable data lives in separate .vN/.zN files

	rDims []int
	vars  []*Var
	attrs []namedAttr // global attributes, in file order
}

// namedAttr is a global attribute with its entries in entry-number order.
type namedAttr struct {
	name    string
	entries []Value
}

// Open opens and parses the CDF file at path. Close releases it.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cdf: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("cdf: %w", err)
	}
	f, err := read(fh, st.Size(), path)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.closer = fh
	return f, nil
}

// Read parses a CDF held by r, which has size bytes. The File reads from r
// until it is no longer used; Close does not close r.
func Read(r io.ReaderAt, size int64) (*File, error) {
	return read(r, size, "")
}

// Close closes the file opened by Open. Reading variables afterwards fails.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	err := f.closer.Close()
	f.closer = nil
	return err
}

// Version returns the CDF library version, release and increment that
// wrote the file, for example 3, 9, 0.
func (f *File) Version() (version, release, increment int) {
	return f.version, f.release, f.increment
}

// Encoding returns the data encoding of the file.
func (f *File) Encoding() Encoding { return f.enc }

// RowMajor reports whether values within a record are stored row-major.
// The reader returns row-major values either way.
func (f *File) RowMajor() bool { return f.rowMajor }

// Compressed reports whether the whole file is compressed (a CCR record),
// and with what ("GZIP" or "RLE").
func (f *File) Compressed() (bool, string) {
	return f.cType != cNone, compressionName(f.cType)
}

// Variables returns the file's variables: rVariables first, then
// zVariables, each in file order.
func (f *File) Variables() []*Var { return slices.Clone(f.vars) }

// Variable returns the variable with the given name.
func (f *File) Variable(name string) (*Var, error) {
	for _, v := range f.vars {
		if v.Name == name {
			return v, nil
		}
	}
	return nil, &cdfError{fmt.Sprintf("%sno variable %q", f.prefix(), name), ErrNotFound}
}

// AttrNames returns the names of the global attributes in file order.
func (f *File) AttrNames() []string {
	names := make([]string, len(f.attrs))
	for i, a := range f.attrs {
		names[i] = a.name
	}
	return names
}

// Attr returns the entries of the global attribute name, in entry-number
// order; ok is false if there is no such global attribute.
func (f *File) Attr(name string) (entries []Value, ok bool) {
	for _, a := range f.attrs {
		if a.name == name {
			return slices.Clone(a.entries), true
		}
	}
	return nil, false
}

func read(r io.ReaderAt, size int64, name string) (*File, error) {
	f := &File{name: name, r: r, size: size}
	if size < 8 {
		return nil, f.errorf("%d bytes is too short for a CDF", size)
	}
	var m [8]byte
	if _, err := r.ReadAt(m[:], 0); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, f.errorf("file truncated: %d bytes expected", size)
		}
		return nil, fmt.Errorf("%s%w", f.prefix(), err)
	}
	m1, m2 := binary.BigEndian.Uint32(m[:]), binary.BigEndian.Uint32(m[4:])
	switch m1 {
	case magicV3:
		f.v3 = true
	case magicV26, magicV2:
	default:
		return nil, f.errorf("not a CDF file (magic number %08X)", m1)
	}
	switch m2 {
	case magicPlain:
	case magicCompCDF:
		if err := f.uncompressFile(m1); err != nil {
			return nil, err
		}
	default:
		return nil, f.errorf("second magic number %08X is neither 0000FFFF nor CCCC0001", m2)
	}
	gdr, err := f.readCDR()
	if err != nil {
		return nil, err
	}
	g, err := f.readGDR(gdr)
	if err != nil {
		return nil, err
	}
	seen := newWalk()
	rv, err := f.readVDRs(g.rVDR, g.nrVars, false, seen)
	if err != nil {
		return nil, err
	}
	zv, err := f.readVDRs(g.zVDR, g.nzVars, true, seen)
	if err != nil {
		return nil, err
	}
	f.vars = append(rv, zv...)
	if err := f.readADRs(g.adr, g.numAttr, rv, zv, seen); err != nil {
		return nil, err
	}
	return f, nil
}

// uncompressFile replaces f's reader by the decompressed file held in
// memory: the magic numbers (marked uncompressed) followed by the data of
// the CCR at offset 8.
func (f *File) uncompressFile(m1 uint32) error {
	ccr, _, err := f.record(8, "CCR", rtCCR)
	if err != nil {
		return err
	}
	c := f.cursor(ccr)
	cpr := c.off()
	uSize := c.off()
	c.skip(4)
	if c.short {
		return f.errorf("CCR at offset 8 is too short")
	}
	cType, err := f.readCPR(cpr, "CCR")
	if err != nil {
		return err
	}
	data, err := f.decompress(cType, c.rest(), uSize, "the compressed file")
	if err != nil {
		return err
	}
	buf := make([]byte, 8+len(data))
	binary.BigEndian.PutUint32(buf, m1)
	binary.BigEndian.PutUint32(buf[4:], magicPlain)
	copy(buf[8:], data)
	f.r = bytes.NewReader(buf)
	f.size = int64(len(buf))
	f.cType = cType
	return nil
}

// readCPR returns the compression type of the CPR at off.
func (f *File) readCPR(off int64, owner string) (int32, error) {
	rec, _, err := f.record(off, owner+"'s CPR", rtCPR)
	if err != nil {
		return 0, err
	}
	c := f.cursor(rec)
	cType := c.i32()
	if c.short {
		return 0, f.errorf("%s's CPR at offset %d is too short", owner, off)
	}
	return cType, nil
}

// readCDR parses the CDF descriptor record at offset 8 and returns the
// offset of the GDR.
func (f *File) readCDR() (int64, error) {
	rec, _, err := f.record(8, "CDR", rtCDR)
	if err != nil {
		return 0, err
	}
	c := f.cursor(rec)
	gdr := c.off()
	f.version = int(c.i32())
	f.release = int(c.i32())
	f.enc = Encoding(c.i32())
	flags := c.i32()
	c.skip(8) // rfuA, rfuB
	f.increment = int(c.i32())
	if c.short {
		return 0, f.errorf("CDR at offset 8 is too short")
	}
	if f.v3 && f.version != 3 || !f.v3 && f.version != 2 {
		return 0, f.errorf("CDR says version %d, which does not match the magic number", f.version)
	}
	big, ok := f.enc.bigEndian()
	if !ok {
		return 0, f.unsupported("encoding %v: only IEEE floating-point encodings are read, not VAX or unknown ones", f.enc)
	}
	if big {
		f.order = binary.BigEndian
	} else {
		f.order = binary.LittleEndian
	}
	f.rowMajor = flags&1 != 0
	f.multiFile = flags&2 == 0
	return gdr, nil
}

type gdrInfo struct {
	rVDR, zVDR, adr         int64
	nrVars, nzVars, numAttr int
}

func (f *File) readGDR(off int64) (gdrInfo, error) {
	rec, _, err := f.record(off, "GDR", rtGDR)
	if err != nil {
		return gdrInfo{}, err
	}
	c := f.cursor(rec)
	var g gdrInfo
	g.rVDR = c.off()
	g.zVDR = c.off()
	g.adr = c.off()
	eof := c.off()
	g.nrVars = int(c.i32())
	g.numAttr = int(c.i32())
	c.i32() // rMaxRec
	rNumDims := int(c.i32())
	g.nzVars = int(c.i32())
	c.off()    // UIRhead
	c.skip(12) // rfuC, LeapSecondLastUpdated (rfuD in CDF 2), rfuE
	if c.short {
		return g, f.errorf("GDR at offset %d is too short", off)
	}
	if eof > f.size {
		return g, f.errorf("file truncated: the GDR gives its end as %d bytes, it has %d", eof, f.size)
	}
	if rNumDims < 0 || rNumDims > maxDims {
		return g, f.errorf("GDR at offset %d: %d rVariable dimensions", off, rNumDims)
	}
	if g.nrVars < 0 || g.nzVars < 0 || g.numAttr < 0 {
		return g, f.errorf("GDR at offset %d: negative count of variables or attributes", off)
	}
	for range rNumDims {
		n := c.i32()
		if n < 1 {
			return g, f.errorf("GDR at offset %d: rVariable dimension size %d", off, n)
		}
		f.rDims = append(f.rDims, int(n))
	}
	if c.short {
		return g, f.errorf("GDR at offset %d is too short for its %d dimensions", off, rNumDims)
	}
	return g, nil
}

// walk guards one pass over linked records against malformed files. A
// record reached twice means a loop; and as the records of a well-formed
// file never overlap, the records of one pass hold at most the file's
// bytes, which bounds the work a pass can do.
type walk struct {
	seen  map[int64]bool
	bytes int64
}

func newWalk() *walk { return &walk{seen: map[int64]bool{}} }

// visit notes that the record at off, of size bytes, is being read.
func (f *File) visit(w *walk, off, size int64, what string) error {
	if w.seen[off] {
		return f.errorf("%s at offset %d is linked twice (a loop in the file's lists)", what, off)
	}
	w.seen[off] = true
	if w.bytes += size; w.bytes > f.size {
		return f.errorf("%s at offset %d overlaps other records: the records read hold more than the file's %d bytes", what, off, f.size)
	}
	return nil
}

// readVDRs follows a list of variable descriptor records.
func (f *File) readVDRs(head int64, count int, z bool, seen *walk) ([]*Var, error) {
	kind, rt := "rVDR", int32(rtRVDR)
	if z {
		kind, rt = "zVDR", rtZVDR
	}
	var vars []*Var
	for off := head; off != 0; {
		if len(vars) >= count {
			return nil, f.errorf("%s list is longer than the GDR's count of %d", kind, count)
		}
		rec, _, err := f.record(off, kind, rt)
		if err != nil {
			return nil, err
		}
		if err := f.visit(seen, off, int64(len(rec)), kind); err != nil {
			return nil, err
		}
		v, next, err := f.parseVDR(rec, off, z)
		if err != nil {
			return nil, err
		}
		vars = append(vars, v)
		off = next
	}
	return vars, nil
}

func (f *File) parseVDR(rec []byte, off int64, z bool) (*Var, int64, error) {
	c := f.cursor(rec)
	v := &Var{f: f, Z: z, off: off}
	next := c.off()
	v.Type = DataType(c.i32())
	maxRec := c.i32()
	v.vxrHead = c.off()
	c.off() // VXRtail
	flags := c.i32()
	v.Sparse = Sparse(c.i32())
	c.skip(12) // rfuB, rfuC, rfuF
	if !f.v3 && f.version == 2 && f.release < 5 {
		c.skip(128) // CDF 2.0-2.4 VDRs have a longer reserved field
	}
	v.NumElems = int(c.i32())
	v.Num = int(c.i32())
	v.cprOff = c.off()
	c.i32() // BlockingFactor
	nameLen := 64
	if f.v3 {
		nameLen = 256
	}
	v.Name = cstring(c.bytes(nameLen))
	if c.short {
		return nil, 0, f.errorf("VDR at offset %d is too short", off)
	}
	what := fmt.Sprintf("variable %q (VDR at offset %d)", v.Name, off)
	if z {
		n := c.i32()
		if c.short || n < 0 || n > maxDims {
			return nil, 0, f.errorf("%s: %d dimensions", what, n)
		}
		for range n {
			s := c.i32()
			if s < 1 {
				return nil, 0, f.errorf("%s: dimension size %d", what, s)
			}
			v.Dims = append(v.Dims, int(s))
		}
	} else {
		v.Dims = slices.Clone(f.rDims)
	}
	for range v.Dims {
		v.DimVarys = append(v.DimVarys, c.i32() != 0)
	}
	if c.short {
		return nil, 0, f.errorf("%s is too short for its dimensions", what)
	}
	if v.NumElems < 1 {
		return nil, 0, f.errorf("%s: %d elements per value", what, v.NumElems)
	}
	if maxRec < -1 {
		return nil, 0, f.errorf("%s: last record number %d", what, maxRec)
	}
	v.RecVary = flags&1 != 0
	v.compressed = flags&4 != 0
	v.NumRecords = int(maxRec) + 1
	if !v.RecVary && v.NumRecords > 1 {
		v.NumRecords = 1
	}
	return v, next, nil
}

// readADRs follows the attribute list, attaching global attributes to f
// and variable attributes to the variables they name.
func (f *File) readADRs(head int64, count int, rv, zv []*Var, seen *walk) error {
	rByNum := map[int]*Var{}
	for _, v := range rv {
		rByNum[v.Num] = v
	}
	zByNum := map[int]*Var{}
	for _, v := range zv {
		zByNum[v.Num] = v
	}
	n := 0
	for off := head; off != 0; n++ {
		if n >= count {
			return f.errorf("ADR list is longer than the GDR's count of %d", count)
		}
		rec, _, err := f.record(off, "ADR", rtADR)
		if err != nil {
			return err
		}
		if err := f.visit(seen, off, int64(len(rec)), "ADR"); err != nil {
			return err
		}
		c := f.cursor(rec)
		next := c.off()
		grHead := c.off()
		scope := c.i32()
		c.skip(16) // Num, NgrEntries, MAXgrEntry, rfuA
		zHead := c.off()
		c.skip(12) // NzEntries, MAXzEntry, rfuE
		nameLen := 64
		if f.v3 {
			nameLen = 256
		}
		name := cstring(c.bytes(nameLen))
		if c.short {
			return f.errorf("ADR at offset %d is too short", off)
		}
		gr, err := f.readAEDRs(grHead, name, rtAgrED, seen)
		if err != nil {
			return err
		}
		zs, err := f.readAEDRs(zHead, name, rtAzED, seen)
		if err != nil {
			return err
		}
		switch scope {
		case 1, 3: // global, global assumed
			slices.SortStableFunc(gr, func(a, b entry) int { return a.num - b.num })
			a := namedAttr{name: name}
			for _, e := range gr {
				a.entries = append(a.entries, e.val)
			}
			f.attrs = append(f.attrs, a)
		case 2, 4: // variable, variable assumed
			for _, e := range gr {
				if v := rByNum[e.num]; v != nil {
					v.attrs = append(v.attrs, varAttr{name, e.val})
				}
			}
			for _, e := range zs {
				if v := zByNum[e.num]; v != nil {
					v.attrs = append(v.attrs, varAttr{name, e.val})
				}
			}
		default:
			return f.errorf("attribute %q (ADR at offset %d): scope %d", name, off, scope)
		}
		off = next
	}
	return nil
}

// entry is one attribute entry: its number (the variable number for a
// variable attribute) and value.
type entry struct {
	num int
	val Value
}

func (f *File) readAEDRs(head int64, attr string, rt int32, seen *walk) ([]entry, error) {
	var out []entry
	for off := head; off != 0; {
		what := fmt.Sprintf("attribute %q entry", attr)
		rec, _, err := f.record(off, what, rt)
		if err != nil {
			return nil, err
		}
		if err := f.visit(seen, off, int64(len(rec)), what); err != nil {
			return nil, err
		}
		c := f.cursor(rec)
		next := c.off()
		c.i32() // AttrNum
		t := DataType(c.i32())
		num := c.i32()
		nElems := c.i32()
		c.skip(20) // NumStrings (rfuA in CDF 2), rfuB..rfuE
		if c.short {
			return nil, f.errorf("%s at offset %d is too short", what, off)
		}
		if t.Size() == 0 {
			return nil, f.errorf("%s at offset %d: unknown %v", what, off, t)
		}
		if nElems < 0 || int64(nElems)*int64(t.Size()) > int64(len(c.rest())) {
			return nil, f.errorf("%s at offset %d: %d elements of %v do not fit its %d bytes", what, off, nElems, t, len(rec))
		}
		out = append(out, entry{int(num), decodeValue(t, c.bytes(int(nElems)*t.Size()), f.order)})
		off = next
	}
	return out, nil
}
