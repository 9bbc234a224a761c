package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// buildTests compiles ./tests into a test binary in dir.
func buildTests(root, dir string) (string, error) {
	bin := filepath.Join(dir, "tests.test")
	cmd := exec.Command("go", "test", "-c", "-o", bin, "./tests")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go test -c ./tests: %v\n%s", err, out)
	}
	return bin, nil
}

// listBenchmarks returns the benchmark names the test binary has.
func listBenchmarks(bin, pkgDir string) (map[string]bool, error) {
	cmd := exec.Command(bin, "-test.list", "^Benchmark")
	cmd.Dir = pkgDir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s -test.list: %v", bin, err)
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "Benchmark") {
			have[l] = true
		}
	}
	return have, nil
}

// goResult is one benchmark's metrics ("ns/op", "ns/epoch", "rows/s" …), or why it has none.
type goResult struct {
	metrics map[string]float64
	problem string // "skipped: …", "failed", "no result"
}

var cpuSuffix = regexp.MustCompile(`-\d+$`)

// runGo runs the named benchmarks in one process of the test binary. The binary runs in the
// package directory, as go test does (the benchmarks read ../examples/… relative to it).
func runGo(bin, pkgDir string, names []string, benchtime string, procs int) (map[string]*goResult, string, float64, error) {
	for i, n := range names {
		names[i] = regexp.QuoteMeta(n)
	}
	args := []string{"-test.run", "^$", "-test.bench", "^(" + strings.Join(names, "|") + ")$",
		"-test.benchtime", benchtime, "-test.cpu", strconv.Itoa(procs)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = pkgDir
	var out []byte
	var err error
	foreign := foreignLoad(cmd, func() { out, err = cmd.CombinedOutput() })
	res := parseBench(out)
	if err != nil && len(res) == 0 {
		return nil, string(out), 0, fmt.Errorf("benchmark run failed: %v", err)
	}
	return res, string(out), foreign, nil
}

// parseBench reads `go test -bench` output:
//
//	BenchmarkCancerEpoch   51   21246337 ns/op   1062314 ns/epoch
//	--- SKIP: BenchmarkX
//	    bench_test.go:17: no cancer data …
func parseBench(out []byte) map[string]*goResult {
	res := map[string]*goResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	var last *goResult
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case len(f) >= 4 && strings.HasPrefix(f[0], "Benchmark"):
			if _, err := strconv.Atoi(f[1]); err != nil {
				continue
			}
			r := &goResult{metrics: map[string]float64{}}
			for i := 2; i+1 < len(f); i += 2 {
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					r.metrics[f[i+1]] = v
				}
			}
			res[cpuSuffix.ReplaceAllString(f[0], "")] = r
			last = nil
		case len(f) >= 3 && (f[0] == "---") && (f[1] == "SKIP:" || f[1] == "FAIL:"):
			name := cpuSuffix.ReplaceAllString(f[2], "")
			if _, ok := res[name]; ok && f[1] == "SKIP:" {
				continue
			}
			last = &goResult{problem: strings.ToLower(strings.TrimSuffix(f[1], ":"))}
			res[name] = last
		case last != nil && strings.HasPrefix(line, "    ") && !strings.Contains(last.problem, ":"):
			last.problem += ": " + strings.TrimSpace(line)
		default:
			last = nil
		}
	}
	return res
}

// torchEnv is run_all.sh's tuned malloc: keep torch's temporaries mapped (page faults are
// very expensive on these VMs; without it torch is 2–4× slower).
var torchEnv = []string{
	"MALLOC_MMAP_THRESHOLD_=4294967296",
	"MALLOC_TRIM_THRESHOLD_=68719476736",
	"MALLOC_TOP_PAD_=268435456",
}

// torchThreads is torch's --threads (the -torch-threads flag).
var torchThreads = 1

