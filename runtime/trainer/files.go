package trainer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	mlrt "github.com/mlc-go/mlc/runtime"
)

// write saves the weights, summary.json and the plots into o.out, and lists them in s.Files.
func write[T mlrt.Float](p Problem[T], o *options, s *Summary, ev *evaluator[T]) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	weights := filepath.Join(o.out, strings.ToLower(p.Name)+".weights")
	if err := mlrt.SaveWeights(weights, p.Name, p.Model.Params()); err != nil {
		return err
	}
	s.Files = append(s.Files, weights)
	pngs, err := plotAll(p, o.out, s, ev)
	if err != nil {
		return err
	}
	s.Files = append(s.Files, pngs...)
	path := filepath.Join(o.out, "summary.json")
	s.Files = append(s.Files, path)
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

