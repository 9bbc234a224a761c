package main

// The results: the machine they were measured on, medians and spreads of the rounds, and
// the table (text or Markdown) and JSON written from them.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"
)

// machineInfo is what the header says about the run.
type machineInfo struct {
	date, goVersion, cpu, goamd64, goexperiment, load string
	cores                                             int
	rounds, procs                                     int
	benchtime                                         string
	peak32, peak64                                    float64 // one core's FMA peak, GFLOP/s
	peakMeasured                                      bool    // measured here (not given by flags)
	torchDir, python, torchStatus                     string
	elapsed, waitIdle                                 time.Duration
}

func machine(root string) *machineInfo {
	m := &machineInfo{date: time.Now().Format("2006-01-02 15:04 MST"), cores: runtime.NumCPU()}
	cmd := exec.Command("go", "version")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	} else {
		m.goVersion = runtime.Version()
	}
	cmd = exec.Command("go", "env", "GOAMD64", "GOEXPERIMENT")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		if f := strings.Split(string(out), "\n"); len(f) >= 2 {
			m.goamd64, m.goexperiment = f[0], f[1]
		}
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if m.cpu == "" {
		m.cpu = "unknown (" + runtime.GOARCH + ")"
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.load = strings.Join(f[:3], " ")
		}
	}
	return m
}

func printHeader(w io.Writer, m *machineInfo, md bool) {
	lines := []string{
		"date:   " + m.date,
		"go:     " + m.goVersion + fmt.Sprintf(" (GOAMD64=%s, GOEXPERIMENT=%s)", m.goamd64, orNone(m.goexperiment)),
		fmt.Sprintf("cpu:    %s, %d cores; load average at start %s", m.cpu, m.cores, m.load),
		fmt.Sprintf("mlc:    go test benchmarks of ./tests, -test.cpu %d, -test.benchtime %s", m.procs, m.benchtime),
		"torch:  " + m.torchStatus,
		fmt.Sprintf("method: %d alternating rounds per workload (mlc, torch, mlc, torch …), median of each side; %.0f s in all",
			m.rounds, m.elapsed.Seconds()),
		"ratio:  torch time / mlc time (or mlc rate / torch rate): > 1 means mlc is faster",
		fmt.Sprintf("peak:   FMA peak of one core %.0f GFLOP/s float32, %.0f float64 (%s); %% of peak divides by %d× that, the cores mlc used",
			m.peak32, m.peak64, map[bool]string{true: "measured here, kernels.PeakGFLOPs", false: "given by -peak-f32/-peak-f64"}[m.peakMeasured], m.procs),
	}
	if m.waitIdle > 0 {
		lines[5] += fmt.Sprintf("; waited up to %v for an idle machine before each run", m.waitIdle)
	}
	if md {
		for _, l := range lines {
			fmt.Fprintf(w, "    %s\n", l)
		}
		fmt.Fprintln(w)
		return
	}
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// medianOf returns the median of xs (0 if empty).
func medianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// spread is (max − min) / median: how much the rounds disagree.
func spread(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	return (hi - lo) / medianOf(xs)
}

// derived figures of a row
type figures struct {
	ours, torch, ratio, gflops, peakPct float64
	notes                               []string
}

func (r *row) figures(m *machineInfo) figures {
	f := figures{ours: medianOf(r.ours), torch: medianOf(r.torch)}
	if f.ours > 0 && f.torch > 0 {
		if r.w.kind == perTime {
			f.ratio = f.torch / f.ours
		} else {
			f.ratio = f.ours / f.torch
		}
	}
	if f.ours > 0 && r.w.flops > 0 {
		if r.w.kind == perTime {
			f.gflops = r.w.flops / f.ours / 1e9
		} else {
			f.gflops = r.w.flops * f.ours / 1e9
		}
		peak := m.peak32
		if r.w.f64 {
			peak = m.peak64
		}
		if peak > 0 && !r.w.effective {
			f.peakPct = 100 * f.gflops / (peak * float64(max(m.procs, 1)))
		}
		if r.w.effective {
			f.notes = append(f.notes, "GFLOP/s by the direct count: mlc computes three of its layers through the FFT")
		}
	}
	if r.oursNote != "" {
		f.notes = append(f.notes, "mlc: "+r.oursNote)
	}
	if r.torchNote != "" {
		f.notes = append(f.notes, "torch: "+r.torchNote)
	}
	if r.torchExtra != "" {
		f.notes = append(f.notes, r.torchExtra)
	}
	// a noisy round is worth knowing about when reading the ratio
	if s := spread(r.ours); s > 0.10 {
		f.notes = append(f.notes, fmt.Sprintf("mlc rounds spread %.0f%%", 100*s))
	}
	if s := spread(r.torch); s > 0.10 {
		f.notes = append(f.notes, fmt.Sprintf("torch rounds spread %.0f%%", 100*s))
	}
	// other processes busy on this 2-core machine while we measured
	if l := medianOf(r.oursLoad); l > 0.5 {
		f.notes = append(f.notes, fmt.Sprintf("other load %.1f cores during mlc", l))
	}
	if l := medianOf(r.torchLoad); l > 0.5 {
		f.notes = append(f.notes, fmt.Sprintf("other load %.1f cores during torch", l))
	}
	return f
}

// format shows a figure in its unit: times per unit with an SI prefix, rates per second.
func format(w *workload, v float64) string {
	if v <= 0 {
		return "—"
	}
	if w.kind == perSecond {
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%.3g M %s", v/1e6, w.unit)
		case v >= 1e3:
			return fmt.Sprintf("%.3g k %s", v/1e3, w.unit)
		}
		return fmt.Sprintf("%.3g %s", v, w.unit)
	}
	var s string
	switch {
	case v < 1e-6:
		s = fmt.Sprintf("%.3g ns", v*1e9)
	case v < 1e-3:
		s = fmt.Sprintf("%.3g µs", v*1e6)
	case v < 1:
		s = fmt.Sprintf("%.3g ms", v*1e3)
	default:
		s = fmt.Sprintf("%.3g s", v)
	}
	return s + "/" + w.unit
}

