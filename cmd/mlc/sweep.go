package main

// mlc sweep: the runs of a model over settings × seeds, on this machine.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mlc-go/mlc/codegen"
	"github.com/mlc-go/mlc/runtime/trainer"
)

const sweepUsage = `Usage: mlc sweep [-set 'NAME=V1,V2 NAME=V3,V4'] [-seeds 1-4] [-out DIR] [-on local|slurm] [train flags] model.ml
       mlc sweep collect DIR

Runs model.ml for every combination of the settings (each NAME a const of the .ml file) and
every seed, as mlc train does, each run writing its weights, summary.json and plots into
DIR/run-NNN/. The program is built once per distinct setting (sizes change the code). The
runs run on this machine, -jobs at a time, or with -on slurm as one Slurm job array (sbatch),
whose nodes must see DIR, the .ml file's directory and mlc's cache (MLC_CACHE).
Re-running the same sweep runs only the runs without a summary. Then it writes the table of
all runs: DIR/table.csv, DIR/table.md and DIR/sweep.png (the error against each setting,
one curve per seed), with the best run named. mlc sweep collect DIR writes it again.

Flags:
`

// runSweep is `mlc sweep`.
func runSweep(args []string, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == "collect" {
		return collectSweep(args[1], stdout, stderr)
	}
	fs := trainer.Flags()
	fs.SetOutput(stderr)
	set := fs.String("set", "", "the settings: NAME=V1,V2,... separated by spaces, each NAME a const of the .ml file")
	seeds := fs.String("seeds", "1", "the seeds: a list (1,2,5) or a range (1-8)")
	jobs := fs.Int("jobs", 1, "how many runs at once on this machine (each uses both workers of its model)")
	on := fs.String("on", "local", "where the runs run: local (this machine) or slurm (a job array, submitted with sbatch)")
	var sb sbatchOptions
	fs.StringVar(&sb.time, "sbatch-time", "1:00:00", "-on slurm: each run's time limit (sbatch --time)")
	fs.StringVar(&sb.mem, "sbatch-mem", "2G", "-on slurm: each run's memory (sbatch --mem)")
	fs.IntVar(&sb.max, "sbatch-max", 4, "-on slurm: how many runs at once (the array's %K)")
	fs.IntVar(&sb.cpus, "sbatch-cpus", 2, "-on slurm: each run's CPUs (a model's passes use two workers)")
	fs.StringVar(&sb.partition, "sbatch-partition", "", "-on slurm: the partition (default: the cluster's)")
	dtype := fs.String("dtype", "", "override the model's dtype: float32 or float64")
	fs.Usage = func() {
		fmt.Fprint(stderr, sweepUsage)
		fs.PrintDefaults()
	}
	var path string
	var rest []string
	for _, a := range args {
		if strings.HasSuffix(a, ".ml") && !strings.HasPrefix(a, "-") && path == "" {
			path = a
			continue
		}
		rest = append(rest, a)
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if path == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "mlc sweep: expected one .ml file")
		fs.Usage()
		return 2
	}
	// The flags each run gets: the trainer's, less those the sweep sets per run.
	pass := setFlags(fs, "set", "seeds", "jobs", "dtype", "out", "seed", "json", "quiet", "dir", "on",
		"sbatch-time", "sbatch-mem", "sbatch-max", "sbatch-partition", "sbatch-cpus")
	if f := fs.Lookup("nofiles"); f.Value.String() == "true" {
		fmt.Fprintln(stderr, "mlc sweep: -nofiles: every run writes its summary.json, which the table and resuming read (-noplots leaves out the plots)")
		return 2
	}
	if *on != "local" && *on != "slurm" {
		fmt.Fprintf(stderr, "mlc sweep: -on %s: expected local or slurm\n", *on)
		return 2
	}
	if *on == "slurm" {
		if _, err := exec.LookPath("sbatch"); err != nil {
			fmt.Fprintln(stderr, "mlc sweep -on slurm: sbatch is not on PATH: Slurm is not installed here (or not set up for this shell)")
			return 1
		}
	}
	if f := fs.Lookup("seed"); f.Value.String() != f.DefValue {
		fmt.Fprintln(stderr, "mlc sweep: -seed is per run: give -seeds")
		return 2
	}
	settings, err := parseSettings(*set)
	var seedList []uint64
	if err == nil {
		seedList, err = parseSeeds(*seeds)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mlc sweep: %v\n", err)
		return 2
	}
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "mlc: %v\n", err)
		return 1
	}
	out := fs.Lookup("out").Value.String()
	mlDir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		fmt.Fprintf(stderr, "mlc: %v\n", err)
		return 1
	}
	var runs []trainer.SweepRun
	for _, combo := range product(settings) {
		consts := map[string]float64{}
		for _, kv := range combo {
			v, _ := strconv.ParseFloat(kv[1], 64)
			consts[kv[0]] = v
		}
		m, err := codegen.CheckWith(path, src, codegen.Options{Consts: consts, DType: *dtype})
		if err != nil {
			report(stderr, err)
			return 1
		}
		if out == "" {
			out = filepath.Join(filepath.Dir(path), strings.ToLower(m.Name)+"-sweep")
		}
		if msg := trainable(m); msg != "" {
			fmt.Fprintln(stderr, msg)
			return 1
		}
		if msg := missingFiles(m, path); msg != "" {
			fmt.Fprintln(stderr, msg)
			return 1
		}
		code, asm, err := codegen.EmitAll(m, codegen.Options{Package: "model", DType: *dtype}) // lowered once, by CheckWith
		if err != nil {
			report(stderr, err)
			return 1
		}
		bin, err := driver(m, path, code, asm, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "mlc sweep: %v\n", err)
			return 1
		}
		for _, seed := range seedList {
			runs = append(runs, trainer.SweepRun{ID: fmt.Sprintf("%03d", len(runs)+1), Seed: seed, Settings: combo, Program: bin})
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintf(stderr, "mlc: %v\n", err)
		return 1
	}
	if old, err := trainer.ReadRuns(out); err == nil && !sameRuns(old, runs) {
		fmt.Fprintf(stderr, "mlc sweep: %s holds another sweep (its runs.tsv differs); give another -out\n", out)
		return 1
	}
	if err := trainer.WriteRuns(out, runs); err != nil {
		fmt.Fprintf(stderr, "mlc: %v\n", err)
		return 1
	}
	var todo []trainer.SweepRun
	for _, r := range runs {
		if !trainer.Done(out, r) {
			todo = append(todo, r)
		}
	}
	if *on == "slurm" {
		fmt.Fprintf(stderr, "mlc sweep: %d runs (%d settings × %d seeds), %d to run on Slurm, %d at a time, into %s\n",
			len(runs), len(runs)/len(seedList), len(seedList), len(todo), sb.max, out)
		if len(todo) > 0 {
			if err := runSlurm(todo, runs, out, mlDir, pass, sb, stderr); err != nil {
				fmt.Fprintf(stderr, "mlc sweep -on slurm: %v\n", err)
				return 1
			}
		}
		var failed []string
		for _, r := range todo {
			if !trainer.Done(out, r) {
				failed = append(failed, r.ID)
			}
		}
		if len(failed) > 0 {
			fmt.Fprintf(stderr, "mlc sweep: run %s did not finish (their slurm-*.txt and log.txt say why); re-run the same command to retry them\n", strings.Join(failed, ", run "))
			return 1
		}
		return collectSweep(out, stdout, stderr)
	}
	fmt.Fprintf(stderr, "mlc sweep: %d runs (%d settings × %d seeds), %d to run, %d at a time, into %s\n",
		len(runs), len(runs)/len(seedList), len(seedList), len(todo), *jobs, out)
	if failed := runLocal(todo, out, mlDir, pass, max(1, *jobs), stderr); failed > 0 {
		fmt.Fprintf(stderr, "mlc sweep: %d runs failed (their log.txt says why); re-run the same command to retry them\n", failed)
		return 1
	}
	return collectSweep(out, stdout, stderr)
}

