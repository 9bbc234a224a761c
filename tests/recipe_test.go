package tests

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// The README's recipes for using mlc from a module of one's own, run command for command
// in fresh temporary modules. github.com/mlc-go/mlc is not published, so the user's
// go.mod reaches it through a replace directive pointing at this checkout, as README
// says. The test runs offline: GOPROXY=off (every module comes from the module cache,
// which `go mod download` in this repository fills) and GOSUMDB=off (the checksum
// database cannot be asked; go.sum is still written from the cache). GOFLAGS is cleared
// so that the go command's defaults (-mod=readonly) apply, as for a user, and
// GOTOOLCHAIN=local keeps go from looking for another toolchain.

const recipeModel = `# A tiny dense classifier: a loss on a target, trainable by LossGrad.
model Tiny
dtype float64
input  x[2]
dense  8, tanh
dense  1, sigmoid -> p
target y[1]
loss   binary_crossentropy(p, y)
`

// recipeMain runs one LossGrad after Init, takes a gradient step and prints the loss
// before, the gradient's norm and the loss after.
const recipeMain = `package main

import (
	"fmt"
	"math"

	"example.com/user/tiny"
	mlrt "github.com/mlc-go/mlc/runtime"
)

func main() {
	m := tiny.New()
	defer m.Close()
	m.Init(mlrt.NewRNG(1))
	const n = 4
	x := []tiny.T{0.1, 0.2, 1.5, -1.2, -0.3, 0.4, 2, 2}
	y := []tiny.T{1, 0, 1, 0}
	pred := make([]tiny.T, n*tiny.NumOutputs)
	before := m.LossGrad(x, y, n, nil, pred)
	p, g := m.Params(), m.Grads()
	norm := 0.0
	for i := range p {
		norm += float64(g[i] * g[i])
		p[i] -= 0.1 * g[i]
	}
	after := m.Loss(x, y, n, pred)
	fmt.Println(before, math.Sqrt(norm), after)
}
`

// recipe is a fresh module in a temporary directory and the environment to run go in.
type recipe struct {
	t     *testing.T
	goBin string
	root  string // this checkout
	dir   string // the user's module
	env   []string
}

func newRecipe(t *testing.T) *recipe {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the README's recipes with go in fresh modules: skipped in -short mode")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: cannot run the README's recipes")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local")
	return &recipe{t: t, goBin: goBin, root: root, dir: t.TempDir(), env: env}
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

func (r *recipe) write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// run runs a command line in dir (the user's module when dir is "").
func (r *recipe) run(dir string, extraEnv []string, name string, args ...string) string {
	r.t.Helper()
	if dir == "" {
		dir = r.dir
	}
	if name == "go" {
		name = r.goBin
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), r.env...), extraEnv...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("%s %s (in %s): %v\n%s", filepath.Base(name), strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

func (r *recipe) goCmd(args ...string) string {
	r.t.Helper()
	return r.run("", nil, "go", args...)
}

// start makes the user's module: go mod init and the replace directive.
func (r *recipe) start() {
	r.t.Helper()
	r.goCmd("mod", "init", "example.com/user")
	r.goCmd("mod", "edit", "-replace", "github.com/mlc-go/mlc="+r.root)
}

// generateAndTrain runs go generate, go build and go vet on the user's package, and the
// program, which must show a positive finite loss, a nonzero gradient and a lower loss
// after one step against it.
func (r *recipe) generateAndTrain(extraEnv []string) {
	r.t.Helper()
	r.run("", extraEnv, "go", "generate", "./...")
	if _, err := os.Stat(filepath.Join(r.dir, "tiny", "tiny.go")); err != nil {
		r.t.Fatalf("go generate wrote no tiny/tiny.go: %v", err)
	}
	r.goCmd("build", "./...")
	r.goCmd("vet", "./...")
	r.checkTrains()
}

func (r *recipe) checkTrains() {
	r.t.Helper()
	prog := filepath.Join(r.dir, "prog"+exeSuffix())
	r.goCmd("build", "-o", prog, ".")
	out := r.run("", nil, prog)
	f := strings.Fields(out)
	if len(f) != 3 {
		r.t.Fatalf("unexpected output %q", out)
	}
	var v [3]float64
	for i, s := range f {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			r.t.Fatalf("unexpected output %q: %v", out, err)
		}
		v[i] = x
	}
	before, norm, after := v[0], v[1], v[2]
	r.t.Logf("loss %.6f, |grad| %.6f, after one step %.6f", before, norm, after)
	if !(before > 0) || math.IsInf(before, 0) || !(norm > 0) || math.IsInf(norm, 0) || !(after < before) {
		r.t.Errorf("the generated model does not train: loss %v, |grad| %v, after one step %v", before, norm, after)
	}
}

