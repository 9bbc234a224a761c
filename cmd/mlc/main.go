// Command mlc compiles a model description (.ml) into a Go package, or trains it.
//
//	mlc train [flags] model.ml                compile, build and train a model whose .ml file
//	                                          declares its points (see mlc train -h)
//	mlc predict -weights W -csv P model.ml    evaluate a trained model at the points of a CSV file
//	mlc sweep -set 'N=1,2' -seeds 1-4 model.ml  train over settings × seeds, and tabulate them
//	mlc build [-o dir] [-pkg name] [-dtype t] model.ml
//	                                          write dir/<model>.go (default: the current directory)
//	mlc check model.ml                        report errors without writing anything
//	mlc version                               print the version
//
// It works under go generate: put `//go:generate go tool mlc build model.ml` in a package.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlc-go/mlc/codegen"
	"github.com/mlc-go/mlc/dsl"
)

// Version is mlc's version, printed by `mlc version`.
const Version = "0.1.0"

const usage = `mlc compiles a model description (.ml file) into a Go package.

Usage:
  mlc train [flags] model.ml                compile, build and train a model whose .ml file
                                            declares its points; flags: mlc train -h
  mlc predict -weights W -csv P model.ml    evaluate a trained model at the points of a CSV file
  mlc sweep -set 'N=1,2' -seeds 1-4 model.ml
                                            train over settings × seeds; flags: mlc sweep -h
  mlc build [-o dir] [-pkg name] [-dtype float32|float64] model.ml
                                            generate dir/<model file name>.go
  mlc check model.ml                        parse and check the model, write nothing
  mlc version                               print mlc's version

The generated package has the model's forward pass, loss and gradient specialised to its
shapes, and links github.com/mlc-go/mlc/runtime for training. Under go generate, write
  //go:generate go tool mlc build model.ml
in the package that should hold the model, after go get -tool github.com/mlc-go/mlc/cmd/mlc
(or //go:generate mlc build model.ml with mlc installed).

Errors name file:line:col and say what was expected.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version":
		fmt.Fprintln(stdout, "mlc", Version)
		return 0
	case "train", "predict":
		return runTrain(args[0], args[1:], stdout, stderr)
	case "sweep":
		return runSweep(args[1:], stdout, stderr)
	case "build", "check":
	default:
		fmt.Fprintf(stderr, "mlc: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	cmd := args[0]
	fs := flag.NewFlagSet("mlc "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", ".", "output `dir`ectory (build)")
	pkg := fs.String("pkg", "", "package `name` (build; default: the package already in the output directory, else the directory's name, else the model's)")
	dtype := fs.String("dtype", "", "override the model's dtype: float32 or float64 (build)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "mlc %s: expected one .ml file\n", cmd)
		return 2
	}
	path := fs.Arg(0)
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "mlc: %v\n", err)
		return 1
	}
	if cmd == "check" {
		if _, err := codegen.Check(path, src); err != nil {
			report(stderr, err)
			return 1
		}
		return 0
	}
	dst := filepath.Join(*out, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+".go")
	name := *pkg
	if name == "" {
		name = existingPackage(*out, dst)
	}
	if name == "" {
		name = packageName(*out)
	}
	code, asm, err := codegen.GenerateAll(path, src, codegen.Options{Package: name, DType: *dtype})
	if err != nil {
		report(stderr, err)
		return 1
	}
	if err := writeModel(dst, code, asm); err != nil {
		fmt.Fprintf(stderr, "mlc: %v\n", err)
		return 1
	}
	return 0
}

// writeModel writes a generated package's files: NAME.go and, when its loops have
// assembly, NAME_amd64.go and NAME_amd64.s (removed when they have none). It refuses to
// overwrite a file mlc did not generate.
func writeModel(dst string, code []byte, asm codegen.AsmFiles) error {
	base := strings.TrimSuffix(dst, ".go")
	files := []struct {
		path string
		data []byte
	}{{dst, code}, {base + "_amd64.go", asm.Go}, {base + "_amd64.s", asm.Asm}}
	for _, f := range files {
		if err := notHandWritten(f.path); err != nil {
			return err
		}
	}
	for _, f := range files {
		if len(f.data) == 0 {
			if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			continue
		}
		if err := writeIfChanged(f.path, f.data); err != nil {
			return err
		}
	}
	return nil
}

func report(w io.Writer, err error) {
	var list dsl.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(w, e)
		}
		return
	}
	fmt.Fprintln(w, "mlc:", err)
}

// existingPackage is the package of the other Go files in dir (test files and the file
// mlc is about to write aside), so that a model generated into a package, as by
// //go:generate, joins it whatever the directory is called; "" if there are none.
// notHandWritten refuses to overwrite a file that mlc did not generate: the output file
// is named after the .ml file, and model.go next to model.ml may well be the user's own.
func notHandWritten(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(f, head)
	if bytes.Contains(head[:n], []byte(codegen.Header)) {
		return nil
	}
	return fmt.Errorf("%s exists and was not generated by mlc (it lacks the line %q); "+
		"not overwriting it: move it, or write elsewhere with -o", path, "// "+codegen.Header)
}

func existingPackage(dir, skip string) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go")) // in lexical order
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || filepath.Clean(f) == filepath.Clean(skip) {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err == nil {
			return ast.Name.Name
		}
	}
	return ""
}

// packageName is the directory's base name made a Go identifier ('-' and '.' become '_'),
// or "" (the model's name) when it cannot be one.
func packageName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	base := filepath.Base(abs)
	clean := strings.Map(func(r rune) rune {
		if r == '-' || r == '.' {
			return '_'
		}
		return r
	}, base)
	for _, r := range clean {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return ""
		}
	}
	if clean == "" || clean[0] >= '0' && clean[0] <= '9' || !codegen.UsablePackage(clean) {
		return ""
	}
	return clean
}

// writeIfChanged rewrites a file only when its bytes change, so go generate leaves
// timestamps (and build caches) alone; the write is atomic.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".mlc-*.go.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