// torchCmd is the command line of a group's torch run (for the record).
func torchCmd(python, dir string, g *group, jsonFile string) []string {
	c := []string{python, filepath.Join(dir, g.script)}
	c = append(c, g.args...)
	return append(c, "--threads", strconv.Itoa(torchThreads), "--no-wait-idle", "--json", jsonFile)
}

// runTorch runs one torch script and returns its JSON and the foreign load meanwhile.
func runTorch(python, dir, tmp string, g *group) (map[string]any, float64, error) {
	jf := filepath.Join(tmp, g.name+".json")
	os.Remove(jf)
	c := torchCmd(python, dir, g, jf)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c[0], c[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), torchEnv...)
	var out []byte
	var err error
	foreign := foreignLoad(cmd, func() { out, err = cmd.CombinedOutput() })
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %v\n%s", strings.Join(c, " "), err, tail(string(out), 1500))
	}
	b, err := os.ReadFile(jf)
	if err != nil {
		return nil, 0, fmt.Errorf("%s wrote no JSON: %v", g.script, err)
	}
	var j map[string]any
	if err := json.Unmarshal(b, &j); err != nil {
		// Python writes NaN for missing figures, which is not JSON
		b = bytes.ReplaceAll(b, []byte("NaN"), []byte("null"))
		if err2 := json.Unmarshal(b, &j); err2 != nil {
			return nil, 0, fmt.Errorf("%s: bad JSON: %v", g.script, err)
		}
	}
	return j, foreign, nil
}

// checkTorch says why the PyTorch side cannot run, or returns torch's version.
func checkTorch(python, dir string) (string, error) {
	if _, err := os.Stat(python); err != nil {
		return "", fmt.Errorf("no %s", python)
	}
	for _, s := range []string{"torch_cancer.py", "torch_burgers.py", "torch_conv_ae.py", "benchutil.py"} {
		if _, err := os.Stat(filepath.Join(dir, s)); err != nil {
			return "", fmt.Errorf("no PyTorch reference scripts: %v", err)
		}
	}
	cmd := exec.Command(python, "-c", "import torch, numpy, scipy, sklearn; print(torch.__version__)")
	cmd.Env = append(os.Environ(), torchEnv...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s cannot import torch/numpy/scipy/sklearn: %s", python, tail(strings.TrimSpace(string(out)), 300))
	}
	return strings.TrimSpace(string(out)), nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// foreignLoad runs cmd (by calling run) and returns how many cores other processes kept
// busy meanwhile: machine-wide busy time from /proc/stat minus the child's CPU time, over
// the wall time. This machine is shared; a figure near 1 means our core was contended.
// -1 when unknown.
func foreignLoad(cmd *exec.Cmd, run func()) float64 {
	b0, ok0 := busySeconds()
	t0 := time.Now()
	run()
	wall := time.Since(t0).Seconds()
	b1, ok1 := busySeconds()
	if !ok0 || !ok1 || cmd.ProcessState == nil || wall <= 0 {
		return -1
	}
	child := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return max(0, (b1-b0-child)/wall)
}

// busySeconds is the machine's busy CPU time (all cores) from the first line of /proc/stat.
func busySeconds() (float64, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, false
	}
	var v []float64
	for _, s := range f[1:min(len(f), 9)] { // user nice system idle iowait irq softirq steal
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, false
		}
		v = append(v, x)
	}
	total, idle := 0.0, v[3]
	for _, x := range v {
		total += x
	}
	if len(v) > 4 {
		idle += v[4]
	}
	return (total - idle) / clockTicks, true
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

// waitIdle waits, at most max, until other processes keep less than 0.3 cores busy over a
// one-second window (or until it cannot read the load).
func waitIdle(max time.Duration) {
	end := time.Now().Add(max)
	for {
		b0, ok0 := busySeconds()
		t0 := time.Now()
		time.Sleep(time.Second)
		b1, ok1 := busySeconds()
		if !ok0 || !ok1 {
			return
		}
		load := (b1 - b0) / time.Since(t0).Seconds()
		if load < 0.3 || time.Now().After(end) {
			return
		}
	}
}
