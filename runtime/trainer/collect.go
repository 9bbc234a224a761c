package trainer

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// A sweep directory (mlc sweep) holds runs.tsv — one line per run: its id, seed, settings
// (NAME=VALUE separated by spaces) and the program that runs it — and a directory run-ID per
// run, where the run writes summary.json when it is done.

// SweepRun is one run of a sweep.
type SweepRun struct {
	ID       string
	Seed     uint64
	Settings [][2]string // NAME, VALUE in the order of -set
	Program  string
}

// ReadRuns reads dir/runs.tsv.
func ReadRuns(dir string) ([]SweepRun, error) {
	f, err := os.Open(filepath.Join(dir, "runs.tsv"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a sweep directory: %w", dir, err)
	}
	defer f.Close()
	var runs []SweepRun
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 4 {
			return nil, fmt.Errorf("%s:%d: expected 4 tab-separated fields, found %d", f.Name(), line, len(fields))
		}
		seed, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: seed %q", f.Name(), line, fields[1])
		}
		r := SweepRun{ID: fields[0], Seed: seed, Program: fields[3]}
		for _, kv := range strings.Fields(fields[2]) {
			k, v, _ := strings.Cut(kv, "=")
			r.Settings = append(r.Settings, [2]string{k, v})
		}
		runs = append(runs, r)
	}
	return runs, sc.Err()
}

// WriteRuns writes dir/runs.tsv.
func WriteRuns(dir string, runs []SweepRun) error {
	var b strings.Builder
	for _, r := range runs {
		var kv []string
		for _, s := range r.Settings {
			kv = append(kv, s[0]+"="+s[1])
		}
		fmt.Fprintf(&b, "%s\t%d\t%s\t%s\n", r.ID, r.Seed, strings.Join(kv, " "), r.Program)
	}
	return os.WriteFile(filepath.Join(dir, "runs.tsv"), []byte(b.String()), 0o644)
}

// Done reports whether run r of the sweep in dir has finished: its summary.json exists.
func Done(dir string, r SweepRun) bool {
	_, err := os.Stat(filepath.Join(dir, "run-"+r.ID, "summary.json"))
	return err == nil
}

// SweepTable is a sweep's results: a row per finished run.
type SweepTable struct {
	Settings []string // the names of the settings
	Metrics  []string // error and loss columns: rel_l2 (or rel_l2 u, …), test_… and val_… of a mini-batch model, final_loss, params
	Rows     []SweepRow
	Best     int // index of the best row: the lowest error, else test loss, else validation loss, else loss
	Missing  []string
}

// SweepRow is one run's settings and results.
type SweepRow struct {
	Run      SweepRun
	Values   map[string]float64 // by metric
	Seconds  float64
	Quality  float64 // what Best minimises
	Settings map[string]string
}