func printTable(w io.Writer, m *machineInfo, rows []*row, md bool) {
	head := []string{"workload", "mlc", "PyTorch", "ratio", "mlc GFLOP/s", "% of peak", "notes"}
	var cells [][]string
	for _, r := range rows {
		f := r.figures(m)
		ours, torch := format(r.w, f.ours), format(r.w, f.torch)
		if f.ours == 0 && r.oursNote != "" {
			ours = r.oursNote
		}
		if f.torch == 0 && r.torchNote != "" && len(r.torchNote) < 40 {
			torch = r.torchNote
		}
		ratio, gf, pk := "—", "—", "—"
		if f.ratio > 0 {
			ratio = fmt.Sprintf("%.2f×", f.ratio)
		}
		if f.gflops > 0 {
			gf = fmt.Sprintf("%.3g", f.gflops)
		}
		if f.peakPct > 0 {
			pk = fmt.Sprintf("%.2g%%", f.peakPct)
		}
		// notes without what the cells already say
		var notes []string
		for _, n := range f.notes {
			if !strings.HasSuffix(n, ": "+ours) && !strings.HasSuffix(n, ": "+torch) {
				notes = append(notes, n)
			}
		}
		cells = append(cells, []string{r.w.desc, ours, torch, ratio, gf, pk, strings.Join(notes, "; ")})
	}
	if md {
		fmt.Fprintf(w, "| %s |\n", strings.Join(head, " | "))
		fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(head)))
		for _, c := range cells {
			for i := range c {
				c[i] = strings.ReplaceAll(c[i], "|", `\|`)
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(c, " | "))
		}
		return
	}
	width := make([]int, len(head))
	for _, c := range append([][]string{head}, cells...) {
		for i, s := range c {
			width[i] = max(width[i], len([]rune(s)))
		}
	}
	line := func(c []string) {
		var b strings.Builder
		for i, s := range c {
			pad := width[i] - len([]rune(s))
			if i > 0 {
				b.WriteString("  ")
			}
			if i >= 1 && i <= 5 { // numbers right-aligned
				b.WriteString(strings.Repeat(" ", pad) + s)
			} else if i < len(c)-1 {
				b.WriteString(s + strings.Repeat(" ", pad))
			} else {
				b.WriteString(s)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(head)
	var rule []string
	for _, n := range width {
		rule = append(rule, strings.Repeat("-", n))
	}
	line(rule)
	for _, c := range cells {
		line(c)
	}
}

func writeJSON(file string, m *machineInfo, rows []*row) error {
	type side struct {
		Median  float64   `json:"median,omitempty"`
		Samples []float64 `json:"samples,omitempty"`
		Load    []float64 `json:"other_load_cores,omitempty"`
		Source  string    `json:"source,omitempty"`
		Note    string    `json:"note,omitempty"`
	}
	type jrow struct {
		Name       string   `json:"name"`
		Desc       string   `json:"description"`
		Figure     string   `json:"figure"`
		MLC        side     `json:"mlc"`
		Torch      side     `json:"torch"`
		Ratio      float64  `json:"ratio,omitempty"`
		FLOPs      float64  `json:"flops_per_unit,omitempty"`
		GFLOPs     float64  `json:"mlc_gflops,omitempty"`
		TorchGFLOP float64  `json:"torch_gflops,omitempty"`
		PeakPct    float64  `json:"mlc_percent_of_peak,omitempty"`
		Notes      []string `json:"notes,omitempty"`
	}
	var out struct {
		Date         string  `json:"date"`
		GoVersion    string  `json:"go_version"`
		GOAMD64      string  `json:"goamd64"`
		GOEXPERIMENT string  `json:"goexperiment"`
		CPU          string  `json:"cpu"`
		Cores        int     `json:"cores"`
		LoadAvg      string  `json:"loadavg_at_start"`
		Rounds       int     `json:"rounds"`
		Benchtime    string  `json:"benchtime"`
		GOMAXPROCS   int     `json:"gomaxprocs"`
		Torch        string  `json:"torch"`
		TorchDir     string  `json:"torch_dir"`
		PeakF32      float64 `json:"peak_gflops_f32"`
		PeakF64      float64 `json:"peak_gflops_f64"`
		Seconds      float64 `json:"seconds"`
		Rows         []jrow  `json:"rows"`
	}
	out.Date, out.GoVersion, out.GOAMD64, out.GOEXPERIMENT = m.date, m.goVersion, m.goamd64, m.goexperiment
	out.CPU, out.Cores, out.LoadAvg = m.cpu, m.cores, m.load
	out.Rounds, out.Benchtime, out.GOMAXPROCS = m.rounds, m.benchtime, m.procs
	out.Torch, out.TorchDir, out.PeakF32, out.PeakF64 = m.torchStatus, m.torchDir, m.peak32, m.peak64
	out.Seconds = m.elapsed.Seconds()
	for _, r := range rows {
		f := r.figures(m)
		fig := "seconds per " + r.w.unit
		if r.w.kind == perSecond {
			fig = r.w.unit
		}
		jr := jrow{Name: r.w.name, Desc: r.w.desc, Figure: fig, Ratio: f.ratio, FLOPs: r.w.flops,
			GFLOPs: f.gflops, PeakPct: f.peakPct, Notes: f.notes}
		jr.MLC = side{Median: f.ours, Samples: r.ours, Source: r.w.goBench + " " + r.w.goMetric, Note: r.oursNote, Load: r.oursLoad}
		src := ""
		for _, g := range groups() {
			for _, gw := range g.workloads {
				if gw.name == r.w.name && gw.torchValue != nil {
					src = strings.Join(torchCmd(m.python, m.torchDir, g, "F"), " ")
				}
			}
		}
		jr.Torch = side{Median: f.torch, Samples: r.torch, Source: src, Note: r.torchNote, Load: r.torchLoad}
		if f.torch > 0 && r.w.flops > 0 {
			if r.w.kind == perTime {
				jr.TorchGFLOP = r.w.flops / f.torch / 1e9
			} else {
				jr.TorchGFLOP = r.w.flops * f.torch / 1e9
			}
		}
		out.Rows = append(out.Rows, jr)
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}
