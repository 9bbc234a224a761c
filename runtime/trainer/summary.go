package trainer

import (
	"fmt"
	"io"
	"math"

	mlrt "github.com/mlc-go/mlc/runtime"
)

// evaluator measures the model against its references: the relative L2 error of each output
// with one, and each param's distance from its true value.
type evaluator[T mlrt.Float] struct {
	m       Model[T]
	outputs int
	fields  []fieldRef[T]
	params  map[string]float64 // true values
}

// fieldRef is an output's reference, with its points converted to T once.
type fieldRef[T mlrt.Float] struct {
	name   string
	output int
	cols   [][]T
	want   []float64
	dst    []T
	got    []float64 // the output's last prediction at the points
}

func newEvaluator[T mlrt.Float](p Problem[T], refs []mlrt.Reference) *evaluator[T] {
	ev := &evaluator[T]{m: p.Model, outputs: len(p.Outputs), params: map[string]float64{}}
	for _, r := range refs {
		if r.Output < 0 {
			ev.params[r.Name] = r.Value
			continue
		}
		f := fieldRef[T]{name: r.Name, output: r.Output, want: r.Want, got: make([]float64, len(r.Want))}
		for _, c := range r.Cols {
			f.cols = append(f.cols, mlrt.AppendAs[T](nil, c))
		}
		f.dst = make([]T, len(r.Want)*ev.outputs)
		ev.fields = append(ev.fields, f)
	}
	return ev
}

// relL2 predicts at every reference's points and returns the errors by output name.
func (ev *evaluator[T]) relL2() map[string]float64 {
	if len(ev.fields) == 0 {
		return nil
	}
	out := map[string]float64{}
	for i := range ev.fields {
		f := &ev.fields[i]
		ev.m.PredictColumns(f.dst, f.cols)
		var num, den float64
		for k, w := range f.want {
			g := float64(f.dst[k*ev.outputs+f.output])
			f.got[k] = g
			num += (g - w) * (g - w)
			den += w * w
		}
		if den == 0 {
			// A reference that is zero everywhere has no relative error: the root-mean-square
			// error is reported instead (as a relative one would be, against 1).
			den = float64(len(f.want))
		}
		out[f.name] = math.Sqrt(num / den)
	}
	return out
}

// coefficients returns the model's params by name (nil without any).
func coefficients(m any) map[string]float64 {
	c, ok := m.(mlrt.Coefficients)
	if !ok {
		return nil
	}
	out := map[string]float64{}
	for i, v := range c.Coefficients(nil) {
		out[c.CoefficientNames()[i]] = v
	}
	return out
}

// fillSummary sets s from the history and the model's final state.
func fillSummary[T mlrt.Float](s *Summary, p Problem[T], h *mlrt.FitHistory, ev *evaluator[T]) {
	m := p.Model
	s.TrainSeconds, s.FinalLoss = h.Seconds, h.FinalLoss
	s.Steps, s.Evaluations, s.Stops = h.Steps, h.Evaluations, h.Stops
	s.Terms = map[string]float64{}
	for i, n := range m.TermNames() {
		s.Terms[n] = m.Terms()[i]
	}
	if errs := ev.relL2(); len(errs) == 1 {
		for _, v := range errs {
			s.RelL2 = v
		}
	} else if len(errs) > 1 {
		s.RelL2 = errs
	}
	s.Params = coefficients(m)
	for name, want := range ev.params {
		if got, ok := s.Params[name]; ok {
			if s.ParamErrors == nil {
				s.ParamErrors = map[string]float64{}
			}
			e := math.Abs(got - want)
			if want != 0 { // else absolute: a zero true value has no relative error
				e /= math.Abs(want)
			}
			s.ParamErrors[name] = e
		}
	}
	names := m.TermNames()
	for _, r := range h.Records {
		rec := Record{Step: r.Step, Seconds: r.Seconds, Loss: r.Loss, Terms: map[string]float64{}}
		for i, n := range names {
			rec.Terms[n] = r.Terms[i]
		}
		if len(r.Coefficients) > 0 {
			rec.Params = map[string]float64{}
			for i, n := range h.CoefficientNames {
				rec.Params[n] = r.Coefficients[i]
			}
		}
		for k, v := range r.Extra {
			if len(k) > 7 && k[:7] == "rel_l2 " {
				if rec.RelL2 == nil {
					rec.RelL2 = map[string]float64{}
				}
				rec.RelL2[k[7:]] = v
			}
		}
		s.History = append(s.History, rec)
	}
}

// report prints the summary for a reader.
func report[T mlrt.Float](w io.Writer, p Problem[T], s *Summary) {
	fmt.Fprintf(w, "\n%s: %.1f s of training, %d steps, %d evaluations (%s)\n", p.Source, s.TrainSeconds, s.Steps, s.Evaluations, joinStops(s.Stops))
	switch e := s.RelL2.(type) {
	case float64:
		fmt.Fprintf(w, "  rel. L2 error against the reference: %.3e\n", e)
	case map[string]float64:
		for _, k := range p.Outputs { // in the model's order
			if v, ok := e[k]; ok {
				fmt.Fprintf(w, "  rel. L2 error of %s against the reference: %.3e\n", k, v)
			}
		}
	}
	for _, k := range sortedKeys(s.Params) {
		fmt.Fprintf(w, "  %s = %.6g", k, s.Params[k])
		if e, ok := s.ParamErrors[k]; ok {
			fmt.Fprintf(w, "  (%.3g %% from its reference)", 100*e)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  final loss %.4e:", s.FinalLoss)
	for _, k := range p.Model.TermNames() { // in the loss's order
		fmt.Fprintf(w, "  %s %.3e", k, s.Terms[k])
	}
	fmt.Fprintln(w)
	for _, f := range s.Files {
		fmt.Fprintf(w, "  wrote %s\n", f)
	}
}

func joinStops(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}