// runLocal runs the runs, jobs at a time, each writing into out/run-ID; it returns how many
// failed.
func runLocal(runs []trainer.SweepRun, out, mlDir string, pass []string, jobs int, stderr io.Writer) int {
	var mu sync.Mutex
	failed := 0
	next := make(chan trainer.SweepRun)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				err := runOne(r, out, mlDir, pass)
				mu.Lock()
				if err != nil {
					failed++
					fmt.Fprintf(stderr, "  run %s: %v\n", r.ID, err)
				} else {
					fmt.Fprintf(stderr, "  run %s done\n", r.ID)
				}
				mu.Unlock()
			}
		}()
	}
	for _, r := range runs {
		next <- r
	}
	close(next)
	wg.Wait()
	return failed
}

// runArgs are the program's arguments for run r: its seed and directory, then pass.
func runArgs(r trainer.SweepRun, out, mlDir string, pass []string) []string {
	return append([]string{"-dir", mlDir, "-seed", strconv.FormatUint(r.Seed, 10), "-out", filepath.Join(out, "run-"+r.ID), "-quiet"}, pass...)
}

// runOne runs one run, its output into out/run-ID/log.txt.
func runOne(r trainer.SweepRun, out, mlDir string, pass []string) error {
	dir := filepath.Join(out, "run-"+r.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(dir, "log.txt"))
	if err != nil {
		return err
	}
	defer log.Close()
	c := exec.Command(r.Program, runArgs(r, out, mlDir, pass)...)
	c.Stdout, c.Stderr = log, log
	return c.Run()
}

