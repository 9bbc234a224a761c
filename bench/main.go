// Command bench measures mlc's generated code against the PyTorch references of
// ../shared/bench on the same machine, in the same run, and prints one table.
//
//	go run ./bench                 # from the project root: every workload, 3 rounds
//	go run ./bench -torch-all      # also time torch on the workloads mlc does not have yet
//	go run ./bench -only cancer/predict -rounds 5 -markdown -json /tmp/bench.json
//
// Our side is the Go benchmarks of ./tests, built once with go test -c and run with
// -test.cpu 1 (one core, as torch runs with --threads 1). The machine is noisy, so each
// workload group alternates: our benchmarks, the torch script, ours, torch … for -rounds
// rounds, and the table shows the median of each side. See bench/README.md.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/mlc-go/mlc/kernels"
)

type options struct {
	rounds    int
	only      string
	noTorch   bool
	torchAll  bool
	markdown  bool
	jsonFile  string
	torchDir  string
	python    string
	benchtime string
	procs     int
	peak32    float64
	peak64    float64
	verbose   bool
	waitIdle  time.Duration
	compile   bool
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 3, "alternating rounds (ours, torch) per workload group; the table shows medians")
	flag.StringVar(&o.only, "only", "", "run only workloads whose name matches this regexp (names: cancer/epoch, cancer/lossgrad, cancer/predict-100k, cancer/predict-row, pinn/adam-f32, pinn/adam-f64, pinn/lbfgs-eval, convae/train-batch, convae/predict)")
	flag.BoolVar(&o.noTorch, "no-torch", false, "do not run the PyTorch references")
	flag.BoolVar(&o.torchAll, "torch-all", false, "also run torch for the workloads mlc does not have yet (default: skip them to save time)")
	flag.BoolVar(&o.markdown, "markdown", false, "print the table as Markdown")
	flag.StringVar(&o.jsonFile, "json", "", "also write all figures (every round) to this JSON file")
	flag.StringVar(&o.torchDir, "torch-dir", "", "directory of the PyTorch reference scripts (default: ../shared/bench relative to the project root)")
	flag.StringVar(&o.python, "python", "/usr/bin/python3", "the Python that has Debian's torch")
	flag.StringVar(&o.benchtime, "benchtime", "1s", "-test.benchtime of each Go benchmark run")
	flag.IntVar(&o.procs, "cpu", 1, "GOMAXPROCS of our benchmarks (-test.cpu)")
	flag.IntVar(&torchThreads, "torch-threads", 1, "torch's --threads (1 is its fastest for most of these sizes; 2 for the Conv1D autoencoder)")
	flag.Float64Var(&o.peak32, "peak-f32", 0, "FMA peak of one core in float32 GFLOP/s (0: measure it here, kernels.PeakGFLOPs)")
	flag.Float64Var(&o.peak64, "peak-f64", 0, "FMA peak of one core in float64 GFLOP/s (0: measure it here)")
	flag.DurationVar(&o.waitIdle, "wait-idle", 0, "before each measurement wait up to this long for the machine to be idle (other processes < 0.3 cores); 0 = do not wait")
	flag.BoolVar(&o.verbose, "v", false, "print the output of every benchmark run to stderr")
	flag.BoolVar(&o.compile, "compile", false, "measure compile times instead: mlc build of each example, then go build of its package, cold and warm")
	flag.Parse()
	if o.rounds < 1 {
		fatalf("-rounds must be at least 1")
	}
	if o.compile {
		root, err := projectRoot()
		if err == nil {
			err = compileTimes(root, os.Stdout, o.markdown)
		}
		if err != nil {
			fatalf("%v", err)
		}
		return
	}
	if err := run(o); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+f+"\n", a...)
	os.Exit(1)
}

func logf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }

