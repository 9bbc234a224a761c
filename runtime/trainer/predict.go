package trainer

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	mlrt "github.com/mlc-go/mlc/runtime"
)

type predictOptions struct {
	weights, csv, dir string
}

// PredictFlags lists the flags of `mlc predict`.
func PredictFlags() *flag.FlagSet {
	fs, _ := newPredictFlags(io.Discard)
	return fs
}

func newPredictFlags(stderr io.Writer) (*flag.FlagSet, *predictOptions) {
	var o predictOptions
	fs := flag.NewFlagSet("mlc predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.weights, "weights", "", "the `file` of trained weights: NAME.weights or NAME.safetensors (written by mlc train, or a safetensors file from PyTorch)")
	fs.StringVar(&o.csv, "csv", "", "the `file` of points: a column per input, found by its header name")
	fs.StringVar(&o.dir, "dir", ".", "the `directory` of the .ml file")
	return fs, &o
}

// Predict loads trained weights and writes the model's outputs at the points of a CSV file:
// a CSV with the inputs and the outputs, to stdout.
func Predict[T mlrt.Float](p Problem[T], args []string, stdout, stderr io.Writer) error {
	m := p.Model
	defer m.Close()
	fs, o := newPredictFlags(stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.weights == "" || o.csv == "" {
		return errors.New("predict needs -weights FILE and -csv FILE")
	}
	if err := loadWeights(o.weights, weightsName(p.Name, p.Fingerprint), m.Params(), p.Safetensors); err != nil {
		return err
	}
	cols, err := mlrt.ReadColumns(o.csv, p.Inputs, 0)
	if err != nil {
		return err
	}
	in := make([][]T, len(cols))
	for i, c := range cols {
		in[i] = mlrt.AppendAs[T](nil, c)
	}
	n := len(cols[0])
	dst := make([]T, n*len(p.Outputs))
	m.PredictColumns(dst, in)
	w := bufio.NewWriter(stdout)
	for i, name := range append(append([]string(nil), p.Inputs...), p.Outputs...) {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteString(name)
	}
	w.WriteByte('\n')
	var b []byte
	for r := range n {
		b = b[:0]
		for i := range cols {
			b = strconv.AppendFloat(b, cols[i][r], 'g', -1, 64)
			b = append(b, ',')
		}
		for k := range p.Outputs {
			if k > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, float64(dst[r*len(p.Outputs)+k]), 'g', -1, bitsOf[T]())
		}
		b = append(b, '\n')
		w.Write(b)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing the predictions: %w", err)
	}
	return nil
}

// bitsOf is 32 for float32, 64 for float64: how many bits a printed output has.
func bitsOf[T mlrt.Float]() int {
	var x T
	if _, ok := any(x).(float32); ok {
		return 32
	}
	return 64
}
