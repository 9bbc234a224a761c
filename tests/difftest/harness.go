package difftest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mlc-go/mlc/codegen"
	"github.com/mlc-go/mlc/ir"
)

// Case is one generated model on its way through the compiler, the driver and the judge.
type Case struct {
	Index int
	Pkg   string // m<index>, the package in the round's module
	M     *Model
	IR    *ir.Model // codegen.Check's model, for the interpreter
	Req   ModelRequest
	Res   *ModelResult
	// Refusal is codegen.Check's message (position removed) when it refused a model with a
	// construct outside the language; such a refusal is an answer, not a finding.
	Refusal  string
	Findings []Finding
	tol      tolerances
}

// Finding is one disagreement: which check, and what differed.
type Finding struct {
	Check  string
	Detail string
}

func (c *Case) fail(check, format string, args ...any) {
	c.Findings = append(c.Findings, Finding{check, fmt.Sprintf(format, args...)})
}

// Config is one round's settings.
type Config struct {
	Seed    uint64
	Round   int
	Models  int     // models per round
	Outside float64 // probability of a construct outside the language
	Root    string  // the repository root (the module the round's go.mod replaces)
	GoBin   string
	Dir     string // an empty directory for the round's module
	// DType is the element type the models are built with: float64 (the default) or
	// float32, whatever their source says.
	DType string
	// KnownBugs: generate the constructs of knownBugs too.
	KnownBugs bool
}

const module = "example.com/difftest"

// RunRound generates cfg.Models models, compiles them with mlc, builds them and a driver
// in one module with one go build, runs the driver and judges every model. An error is a
// failure of the harness itself (the module does not build for a reason no model explains).
func RunRound(cfg Config) ([]*Case, error) {
	var models []*Model
	for i := 0; i < cfg.Models; i++ {
		models = append(models, Generate(cfg.Seed, cfg.Round*cfg.Models+i, GenOptions{Outside: cfg.Outside, KnownBugs: cfg.KnownBugs, DType: cfg.DType}))
	}
	return RunModels(cfg, models)
}

