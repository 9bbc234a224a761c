package cdf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrFormat is wrapped by every error about a malformed or truncated file.
var ErrFormat = errors.New("cdf: malformed file")

// ErrUnsupported is wrapped by every error about a valid CDF feature this
// reader refuses (VAX floats, Huffman compression, multi-file CDFs, ...).
var ErrUnsupported = errors.New("cdf: unsupported feature")

// ErrNotFound is wrapped by the error of File.Variable for a missing name.
var ErrNotFound = errors.New("cdf: not found")

// cdfError carries the full message and the kind (ErrFormat or
// ErrUnsupported) for errors.Is.
type cdfError struct {
	msg  string
	kind error
}

func (e *cdfError) Error() string { return e.msg }
func (e *cdfError) Unwrap() error { return e.kind }

// errorf reports a malformed file; the message starts "cdf: NAME: ".
func (f *File) errorf(format string, args ...any) error {
	return &cdfError{f.prefix() + fmt.Sprintf(format, args...), ErrFormat}
}

// unsupported reports a valid feature that this reader does not handle.
func (f *File) unsupported(format string, args ...any) error {
	return &cdfError{f.prefix() + fmt.Sprintf(format, args...), ErrUnsupported}
}

func (f *File) prefix() string {
	if f.name == "" {
		return "cdf: "
	}
	return "cdf: " + f.name + ": "
}

// Record header sizes: the size field is 8 bytes in CDF 3 and 4 bytes in
// CDF 2, followed by the 4-byte record type.
func (f *File) hdrLen() int {
	if f.v3 {
		return 12
	}
	return 8
}

// offLen is the width of a file offset: 8 bytes in CDF 3, 4 in CDF 2.
func (f *File) offLen() int {
	if f.v3 {
		return 8
	}
	return 4
}

// header reads the size and type of the internal record at off and checks
// that the record lies inside the file.
func (f *File) header(off int64, what string) (size int64, typ int32, err error) {
	if off < 8 || off >= f.size {
		return 0, 0, f.errorf("%s at offset %d beyond the file's %d bytes", what, off, f.size)
	}
	var b [12]byte
	h := b[:f.hdrLen()]
	if _, err := f.r.ReadAt(h, off); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, 0, f.errorf("%s at offset %d: file truncated (%d bytes)", what, off, f.size)
		}
		return 0, 0, fmt.Errorf("%s%s at offset %d: %w", f.prefix(), what, off, err)
	}
	if f.v3 {
		size = int64(binary.BigEndian.Uint64(h))
		typ = int32(binary.BigEndian.Uint32(h[8:]))
	} else {
		size = int64(binary.BigEndian.Uint32(h))
		typ = int32(binary.BigEndian.Uint32(h[4:]))
	}
	if size < int64(len(h)) || size > f.size-off {
		return 0, 0, f.errorf("%s at offset %d: record size %d does not fit the file's %d bytes", what, off, size, f.size)
	}
	return size, typ, nil
}

// record reads the whole internal record at off, checking that its type is
// one of want. The returned bytes start with the record header.
func (f *File) record(off int64, what string, want ...int32) ([]byte, int32, error) {
	size, typ, err := f.header(off, what)
	if err != nil {
		return nil, 0, err
	}
	if !has(want, typ) {
		return nil, 0, f.errorf("%s at offset %d: record type %d, want %v", what, off, typ, want)
	}
	b := make([]byte, size)
	if _, err := f.r.ReadAt(b, off); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, 0, f.errorf("%s at offset %d: file truncated (%d bytes)", what, off, f.size)
		}
		return nil, 0, fmt.Errorf("%s%s at offset %d: %w", f.prefix(), what, off, err)
	}
	return b, typ, nil
}

func has(list []int32, x int32) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// cursor reads big-endian fields from an internal record. Reading past the
// end sets short and yields zeros, so a parser checks once at the end.
type cursor struct {
	b     []byte
	p     int
	wide  bool // offsets are 8 bytes (CDF 3)
	short bool
}

func (f *File) cursor(rec []byte) *cursor {
	return &cursor{b: rec, p: f.hdrLen(), wide: f.v3}
}

func (c *cursor) i32() int32 {
	if c.p > len(c.b)-4 {
		c.short = true
		return 0
	}
	v := int32(binary.BigEndian.Uint32(c.b[c.p:]))
	c.p += 4
	return v
}

func (c *cursor) i64() int64 {
	if c.p > len(c.b)-8 {
		c.short = true
		return 0
	}
	v := int64(binary.BigEndian.Uint64(c.b[c.p:]))
	c.p += 8
	return v
}

// off reads a file offset (or a size stored in an offset-wide field).
func (c *cursor) off() int64 {
	if c.wide {
		return c.i64()
	}
	return int64(c.i32())
}

// bytes returns the next n bytes (nil and short if there are fewer).
func (c *cursor) bytes(n int) []byte {
	if n < 0 || n > len(c.b)-c.p {
		c.short = true
		return nil
	}
	v := c.b[c.p : c.p+n]
	c.p += n
	return v
}

func (c *cursor) skip(n int) { c.bytes(n) }

// rest returns the bytes after the cursor.
func (c *cursor) rest() []byte { return c.b[c.p:] }

// cstring returns b up to its first NUL.
func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
