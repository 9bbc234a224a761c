package trainer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/safetensors"
)

// write saves the weights, summary.json and the plots into o.out, and lists them in s.Files.
func write[T mlrt.Float](p Problem[T], o *options, s *Summary, ev *evaluator[T]) error {
	var figures func() ([]string, error)
	if p.Figures != nil && !o.noPlots {
		figures = func() ([]string, error) { return p.Figures(o.out, result(p, s, ev)) }
	}
	return writeRun(o.out, p.Name, weightsName(p.Name, p.Fingerprint), p.Model.Params(), p.Safetensors, s, &s.Files, figures)
}

// writeRun writes a run's files into dir: NAME.weights, NAME.safetensors (when the model has
// a layout), the plots figures draws (when not nil) and summary.json (sum, once files lists
// them all).
func writeRun[T mlrt.Float](dir, name, saveAs string, params []T, layout *safetensors.Layout, sum any, files *[]string, figures func() ([]string, error)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	weights := filepath.Join(dir, strings.ToLower(name)+".weights")
	if err := mlrt.SaveWeights(weights, saveAs, params); err != nil {
		return err
	}
	*files = append(*files, weights)
	if layout != nil {
		tensors := filepath.Join(dir, strings.ToLower(name)+".safetensors")
		if err := saveTensors(tensors, params, layout, saveAs); err != nil {
			return err
		}
		*files = append(*files, tensors)
	}
	if figures != nil {
		pngs, err := figures()
		if err != nil {
			return err
		}
		*files = append(*files, pngs...)
	}
	path := filepath.Join(dir, "summary.json")
	*files = append(*files, path)
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Result is a finished run, for drawing it: the summary, each reference with the final
// prediction at its points, and a way to predict elsewhere.
type Result struct {
	Name            string
	Domain          [][2]float64 // as Problem.Domain
	Inputs, Outputs []string
	Summary         *Summary
	Fields          []FieldResult
	TrueParams      map[string]float64
	// Predict returns each output's values at the points cols (one column per input).
	Predict func(cols [][]float64) [][]float64
}

// FieldResult is an output's reference and the model's final values at its points.
type FieldResult struct {
	Name      string
	Output    int
	Cols      [][]float64
	Want, Got []float64
}

func result[T mlrt.Float](p Problem[T], s *Summary, ev *evaluator[T]) *Result {
	r := &Result{Name: p.Name, Inputs: p.Inputs, Outputs: p.Outputs, Summary: s, TrueParams: ev.params, Domain: p.Domain}
	for _, f := range ev.fields {
		fr := FieldResult{Name: f.name, Output: f.output, Want: f.want, Got: f.got}
		for _, c := range f.cols {
			col := make([]float64, len(c))
			for i, v := range c {
				col[i] = float64(v)
			}
			fr.Cols = append(fr.Cols, col)
		}
		r.Fields = append(r.Fields, fr)
	}
	r.Predict = func(cols [][]float64) [][]float64 {
		in := make([][]T, len(cols))
		for i, c := range cols {
			in[i] = mlrt.AppendAs[T](nil, c)
		}
		n := len(cols[0])
		dst := make([]T, n*len(p.Outputs))
		p.Model.PredictColumns(dst, in)
		out := make([][]float64, len(p.Outputs))
		for k := range out {
			out[k] = make([]float64, n)
			for i := range n {
				out[k][i] = float64(dst[i*len(p.Outputs)+k])
			}
		}
		return out
	}
	return r
}