// checkTidy runs go mod tidy and checks go.mod still has what the module needs.
func (r *recipe) checkTidy(want ...string) {
	r.t.Helper()
	r.goCmd("mod", "tidy")
	mod, err := os.ReadFile(filepath.Join(r.dir, "go.mod"))
	if err != nil {
		r.t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(string(mod), w) {
			r.t.Errorf("go mod tidy left no %q in go.mod:\n%s", w, mod)
		}
	}
}

// TestRecipeGoTool: the tool directive (Go 1.24+). go get -tool records
// `tool github.com/mlc-go/mlc/cmd/mlc` and requires mlc and the generator's own
// dependencies; go get of the runtime requires what the generated code imports, so
// go build works right after go generate. go mod tidy must keep both, and generating
// again after it must work (the old `go run …/cmd/mlc` line lost its require to tidy).
func TestRecipeGoTool(t *testing.T) {
	r := newRecipe(t)
	r.start()
	r.goCmd("get", "-tool", "github.com/mlc-go/mlc/cmd/mlc")
	r.goCmd("get", "github.com/mlc-go/mlc/runtime")
	r.write("tiny/tiny.ml", recipeModel)
	r.write("tiny/gen.go", "package tiny\n\n//go:generate go tool mlc build tiny.ml\n")
	r.write("main.go", recipeMain)
	r.generateAndTrain(nil)

	r.checkTidy("tool github.com/mlc-go/mlc/cmd/mlc", "require github.com/mlc-go/mlc ")
	if err := os.Remove(filepath.Join(r.dir, "tiny", "tiny.go")); err != nil {
		t.Fatal(err)
	}
	r.generateAndTrain(nil)

	// go install tool puts the module's tools, mlc among them, in GOBIN.
	bin := filepath.Join(t.TempDir(), "bin")
	r.run("", []string{"GOBIN=" + bin}, "go", "install", "tool")
	r.run("", nil, filepath.Join(bin, "mlc"+exeSuffix()), "check", filepath.Join("tiny", "tiny.ml"))
}

// TestRecipeGoInstall: an installed mlc. go install …/cmd/mlc@version cannot work until
// the module is published; go install ./cmd/mlc in a checkout does. The installed
// command then generates into a module that requires (and replaces) only the runtime.
func TestRecipeGoInstall(t *testing.T) {
	r := newRecipe(t)
	bin := filepath.Join(t.TempDir(), "bin")
	r.run(r.root, []string{"GOBIN=" + bin}, "go", "install", "./cmd/mlc")
	if _, err := os.Stat(filepath.Join(bin, "mlc"+exeSuffix())); err != nil {
		t.Fatalf("go install ./cmd/mlc installed no mlc: %v", err)
	}
	pathEnv := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}

	r.start()
	r.goCmd("get", "github.com/mlc-go/mlc/runtime")
	r.write("tiny/tiny.ml", recipeModel)
	r.write("tiny/gen.go", "package tiny\n\n//go:generate mlc build tiny.ml\n")
	r.write("main.go", recipeMain)
	r.generateAndTrain(pathEnv)
	r.checkTidy("require github.com/mlc-go/mlc ")
	r.goCmd("build", "./...")
}
