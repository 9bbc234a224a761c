package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEndToEnd does what a user does: a module of their own with a .ml file and a
// //go:generate line, go generate, go build, run. The program trains the generated model
// on a separable two-class problem and must reach a low loss.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module with go: skipped in -short mode")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/user\n\ngo 1.26\n\nrequire github.com/mlc-go/mlc v0.0.0\n\nreplace github.com/mlc-go/mlc => "+root+"\n")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", string(sum))
	write("circle/circle.ml", `# Is a point inside the unit circle?
model Circle
dtype float64
input  x[2]
dense  16, tanh
dense  8, relu
dense  1, sigmoid -> p
target y[1]
loss   binary_crossentropy(p, y)
metric accuracy
optimizer adam(lr = 0.01)
train  epochs = 60, batch = 16, validation_split = 0.2, seed = 3
`)
	write("circle/gen.go", "package circle\n\n//go:generate go run github.com/mlc-go/mlc/cmd/mlc build circle.ml\n")
	write("main.go", `package main

import (
	"fmt"
	"os"

	"example.com/user/circle"
	mlrt "github.com/mlc-go/mlc/runtime"
)

func main() {
	rng := mlrt.NewRNG(5)
	const rows = 400
	t := &mlrt.Table[circle.T]{Rows: rows, Features: 2, Targets: 1}
	for i := 0; i < rows; i++ {
		a, b := 3*rng.Float64()-1.5, 3*rng.Float64()-1.5
		t.X = append(t.X, a, b)
		in := 0.0
		if a*a+b*b < 1 {
			in = 1
		}
		t.Y = append(t.Y, in)
	}
	m := circle.New()
	m.Init(mlrt.NewRNG(1))
	cfg := circle.TrainConfig()
	cfg.Quiet = true
	h, err := mlrt.Train(m, circle.NewOptimizer(), t, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	last := h.Epochs[len(h.Epochs)-1]
	fmt.Println(h.Epochs[0].Loss, last.Loss, last.ValMetrics["accuracy"])
}
`)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("generate", "./...")
	if _, err := os.Stat(filepath.Join(dir, "circle", "circle.go")); err != nil {
		t.Fatalf("go generate wrote no circle.go: %v", err)
	}
	run("build", "-o", filepath.Join(dir, "prog"), ".")
	cmd := exec.Command(filepath.Join(dir, "prog"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the trained program failed: %v", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 3 {
		t.Fatalf("unexpected output %q", out)
	}
	first, _ := strconv.ParseFloat(f[0], 64)
	last, _ := strconv.ParseFloat(f[1], 64)
	acc, _ := strconv.ParseFloat(f[2], 64)
	t.Logf("loss %.4f -> %.4f, validation accuracy %.3f", first, last, acc)
	if !(last < 0.5*first) || acc < 0.85 {
		t.Errorf("training did not learn: loss %.4f -> %.4f, validation accuracy %.3f", first, last, acc)
	}
}