// collectSweep writes the table of the sweep in dir, with the program of its first run
// (which links the plots).
func collectSweep(dir string, stdout, stderr io.Writer) int {
	runs, err := trainer.ReadRuns(dir)
	if err == nil && len(runs) == 0 {
		err = fmt.Errorf("%s: no runs", dir)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mlc sweep collect: %v\n", err)
		return 1
	}
	c := exec.Command(runs[0].Program, "collect", dir)
	c.Stdout, c.Stderr = stdout, stderr
	if err := c.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintf(stderr, "mlc sweep collect: %v\n", err)
		return 1
	}
	return 0
}

// parseSettings reads -set 'a=1,2 b=3': each name with its values, in order.
func parseSettings(s string) ([]setting, error) {
	var out []setting
	seen := map[string]bool{}
	for _, part := range strings.Fields(s) {
		name, vals, ok := strings.Cut(part, "=")
		if !ok || name == "" || vals == "" {
			return nil, fmt.Errorf("-set: %q is not of the form NAME=V1,V2", part)
		}
		if seen[name] {
			return nil, fmt.Errorf("-set: %s given twice", name)
		}
		seen[name] = true
		st := setting{name: name}
		for _, v := range strings.Split(vals, ",") {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return nil, fmt.Errorf("-set: %s=%s: %q is not a number", name, vals, v)
			}
			st.values = append(st.values, v)
		}
		out = append(out, st)
	}
	return out, nil
}

type setting struct {
	name   string
	values []string
}

// product is every combination of the settings' values, the last setting varying fastest.
func product(settings []setting) [][][2]string {
	combos := [][][2]string{nil}
	for _, s := range settings {
		var next [][][2]string
		for _, c := range combos {
			for _, v := range s.values {
				next = append(next, append(append([][2]string(nil), c...), [2]string{s.name, v}))
			}
		}
		combos = next
	}
	return combos
}

// parseSeeds reads -seeds: 1-8, or 1,3,5.
func parseSeeds(s string) ([]uint64, error) {
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := strconv.ParseUint(lo, 10, 64)
		b, err2 := strconv.ParseUint(hi, 10, 64)
		if err1 != nil || err2 != nil || b < a || b-a > 10000 {
			return nil, fmt.Errorf("-seeds %s: expected a range such as 1-8", s)
		}
		var out []uint64
		for v := a; v <= b; v++ {
			out = append(out, v)
		}
		return out, nil
	}
	var out []uint64
	seen := map[uint64]bool{}
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("-seeds %s: expected seeds such as 1,2,5 or 1-8", s)
		}
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// sameRuns reports whether two sweeps have the same runs (ids, seeds and settings); their
// programs may have been rebuilt.
func sameRuns(a, b []trainer.SweepRun) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Seed != b[i].Seed || fmt.Sprint(a[i].Settings) != fmt.Sprint(b[i].Settings) {
			return false
		}
	}
	return true
}
