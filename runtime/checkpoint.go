package runtime

// Weight files.
//
// A weight file is a one-line text header followed by the raw parameters:
//
//	mlc-weights v1 <model> <float32|float64> <count>\n
//	<count little-endian IEEE-754 values of that width>
//
// <model> is the model's name (no spaces); <count> is decimal. The header makes a file
// self-describing to `head -1`, and lets LoadWeights refuse weights of another model, another
// dtype or another size with a message that says which. Values are the flat Params() vector,
// in the generated package's order; nothing follows them.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unsafe"
)

const weightsMagic, weightsVersion = "mlc-weights", "v1"

// DTypeName is "float32" or "float64": the width decides, so named float types work too.
func DTypeName[T Float]() string {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return "float32"
	}
	return "float64"
}

// SaveWeights writes params to path for the model called model, in the format at the top of
// checkpoint.go: the line "mlc-weights v1 <model> <float32|float64> <count>" then the values,
// little-endian. The file is written next to
// path under a temporary name, synced, then renamed over path, so a crash leaves either the old
// file or the new one, never half of one.
func SaveWeights[T Float](path string, model string, params []T) error {
	if model == "" || strings.ContainsFunc(model, unicode.IsSpace) {
		return fmt.Errorf("save weights %s: model name %q must be non-empty and without spaces", path, model)
	}
	if err := writeAtomic(path, func(w io.Writer) error { return writeWeights(w, model, params) }); err != nil {
		return fmt.Errorf("save weights %s: %w", path, err)
	}
	return nil
}

// writeAtomic writes a file with write: next to path under a temporary name, synced, then
// renamed over path, so a crash leaves either the old file or the new one, never half of one.
func writeAtomic(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil { // CreateTemp makes 0600; weights are not secret
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename itself durable; not every platform can sync a directory, so a failure
	// here is not worth failing a save that has already landed.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// writeWeights writes the header and the values through a small buffer.
func writeWeights[T Float](w io.Writer, model string, params []T) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	fmt.Fprintf(bw, "%s %s %s %s %d\n", weightsMagic, weightsVersion, model, DTypeName[T](), len(params))
	var b [8]byte
	wide := DTypeName[T]() == "float64"
	for _, p := range params {
		if wide {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(float64(p)))
			bw.Write(b[:8])
		} else {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(p)))
			bw.Write(b[:4])
		}
	}
	return bw.Flush() // bufio keeps the first write error
}

// LoadWeights reads path into params, after checking that the file is for the model called
// model, in T's dtype, with len(params) values. params is left untouched on any error.
func LoadWeights[T Float](path string, model string, params []T) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := readWeights(bufio.NewReader(f), model, params); err != nil {
		return fmt.Errorf("load weights %s: %w", path, err)
	}
	return nil
}

func readWeights[T Float](r *bufio.Reader, model string, params []T) error {
	const maxHeader = 1024
	head, err := r.Peek(maxHeader)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	nl := bytes.IndexByte(head, '\n')
	if nl < 0 || !bytes.HasPrefix(head, []byte(weightsMagic+" ")) {
		return fmt.Errorf("not an mlc weight file: expected a first line \"%s %s <model> <dtype> <count>\"", weightsMagic, weightsVersion)
	}
	fields := strings.Fields(string(head[:nl]))
	r.Discard(nl + 1)
	if len(fields) != 5 {
		return fmt.Errorf("malformed header %q: expected \"%s %s <model> <dtype> <count>\"", head[:nl], weightsMagic, weightsVersion)
	}
	if fields[1] != weightsVersion {
		return fmt.Errorf("format version %s, this program reads %s", fields[1], weightsVersion)
	}
	if fields[2] != model {
		return fmt.Errorf("weights are for model %s, not %s", fields[2], model)
	}
	if want := DTypeName[T](); fields[3] != want {
		return fmt.Errorf("weights are %s, this model is %s", fields[3], want)
	}
	n, err := strconv.Atoi(fields[4])
	if err != nil || n < 0 {
		return fmt.Errorf("malformed header: count %q is not a number of weights", fields[4])
	}
	if n != len(params) {
		return fmt.Errorf("file has %d weights, model %s has %d", n, model, len(params))
	}
	size := 8
	if fields[3] == "float32" {
		size = 4
	}
	buf := make([]byte, n*size)
	if got, err := io.ReadFull(r, buf); err != nil {
		return fmt.Errorf("truncated: expected %d bytes of weights, found %d", len(buf), got)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return fmt.Errorf("unexpected data after the %d weights", n)
	}
	for i := range params {
		if size == 8 {
			params[i] = T(math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:])))
		} else {
			params[i] = T(math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:])))
		}
	}
	return nil
}
