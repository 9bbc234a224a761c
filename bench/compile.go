package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// compileModels are the examples whose compile times -compile measures.
var compileModels = []struct{ name, ml string }{
	{"cancer", "examples/cancer/cancer.ml"},
	{"burgers", "examples/burgers/burgers.ml"},
	{"solarwind", "examples/solarwind/solarwind.ml"},
	{"digitsconv", "examples/digits/digits_conv.ml"},
}

// compileTimes measures what a user waits for before training: mlc build (parse, lower,
// derive, emit) of each example, then go build of the generated package — cold, with an
// empty build cache (the first build on a fresh machine: the standard library, the runtime
// and the kernels are compiled too), and warm, when only the generated package changed (a
// model edited and rebuilt).
func compileTimes(root string, w io.Writer, markdown bool) error {
	tmp, err := os.MkdirTemp(root, ".bench-compile-") // inside the module: the package imports mlc's runtime
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	mlc := filepath.Join(tmp, "mlc")
	if out, err := goCmd(root, "", "build", "-o", mlc, "./cmd/mlc").CombinedOutput(); err != nil {
		return fmt.Errorf("building mlc: %v\n%s", err, out)
	}
	cache := filepath.Join(tmp, "gocache")
	type result struct {
		name                string
		lines               int
		codegen, cold, warm time.Duration
	}
	var rs []result
	for i, c := range compileModels {
		r := result{name: c.name}
		dir := filepath.Join(tmp, c.name)
		start := time.Now()
		if out, err := exec.Command(mlc, "build", "-o", dir, "-pkg", c.name, filepath.Join(root, c.ml)).CombinedOutput(); err != nil {
			return fmt.Errorf("mlc build %s: %v\n%s", c.ml, err, out)
		}
		r.codegen = time.Since(start)
		if r.lines, err = countLines(dir); err != nil {
			return err
		}
		pkg := "./" + filepath.ToSlash(must(filepath.Rel(root, dir)))
		build := func() (time.Duration, error) {
			start := time.Now()
			if out, err := goCmd(root, cache, "build", pkg).CombinedOutput(); err != nil {
				return 0, fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
			}
			return time.Since(start), nil
		}
		if i == 0 {
			// Only the first package meets a cold cache: the others share the runtime with it.
			os.RemoveAll(cache)
		}
		if r.cold, err = build(); err != nil {
			return err
		}
		// Edit the package (a new constant) and build again: only it recompiles.
		stamp := fmt.Sprintf("package %s\n\nconst benchStamp = %d\n", c.name, time.Now().UnixNano())
		if err := os.WriteFile(filepath.Join(dir, "zz_stamp.go"), []byte(stamp), 0o644); err != nil {
			return err
		}
		if r.warm, err = build(); err != nil {
			return err
		}
		rs = append(rs, r)
	}
	head := "%-11s %8s %10s %14s %14s\n"
	if markdown {
		fmt.Fprintln(w, "| model | generated lines | mlc build | go build, first (cold cache) | go build, after an edit |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
	} else {
		fmt.Fprintf(w, head, "model", "lines", "mlc build", "go build cold", "go build warm")
	}
	for i, r := range rs {
		cold := fmt.Sprintf("%.2f s", r.cold.Seconds())
		if i > 0 {
			cold += " *"
		}
		if markdown {
			fmt.Fprintf(w, "| %s | %d | %.2f s | %s | %.2f s |\n", r.name, r.lines, r.codegen.Seconds(), cold, r.warm.Seconds())
		} else {
			fmt.Fprintf(w, head, r.name, fmt.Sprint(r.lines), fmt.Sprintf("%.2f s", r.codegen.Seconds()), cold, fmt.Sprintf("%.2f s", r.warm.Seconds()))
		}
	}
	fmt.Fprintf(w, "\ncold: the first package built with an empty GOCACHE (the standard library, mlc's runtime and kernels included); * the later ones reuse those\nwarm: the package alone rebuilt after an edit\n")
	return nil
}

func goCmd(dir, cache string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	if cache != "" {
		cmd.Env = append(os.Environ(), "GOCACHE="+cache)
	}
	return cmd
}

// countLines counts the lines of the .go files in dir.
func countLines(dir string) (int, error) {
	ms, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		b, err := os.ReadFile(m)
		if err != nil {
			return 0, err
		}
		n += strings.Count(string(b), "\n")
	}
	return n, nil
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}