// RunModels runs the given models as one round (cfg.Models is not used).
func RunModels(cfg Config, models []*Model) ([]*Case, error) {
	var cases, built []*Case
	for i, m := range models {
		c := &Case{Index: i, Pkg: fmt.Sprintf("m%d", i), M: m, tol: tol64}
		dtype := cfg.DType
		if m.BuildDType != "" {
			dtype = m.BuildDType
		}
		if dtype == "float32" {
			c.tol = tol32
		}
		cases = append(cases, c)
		if c.compile(cfg.Dir, dtype) {
			c.Req = makeRequest(c.M, rand.New(rand.NewPCG(cfg.Seed^0x5eed, uint64(cfg.Round*len(models)+i))), dtype == "float32")
			built = append(built, c)
		}
	}
	if err := writeFile(filepath.Join(cfg.Dir, "go.mod"), "module "+module+"\n\ngo 1.26\n\nrequire github.com/mlc-go/mlc v0.0.0\n\nreplace github.com/mlc-go/mlc => "+cfg.Root+"\n"); err != nil {
		return nil, err
	}
	sum, err := os.ReadFile(filepath.Join(cfg.Root, "go.sum"))
	if err != nil {
		return nil, err
	}
	if err := writeFile(filepath.Join(cfg.Dir, "go.sum"), string(sum)); err != nil {
		return nil, err
	}
	built, err = build(cfg, built)
	if err != nil {
		return cases, err
	}
	if err := runDriver(cfg, built); err != nil {
		return cases, err
	}
	for _, c := range built {
		if c.Res != nil {
			judge(c)
		}
	}
	return cases, nil
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

// errPos is how every mlc error must start: the file name, a line and a column.
var errPos = regexp.MustCompile(`^([A-Za-z0-9_]+\.ml):(\d+):(\d+): `)

// compile checks and generates c's model into dir/<pkg>. A refusal of a model the
// generator believes valid, a refusal without a position, or an Emit failure is a finding.
// It reports whether the package was written.
func (c *Case) compile(dir, dtype string) bool {
	file := c.M.Name + ".ml"
	m, err := check(c.M)
	if err != nil && strings.HasPrefix(err.Error(), "panic: ") {
		c.fail("Check panicked", "%v", err)
		return false
	}
	if err != nil {
		msg := err.Error()
		sm := errPos.FindStringSubmatch(msg)
		line, _ := strconv.Atoi(safeIndex(sm, 2))
		col, _ := strconv.Atoi(safeIndex(sm, 3))
		switch {
		case sm == nil || sm[1] != file || line < 1 || col < 1:
			c.fail("refusal without a file:line:col position", "%s", msg)
		case c.M.Outside == "":
			c.fail("refused a valid model", "%s", msg)
		case c.M.RefuseAt != "" && line != c.M.refuseLine():
			c.fail("refused at the wrong line", "want line %d (%q), got %s", c.M.refuseLine(), c.M.RefuseAt, msg)
		default:
			c.Refusal = reason(msg[len(sm[0]):])
		}
		return false
	}
	c.IR = m
	if c.M.MustRefuse {
		c.fail("accepted a construct it must refuse", "%s: no error", c.M.Outside)
		return false
	}
	c.checkLayout()
	out, asm, err := generate(c.M, c.Pkg, dtype, c.Index%2 == 1)
	if err != nil {
		c.fail("Generate failed after Check passed", "%v", err)
		return false
	}
	for name, src := range map[string][]byte{"model.go": out, "model_amd64.go": asm.Go, "model_amd64.s": asm.Asm} {
		if len(src) == 0 {
			continue
		}
		if err := writeFile(filepath.Join(dir, c.Pkg, name), string(src)); err != nil {
			c.fail("write", "%v", err)
			return false
		}
	}
	if err := writeFile(filepath.Join(dir, c.Pkg, file), c.M.Source); err != nil {
		c.fail("write", "%v", err)
		return false
	}
	return true
}

// check is codegen.Check with a panic turned into an error that says so.
func check(m *Model) (im *ir.Model, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return codegen.Check(m.Name+".ml", []byte(m.Source))
}

// generate is codegen.GenerateAll with the dtype forced (float64 when dtype is empty), a
// panic turned into an error. With fft, Predict and Loss compute every stride-1 conv1d
// layer through the FFT (the models' layers are too small for the cost model to choose it).
func generate(m *Model, pkg, dtype string, fft bool) (out []byte, asm codegen.AsmFiles, err error) {
	if dtype == "" {
		dtype = "float64"
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	conv := "never"
	if fft {
		conv = "always"
	}
	return codegen.GenerateAll(m.Name+".ml", []byte(m.Source), codegen.Options{Package: pkg, DType: dtype, ConvFFT: conv})
}

func safeIndex(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// reason is a refusal message with its numbers and names masked, so that refusals can be
// counted by kind.
func reason(msg string) string {
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return number.ReplaceAllString(place.ReplaceAllString(msg, "L:C"), "N")
}

var (
	place  = regexp.MustCompile(`\d+:\d+`)
	number = regexp.MustCompile(`\b\d+\b`)
)

// checkLayout compares the parameters mlc made with the layout the README documents and
// the reference assumes: per layer a kernel [out, in] (conv: [filters, kernel·channels])
// then a bias, one after another.
func (c *Case) checkLayout() {
	var got, want []string
	for _, p := range c.IR.Params {
		name := p.Name
		if strings.HasPrefix(name, "weight_") && c.M.Balance {
			name = "weight_" // a term's weight: its name is the term's, which the layout does not fix
		}
		got = append(got, fmt.Sprintf("%s%v@%d", name, p.Shape, p.Offset))
	}
	for _, p := range c.M.Params {
		want = append(want, fmt.Sprintf("%s%v@%d", p.Name, p.Shape, p.Offset))
	}
	if !slices.Equal(got, want) {
		c.fail("parameter layout", "mlc: %v\ndocumented: %v", got, want)
	}
}

// buildErr finds the packages a go build error names.
var buildErr = regexp.MustCompile(`(?m)^(?:\./)?(m\d+)/`)

// build writes the driver and runs go build; packages that do not compile are findings
// and are dropped, and the build is retried without them.
func build(cfg Config, cases []*Case) ([]*Case, error) {
	for attempt := 0; attempt < 4; attempt++ {
		if err := writeFile(filepath.Join(cfg.Dir, "main.go"), driverSource(module, cases)); err != nil {
			return nil, err
		}
		out, err := goCmd(cfg, 10*time.Minute, "build", "-o", "driver", ".")
		if err == nil {
			return cases, nil
		}
		bad := map[string]bool{}
		for _, m := range buildErr.FindAllStringSubmatch(out, -1) {
			bad[m[1]] = true
		}
		if len(bad) == 0 {
			return nil, fmt.Errorf("go build: %v\n%s", err, out)
		}
		var keep []*Case
		for _, c := range cases {
			if bad[c.Pkg] {
				c.fail("generated code does not compile", "%s", firstLines(out, c.Pkg+"/", 8))
				continue
			}
			keep = append(keep, c)
		}
		cases = keep
	}
	return nil, errors.New("go build keeps failing")
}

// firstLines is up to n lines of out that mention prefix.
func firstLines(out, prefix string, n int) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, prefix) && len(keep) < n {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func goCmd(cfg Config, timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cfg.GoBin, args...)
	cmd.Dir = cfg.Dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// runDriver runs the driver on every built case. A crash (a panic in a worker goroutine,
// a fault) is charged to the model that was running, and the driver is started again
// for the models after it.
func runDriver(cfg Config, cases []*Case) error {
	req := Request{}
	byIndex := map[int]*Case{}
	for _, c := range cases {
		for len(req.Models) <= c.Index {
			req.Models = append(req.Models, ModelRequest{})
		}
		req.Models[c.Index] = c.Req
		byIndex[c.Index] = c
	}
	data, err := json.Marshal(req)
	if err != nil {
		return err
	}
	reqPath := filepath.Join(cfg.Dir, "request.json")
	if err := os.WriteFile(reqPath, data, 0o644); err != nil {
		return err
	}
	todo := make([]int, 0, len(cases))
	for _, c := range cases {
		todo = append(todo, c.Index)
	}
	for len(todo) > 0 {
		var list []string
		for _, i := range todo {
			list = append(list, strconv.Itoa(i))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, filepath.Join(cfg.Dir, "driver"), reqPath, strings.Join(list, ","))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runErr := cmd.Run()
		cancel()
		done := map[int]bool{}
		sc := bufio.NewScanner(&stdout)
		sc.Buffer(nil, 1<<28)
		for sc.Scan() {
			var res ModelResult
			if err := json.Unmarshal(sc.Bytes(), &res); err != nil {
				return fmt.Errorf("driver output: %v", err)
			}
			if c := byIndex[res.Index]; c != nil {
				c.Res = &res
				done[res.Index] = true
			}
		}
		var rest []int
		for _, i := range todo {
			if !done[i] {
				rest = append(rest, i)
			}
		}
		if runErr == nil || len(rest) == 0 {
			return nil
		}
		crashed := byIndex[rest[0]]
		crashed.fail("driver crashed", "%v\n%s", runErr, tail(stderr.String(), 12))
		todo = rest[1:]
	}
	return nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var keep []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "start ") {
			keep = append(keep, l)
		}
	}
	if len(keep) > n {
		keep = keep[:n]
	}
	return strings.Join(keep, "\n")
}

// makeRequest draws the parameters and data of c's calls. Kernels are Glorot-uniform and
// biases small but not zero, so every term of every derivative matters.
// With f32 every value is rounded to float32, so that the float32 build and the float64
// judges see the same data.
func makeRequest(m *Model, r *rand.Rand, f32 bool) ModelRequest {
	u := func(lo, hi float64) float64 {
		v := lo + (hi-lo)*r.Float64()
		if f32 {
			v = float64(float32(v))
		}
		return v
	}
	req := ModelRequest{NumInputs: m.NumInputs(), NumOutputs: m.OutputSize(), Chunks: []int{0, 1, 3}}
	for _, p := range m.Params {
		if p.Weight {
			req.Params = append(req.Params, u(0.5, 2)) // a loss term's weight
			continue
		}
		if c := p.Coef; c != nil {
			// A coefficient's stored value: log(c) for a positive one, c between 0.05 and 2.
			if c.Positive {
				req.Params = append(req.Params, u(math.Log(0.05), math.Log(2)))
			} else {
				req.Params = append(req.Params, u(-1, 1))
			}
			continue
		}
		if strings.HasSuffix(p.Name, "_b") || len(p.Shape) == 1 { // a bias, or a factorized kernel's log-scales
			for i := 0; i < p.Size(); i++ {
				req.Params = append(req.Params, u(-0.2, 0.2))
			}
			continue
		}
		a := math.Sqrt(6 / float64(p.Shape[0]+p.Shape[1]))
		for i := 0; i < p.Size(); i++ {
			req.Params = append(req.Params, u(-a, a))
		}
	}
	if m.Points {
		col := func(n int) []float64 {
			c := make([]float64, n)
			for i := range c {
				c[i] = u(-1, 1)
			}
			return c
		}
		for range m.Inputs {
			req.PredictCols = append(req.PredictCols, col(2*m.Batch+1))
		}
		sets := func(lo, hi int) PointEval {
			var e PointEval
			for _, s := range m.Sets {
				n := lo + r.IntN(hi-lo+1)
				var cols [][]float64
				for range len(m.Inputs) + len(s.Known) {
					cols = append(cols, col(n))
				}
				e.Sets = append(e.Sets, cols)
			}
			return e
		}
		small := sets(1, max(1, m.Batch/len(m.Sets)))
		large := sets(m.Batch/2+1, 3*m.Batch)
		dup := PointEval{}
		for _, s := range large.Sets {
			var cols [][]float64
			for _, c := range s {
				cols = append(cols, append(slices.Clone(c), c...))
			}
			dup.Sets = append(dup.Sets, cols)
		}
		req.PointEvals = []PointEval{small, large, dup}
		return req
	}
	b := m.Batch
	rows := b + 5
	ni, nt := m.NumInputs(), m.NumTargets()
	x := make([]float64, rows*ni)
	for i := range x {
		x[i] = u(-1.5, 1.5)
	}
	y := make([]float64, rows*nt)
	off := 0
	for _, t := range m.Targets {
		binary, hard := m.Binary[t.Name], r.IntN(2) == 0
		classes := m.Labels[t.Name]
		for row := 0; row < rows; row++ {
			for f := 0; f < t.Size(); f++ {
				v := u(-1, 1)
				switch {
				case classes > 0:
					v = float64(r.IntN(classes))
				case binary && hard:
					v = float64(r.IntN(2))
				case binary:
					v = u(0, 1)
				}
				y[row*nt+off+f] = v
			}
		}
		off += t.Size()
	}
	req.PredictX, req.PredictN = x, rows
	eval := func(lo, hi int) BatchEval {
		return BatchEval{X: x[lo*ni : hi*ni], Y: y[lo*nt : hi*nt], N: hi - lo}
	}
	req.Evals = []BatchEval{eval(0, min(b, 3)), eval(0, b)}
	if b >= 64 {
		req.Evals = append(req.Evals, eval(0, b/2), eval(b/2, b))
	}
	return req
}