// row is one workload's measurements. Times are seconds per unit, rates units per second.
type row struct {
	w          *workload
	ours       []float64
	torch      []float64
	oursNote   string    // why there is no figure of ours
	torchNote  string    // why there is no torch figure
	torchExtra string    // a note from the torch side (e.g. which batch size)
	oursLoad   []float64 // cores other processes used during each of our runs
	torchLoad  []float64 // … during each torch run
}

func run(o options) error {
	var only *regexp.Regexp
	if o.only != "" {
		var err error
		if only, err = regexp.Compile(o.only); err != nil {
			return fmt.Errorf("-only: %v", err)
		}
	}
	root, err := projectRoot()
	if err != nil {
		return err
	}
	if o.torchDir == "" {
		o.torchDir = filepath.Join(root, "..", "shared", "bench")
	}
	if abs, err := filepath.Abs(o.torchDir); err == nil {
		o.torchDir = filepath.Clean(abs)
	}

	// the selected groups and workloads
	var gs []*group
	for _, g := range groups() {
		var ws []*workload
		for _, w := range g.workloads {
			if only == nil || only.MatchString(w.name) {
				ws = append(ws, w)
			}
		}
		if len(ws) > 0 {
			g.workloads = ws
			gs = append(gs, g)
		}
	}
	if len(gs) == 0 {
		return fmt.Errorf("-only %q matches no workload", o.only)
	}

	m := machine(root)
	m.rounds, m.benchtime, m.procs = o.rounds, o.benchtime, o.procs
	m.peak32, m.peak64, m.peakMeasured = o.peak32, o.peak64, o.peak32 == 0 || o.peak64 == 0
	if m.peakMeasured {
		// The peak of this machine's cores, measured before anything else runs.
		m.peak32, m.peak64 = kernels.PeakGFLOPs(32), kernels.PeakGFLOPs(64)
	}
	m.torchDir, m.python = o.torchDir, o.python
	m.waitIdle = o.waitIdle

	// the PyTorch side
	torchOK := false
	switch {
	case o.noTorch:
		m.torchStatus = "not run (-no-torch)"
	default:
		v, err := checkTorch(o.python, o.torchDir)
		if err != nil {
			m.torchStatus = "not available: " + err.Error() + " — mlc side only"
			logf("bench: PyTorch reference not available (%v); measuring mlc only", err)
		} else {
			torchOK = true
			m.torchStatus = fmt.Sprintf("torch %s, %s, --threads %d, tuned malloc (run_all.sh)", v, o.python, torchThreads)
		}
	}

	// our side
	tmp, err := os.MkdirTemp("", "mlc-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	logf("bench: building ./tests (go test -c) …")
	bin, err := buildTests(root, tmp)
	if err != nil {
		return err
	}
	pkgDir := filepath.Join(root, "tests")
	have, err := listBenchmarks(bin, pkgDir)
	if err != nil {
		return err
	}

	var rows []*row
	start := time.Now()
	for _, g := range gs {
		var ours []*row
		var names []string
		groupRows := make([]*row, len(g.workloads))
		for i, w := range g.workloads {
			r := &row{w: w}
			groupRows[i] = r
			rows = append(rows, r)
			if have[w.goBench] {
				ours = append(ours, r)
				names = append(names, w.goBench)
			} else {
				r.oursNote = "not yet in mlc"
			}
			if w.torchValue == nil {
				r.torchNote = "no torch counterpart"
			}
		}
		wantTorch := false
		for _, r := range groupRows {
			if r.w.torchValue != nil {
				wantTorch = true
			}
		}
		if wantTorch && len(ours) == 0 && !o.torchAll && torchOK {
			wantTorch = false
			for _, r := range groupRows {
				if r.torchNote == "" {
					r.torchNote = "skipped (-torch-all runs it)"
				}
			}
		}
		if wantTorch && !torchOK {
			wantTorch = false
			for _, r := range groupRows {
				if r.torchNote == "" {
					r.torchNote = "not run"
				}
			}
		}
		if len(ours) == 0 && !wantTorch {
			logf("bench: %s: not in mlc; torch skipped (-torch-all runs it)", g.name)
			continue
		}
		for round := 1; round <= o.rounds; round++ {
			if len(ours) > 0 {
				if o.waitIdle > 0 {
					waitIdle(o.waitIdle)
				}
				t0 := time.Now()
				res, out, foreign, err := runGo(bin, pkgDir, append([]string(nil), names...), o.benchtime, o.procs)
				if o.verbose || err != nil {
					logf("%s", strings.TrimSpace(out))
				}
				if err != nil {
					return fmt.Errorf("%s: %v", g.name, err)
				}
				var got []string
				for _, r := range ours {
					v, note := ourValue(r.w, res[r.w.goBench])
					if note != "" {
						r.oursNote = note
						continue
					}
					r.ours = append(r.ours, v)
					r.oursLoad = append(r.oursLoad, foreign)
					got = append(got, r.w.name+" "+format(r.w, v))
				}
				logf("round %d/%d %-13s mlc   %5.1fs  other load %4.2f cores  %s", round, o.rounds, g.name, time.Since(t0).Seconds(), foreign, strings.Join(got, ", "))
			}
			if wantTorch {
				if o.waitIdle > 0 {
					waitIdle(o.waitIdle)
				}
				t0 := time.Now()
				j, foreign, err := runTorch(o.python, o.torchDir, tmp, g)
				if err != nil {
					logf("bench: torch %s round %d: %v", g.name, round, err)
					for _, r := range groupRows {
						if r.w.torchValue != nil {
							r.torchNote = "torch run failed (see stderr)"
						}
					}
					continue
				}
				var got []string
				for _, r := range groupRows {
					if r.w.torchValue == nil {
						continue
					}
					v, extra, err := r.w.torchValue(j)
					if err != nil {
						r.torchNote = err.Error()
						continue
					}
					r.torch = append(r.torch, v)
					r.torchLoad = append(r.torchLoad, foreign)
					r.torchExtra = extra
					got = append(got, r.w.name+" "+format(r.w, v))
				}
				logf("round %d/%d %-13s torch %5.1fs  other load %4.2f cores  %s", round, o.rounds, g.name, time.Since(t0).Seconds(), foreign, strings.Join(got, ", "))
			}
		}
	}
	m.elapsed = time.Since(start)
	// a torch figure obtained in some rounds supersedes a failure note of another round
	for _, r := range rows {
		if len(r.torch) > 0 {
			r.torchNote = ""
		}
		if len(r.ours) > 0 {
			r.oursNote = ""
		}
	}

	var buf bytes.Buffer
	printHeader(&buf, m, o.markdown)
	printTable(&buf, m, rows, o.markdown)
	os.Stdout.Write(buf.Bytes())
	if o.jsonFile != "" {
		if err := writeJSON(o.jsonFile, m, rows); err != nil {
			return err
		}
	}
	return nil
}

// ourValue converts a Go benchmark metric to seconds per unit ("ns/…") or units per second.
func ourValue(w *workload, r *goResult) (float64, string) {
	if r == nil {
		return 0, "no benchmark result"
	}
	if r.problem != "" {
		return 0, r.problem
	}
	v, ok := r.metrics[w.goMetric]
	if !ok || v <= 0 {
		return 0, fmt.Sprintf("%s reported no %s", w.goBench, w.goMetric)
	}
	if strings.HasPrefix(w.goMetric, "ns/") {
		return v * 1e-9, ""
	}
	return v, ""
}

// projectRoot is the directory of the go.mod of github.com/mlc-go/mlc: the working
// directory or one above it.
func projectRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && regexp.MustCompile(`(?m)^module\s+github\.com/mlc-go/mlc\s*$`).Match(b) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("run from the mlc project root (no go.mod of github.com/mlc-go/mlc at or above %s)", dir)
		}
	}
}