// Collect reads the finished runs of the sweep in dir.
func Collect(dir string) (*SweepTable, error) {
	runs, err := ReadRuns(dir)
	if err != nil {
		return nil, err
	}
	t := &SweepTable{Best: -1}
	metrics := map[string]bool{}
	for i, r := range runs {
		if i == 0 {
			for _, s := range r.Settings {
				t.Settings = append(t.Settings, s[0])
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, "run-"+r.ID, "summary.json"))
		if errors.Is(err, os.ErrNotExist) {
			t.Missing = append(t.Missing, r.ID)
			continue
		}
		if err != nil {
			return nil, err
		}
		var s struct {
			RelL2        json.RawMessage    `json:"rel_l2"`
			FinalLoss    float64            `json:"final_loss"`
			TestLoss     *float64           `json:"test_loss"`
			TestMetrics  map[string]float64 `json:"test_metrics"`
			ValLoss      *float64           `json:"val_loss"`
			ValMetrics   map[string]float64 `json:"val_metrics"`
			TrainSeconds float64            `json:"train_seconds"`
			Params       map[string]float64 `json:"params"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("run-%s/summary.json: %w", r.ID, err)
		}
		row := SweepRow{Run: r, Values: map[string]float64{"final_loss": s.FinalLoss}, Seconds: s.TrainSeconds, Quality: math.Inf(1), Settings: map[string]string{}}
		for _, kv := range r.Settings {
			row.Settings[kv[0]] = kv[1]
		}
		var one float64
		var many map[string]float64
		switch {
		case json.Unmarshal(s.RelL2, &one) == nil:
			row.Values["rel_l2"], row.Quality = one, one
		case json.Unmarshal(s.RelL2, &many) == nil:
			row.Quality = 0
			for k, v := range many {
				row.Values["rel_l2 "+k] = v
				row.Quality = math.Max(row.Quality, v)
			}
		case s.TestLoss != nil:
			row.Quality = *s.TestLoss
		case s.ValLoss != nil:
			row.Quality = *s.ValLoss
		default:
			row.Quality = s.FinalLoss
		}
		// A mini-batch model's held-out figures: what a sweep over its settings is judged by.
		if s.TestLoss != nil {
			row.Values["test_loss"] = *s.TestLoss
		}
		for k, v := range s.TestMetrics {
			row.Values["test_"+k] = v
		}
		if s.ValLoss != nil {
			row.Values["val_loss"] = *s.ValLoss
		}
		for k, v := range s.ValMetrics {
			row.Values["val_"+k] = v
		}
		for k, v := range s.Params {
			row.Values[k] = v
		}
		for k := range row.Values {
			metrics[k] = true
		}
		t.Rows = append(t.Rows, row)
		if t.Best < 0 || row.Quality < t.Rows[t.Best].Quality {
			t.Best = len(t.Rows) - 1
		}
	}
	for k := range metrics {
		t.Metrics = append(t.Metrics, k)
	}
	sort.Slice(t.Metrics, func(i, j int) bool { // errors first, then held-out figures, the loss, params
		rank := func(s string) int {
			switch {
			case strings.HasPrefix(s, "rel_l2"):
				return 0
			case strings.HasPrefix(s, "test_"):
				return 1
			case strings.HasPrefix(s, "val_"):
				return 2
			case s == "final_loss":
				return 3
			}
			return 4
		}
		a, b := t.Metrics[i], t.Metrics[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		return a < b
	})
	return t, nil
}

// WriteCSV writes the table as CSV: run, the settings, seed, the metrics, train_seconds.
func (t *SweepTable) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := append(append(append([]string{"run"}, t.Settings...), "seed"), t.Metrics...)
	cw.Write(append(head, "train_seconds"))
	for _, r := range t.Rows {
		rec := []string{r.Run.ID}
		for _, s := range t.Settings {
			rec = append(rec, r.Settings[s])
		}
		rec = append(rec, strconv.FormatUint(r.Run.Seed, 10))
		for _, m := range t.Metrics {
			v, ok := r.Values[m]
			if !ok {
				rec = append(rec, "")
				continue
			}
			rec = append(rec, strconv.FormatFloat(v, 'g', -1, 64))
		}
		cw.Write(append(rec, strconv.FormatFloat(r.Seconds, 'f', 1, 64)))
	}
	cw.Flush()
	return cw.Error()
}

// WriteMarkdown writes the table as Markdown, the best run marked.
func (t *SweepTable) WriteMarkdown(w io.Writer) {
	head := append(append(append([]string{"run"}, t.Settings...), "seed"), t.Metrics...)
	head = append(head, "training time")
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for i, r := range t.Rows {
		id := r.Run.ID
		if i == t.Best {
			id += " (best)"
		}
		cells := []string{id}
		for _, s := range t.Settings {
			cells = append(cells, r.Settings[s])
		}
		cells = append(cells, strconv.FormatUint(r.Run.Seed, 10))
		for _, m := range t.Metrics {
			if v, ok := r.Values[m]; ok {
				cells = append(cells, fmt.Sprintf("%.3g", v))
			} else {
				cells = append(cells, "")
			}
		}
		cells = append(cells, fmt.Sprintf("%.1f s", r.Seconds))
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

// CollectRuns writes the table of the sweep in dir (table.csv, table.md and, when figure is
// not nil, sweep.png) and prints it with the best run named.
func CollectRuns(dir string, figure func(path string, t *SweepTable) error, stdout io.Writer) error {
	t, err := Collect(dir)
	if err != nil {
		return err
	}
	if len(t.Rows) == 0 {
		return fmt.Errorf("%s: no run has finished yet", dir)
	}
	f, err := os.Create(filepath.Join(dir, "table.csv"))
	if err != nil {
		return err
	}
	if err := t.WriteCSV(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	var md strings.Builder
	t.WriteMarkdown(&md)
	if err := os.WriteFile(filepath.Join(dir, "table.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	files := []string{filepath.Join(dir, "table.csv"), filepath.Join(dir, "table.md")}
	if figure != nil && len(t.Settings) > 0 {
		png := filepath.Join(dir, "sweep.png")
		if err := figure(png, t); err != nil {
			return err
		}
		files = append(files, png)
	}
	fmt.Fprint(stdout, md.String())
	best := t.Rows[t.Best]
	fmt.Fprintf(stdout, "\nbest: run %s (seed %d", best.Run.ID, best.Run.Seed)
	for _, s := range best.Run.Settings {
		fmt.Fprintf(stdout, ", %s = %s", s[0], s[1])
	}
	fmt.Fprintf(stdout, "), %.3g\n", best.Quality)
	if len(t.Missing) > 0 {
		fmt.Fprintf(stdout, "not finished: run %s\n", strings.Join(t.Missing, ", run "))
	}
	for _, f := range files {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	return nil
}
