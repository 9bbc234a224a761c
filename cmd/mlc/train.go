package main

// mlc train: compile a model whose .ml file declares its points and references, build a
// small driver program with the Go toolchain (once per model and mlc version, in a cache
// directory), and run it.

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	mlcsrc "github.com/mlc-go/mlc"
	"github.com/mlc-go/mlc/codegen"
	"github.com/mlc-go/mlc/dsl"
	"github.com/mlc-go/mlc/ir"
	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/trainer"
)

const trainUsage = `Usage: mlc train [flags] model.ml

Compiles model.ml, builds its training program (once: it is kept in a cache directory,
$MLC_CACHE or the user cache directory, keyed by the model and mlc's version) and runs it.
The .ml file declares its point sets' sources (grid, sample, csv) and its references.
Writes NAME.weights, NAME.safetensors (the same weights as PyTorch names them), summary.json
and plots into -out. -init FILE starts from weights in either format, PyTorch's included.

  mlc predict -weights FILE -csv POINTS.csv model.ml
                evaluates a trained model at the points of a CSV file (a column per input,
                by header name) and writes the inputs and outputs as CSV to standard output.

Flags:
`

const predictUsage = `Usage: mlc predict -weights FILE -csv POINTS.csv model.ml

Evaluates a model trained by mlc train at the points of a CSV file (a column per input, found
by its header name) and writes the inputs and the outputs as CSV to standard output. The
weights (NAME.weights or NAME.safetensors, from mlc train or PyTorch) must come from this
model: another network's are refused.

Flags:
`

// runTrain is `mlc train` and `mlc predict`.
func runTrain(cmd string, args []string, stdout, stderr io.Writer) int {
	fset := trainer.Flags()
	if cmd == "predict" {
		fset = trainer.PredictFlags()
	}
	fset.SetOutput(stderr)
	fset.Usage = func() {
		if cmd == "predict" {
			fmt.Fprint(stderr, predictUsage)
		} else {
			fmt.Fprint(stderr, trainUsage)
		}
		fset.PrintDefaults()
	}
	// The flags are the driver's, checked here and passed on, except -dtype, which is mlc's:
	// it overrides the .ml file's when compiling.
	var path, dtype, set string
	fset.StringVar(&dtype, "dtype", "", "override the model's dtype: float32 or float64")
	fset.StringVar(&set, "set", "", "override constants of the .ml file: NAME=VALUE, separated by spaces (a const of a layer's argument turns a method on or off: factorize = mu with -set mu=0)")
	var rest []string
	for _, a := range args {
		if strings.HasSuffix(a, ".ml") && !strings.HasPrefix(a, "-") {
			if path != "" {
				fmt.Fprintf(stderr, "mlc %s: two .ml files: %s and %s\n", cmd, path, a)
				return 2
			}
			path = a
			continue
		}
		rest = append(rest, a)
	}
	if err := fset.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	pass := setFlags(fset, "dtype", "set")
	consts := map[string]float64{}
	settings, err := parseSettings(set)
	if err != nil {
		fmt.Fprintf(stderr, "mlc %s: %v\n", cmd, err)
		return 2
	}
	for _, st := range settings {
		if len(st.values) != 1 {
			fmt.Fprintf(stderr, "mlc %s: -set %s: one value (mlc sweep tries several)\n", cmd, st.name)
			return 2
		}
		consts[st.name], _ = strconv.ParseFloat(st.values[0], 64)
	}
	if path == "" || fset.NArg() > 0 {
		fmt.Fprintf(stderr, "mlc %s: expected one .ml file\n", cmd)
		fset.Usage()
		return 2
	}
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "mlc: %v\n", err)
		return 1
	}
	m, err := codegen.CheckWith(path, src, codegen.Options{Consts: consts, DType: dtype})
	if err != nil {
		report(stderr, err)
		return 1
	}
	if msg := trainable(m); msg != "" {
		fmt.Fprintf(stderr, "%s\n", msg)
		return 1
	}
	if msg := missingFiles(m, path); msg != "" {
		fmt.Fprintln(stderr, msg)
		return 1
	}
	if cmd == "predict" && len(m.PointSets) == 0 {
		fmt.Fprintf(stderr, "%s: mlc predict runs models trained on point sets; a mini-batch model's weights load in Go (mlrt.LoadWeights), with its inputs scaled as in training\n", path)
		return 1
	}
	code, asm, err := codegen.EmitAll(m, codegen.Options{Package: "model", DType: dtype}) // lowered once, by CheckWith
	if err != nil {
		report(stderr, err)
		return 1
	}
	bin, err := driver(m, path, code, asm, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mlc %s: %v\n", cmd, err)
		return 1
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		fmt.Fprintf(stderr, "mlc: %v\n", err)
		return 1
	}
	runArgs := append([]string{"-dir", dir}, pass...)
	if cmd == "predict" {
		runArgs = append([]string{"predict"}, runArgs...)
	}
	c := exec.Command(bin, runArgs...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, stdout, stderr
	if err := c.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintf(stderr, "mlc %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// trainable says why `mlc train` cannot run m, or "".
func trainable(m *ir.Model) string {
	if len(m.PointSets) == 0 {
		for _, d := range m.Data {
			if d.Name == "train" {
				return ""
			}
		}
		var cols []string
		at := 0
		for _, t := range append(append([]*ir.Tensor(nil), m.Inputs...), m.Targets...) {
			if t.Size() == 1 {
				cols = append(cols, fmt.Sprintf("%s = %d", t.Name, at))
			} else {
				cols = append(cols, fmt.Sprintf("%s = %d:%d", t.Name, at, at+t.Size()))
			}
			at += t.Size()
		}
		return fmt.Sprintf("%s: mlc train needs the rows a mini-batch model trains on: write data train = csv(\"file.csv\", skip = 1, %s) (columns from 0; skip the header line)", m.Source, strings.Join(cols, ", "))
	}
	for _, o := range m.Optimizers {
		if !ir.QuasiNewton(o.Name) && o.Args["steps"] == 0 && !m.Settings.EpochsGiven {
			pos := o.Pos
			if pos.Line == 0 { // no optimizer statement: the default adam
				pos = m.NamePos
			}
			return fmt.Sprintf("%s:%d:%d: %s has no step budget: write optimizer %s(lr = %g, steps = 2000), or train epochs = N",
				m.Source, pos.Line, pos.Col, o.Name, o.Name, o.Args["lr"])
		}
	}
	for _, ps := range m.PointSets {
		if len(ps.Sources) == 0 {
			return fmt.Sprintf("%s:%d:%d: mlc train needs the points of %s: write points %s(...) = grid(...), sample(N, ...) or csv(\"file\")",
				m.Source, ps.Pos.Line, ps.Pos.Col, ps.Name, ps.Name)
		}
	}
	return ""
}

// missingFiles checks, before anything is built, that the CSV files m names exist beside the
// .ml file at path, and that a point set's or reference's file has the columns it reads; it
// says what is wrong at the .ml line that names the file, or returns "".
func missingFiles(m *ir.Model, path string) string {
	dir := filepath.Dir(path)
	check := func(file string, pos dsl.Pos, cols []string) string {
		p := mlrt.Beside(dir, file)
		f, err := os.Open(p)
		if err != nil {
			return fmt.Sprintf("%s:%d:%d: cannot read %s: %v", m.Source, pos.Line, pos.Col, file, errors.Unwrap(err))
		}
		defer f.Close()
		if cols == nil {
			return ""
		}
		head, err := csv.NewReader(f).Read()
		if err != nil {
			return fmt.Sprintf("%s:%d:%d: %s has no header line of column names: %v", m.Source, pos.Line, pos.Col, file, err)
		}
		have := map[string]bool{}
		for i, h := range head {
			if i == 0 {
				h = strings.TrimPrefix(h, "\ufeff")
			}
			have[strings.TrimSpace(h)] = true
		}
		for _, c := range cols {
			if !have[c] {
				return fmt.Sprintf("%s:%d:%d: %s has no column %q (its header: %s)", m.Source, pos.Line, pos.Col, file, c, strings.Join(head, ", "))
			}
		}
		return ""
	}
	var inputs []string
	for _, in := range m.Inputs {
		inputs = append(inputs, in.Name)
	}
	for _, ps := range m.PointSets {
		given := map[string]bool{}
		for _, v := range ps.Values {
			given[v.Name] = true
		}
		cols := append([]string(nil), inputs...)
		for _, k := range ps.Known {
			if !given[k.Name] {
				cols = append(cols, k.Name)
			}
		}
		for _, src := range ps.Sources {
			if src.Kind == "csv" {
				if msg := check(src.Path, src.Pos, cols); msg != "" {
					return msg
				}
			}
		}
	}
	for _, r := range m.References {
		if r.CSV != nil {
			if msg := check(r.CSV.Path, r.CSV.Pos, append(append([]string(nil), inputs...), r.Name)); msg != "" {
				return msg
			}
		}
	}
	for _, d := range m.Data {
		if msg := check(d.Path, d.Pos, nil); msg != "" {
			return msg
		}
	}
	return ""
}

// driver returns the path of m's training program, building it if the cache does not
// hold it.
func driver(m *ir.Model, path string, code []byte, asm codegen.AsmFiles, stderr io.Writer) (string, error) {
	cache, err := cacheDir()
	if err != nil {
		return "", err
	}
	srcHash, err := sourceHash()
	if err != nil {
		return "", err
	}
	srcDir := filepath.Join(cache, "src-"+srcHash)
	if err := writeSource(srcDir); err != nil {
		return "", err
	}
	main := driverMain(m, filepath.Base(path))
	gomod, err := driverGoMod(srcDir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(srcHash), code, asm.Go, asm.Asm, main, gomod} {
		h.Write(part)
		h.Write([]byte{0})
	}
	dir := filepath.Join(cache, "train-"+hex.EncodeToString(h.Sum(nil))[:20])
	bin := filepath.Join(dir, "train")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	gosum, err := mlcsrc.Source.ReadFile("go.sum")
	if err != nil {
		return "", err
	}
	files := map[string][]byte{"go.mod": gomod, "go.sum": gosum, "main.go": main, "model/model.go": code}
	if len(asm.Go) > 0 {
		files["model/model_amd64.go"], files["model/model_amd64.s"] = asm.Go, asm.Asm
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(stderr, "mlc: building the training program of %s (once; kept in %s)\n", path, dir)
	tmp := fmt.Sprintf("train.tmp%d", os.Getpid()) // two runs building at once do not share it
	build := exec.Command("go", "build", "-o", tmp, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var out bytes.Buffer
	build.Stdout, build.Stderr = &out, &out
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building the training program in %s: %v\n%s", dir, err, out.String())
	}
	if err := os.Rename(filepath.Join(dir, tmp), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// cacheDir is $MLC_CACHE, else mlc's directory in the user cache directory.
func cacheDir() (string, error) {
	if d := os.Getenv("MLC_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set MLC_CACHE): %v", err)
	}
	return filepath.Join(d, "mlc"), nil
}

// sourceHash identifies the embedded source: what the driver links.
func sourceHash() (string, error) {
	h := sha256.New()
	var names []string
	err := fs.WalkDir(mlcsrc.Source, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := mlcsrc.Source.ReadFile(n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}

// writeSource writes the embedded source to dir, once: into a temporary directory first,
// renamed into place, so a run interrupted half-way leaves nothing that looks complete.
func writeSource(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "src-tmp-")
	if err != nil {
		return err
	}
	err = fs.WalkDir(mlcsrc.Source, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := mlcsrc.Source.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(filepath.Join(dir, "go.mod")); statErr == nil {
			return nil // another run wrote it first
		}
		return err
	}
	return nil
}

// driverGoMod is the driver module's go.mod: mlc's requirements, and mlc itself from the
// source written beside it.
func driverGoMod(srcDir string) ([]byte, error) {
	b, err := mlcsrc.Source.ReadFile("go.mod")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "module ") {
			lines[i] = "module mlctrain"
		}
	}
	s := strings.Join(lines, "\n")
	s += "\nrequire github.com/mlc-go/mlc v0.0.0-00010101000000-000000000000\n\nreplace github.com/mlc-go/mlc => " + filepath.ToSlash(srcDir) + "\n"
	return []byte(s), nil
}

// driverMain is the training program: the generated package's parts handed to trainer.Main
// (trainer.MainBatch for a mini-batch model).
func driverMain(m *ir.Model, source string) []byte {
	f := jen.NewFile("main")
	f.HeaderComment("Code generated by mlc train. DO NOT EDIT.")
	const model = "mlctrain/model"
	f.ImportName(model, "model")
	if len(m.PointSets) == 0 {
		fields := jen.Dict{
			jen.Id("Name"):        jen.Lit(m.Name),
			jen.Id("Source"):      jen.Lit(source),
			jen.Id("Model"):       jen.Qual(model, "New").Call(),
			jen.Id("Config"):      jen.Qual(model, "TrainConfig").Call(),
			jen.Id("Optimizer"):   jen.Qual(model, "NewOptimizer"),
			jen.Id("Figures"):     jen.Qual(trainerPath+"/figures", "DrawBatch"),
			jen.Id("SweepFigure"): jen.Qual(trainerPath+"/figures", "DrawSweep"),
			jen.Id("Safetensors"): jen.Op("&").Qual(model, "Safetensors"),
			jen.Id("Folds"):       jen.Lit(m.Settings.Folds),
		}
		if len(m.Data) > 0 && m.Data[0].Series != nil {
			fields[jen.Id("Windows")] = jen.Qual(model, "MakeWindows")
		} else {
			fields[jen.Id("Data")] = jen.Qual(model, "MakeData")
		}
		for _, d := range m.Data {
			if d.Augment != nil {
				fields[jen.Id("Augment")] = jen.Op("&").Qual(model, "Augment")
			}
		}
		fields[jen.Id("Standardize")] = jen.Qual(model, "Standardize")
		f.Func().Id("main").Params().Block(
			jen.Qual(trainerPath, "MainBatch").Call(
				jen.Qual(trainerPath, "BatchProblem").Types(jen.Qual(model, "T")).Values(fields)))
		return render(f)
	}
	var ins, outs []jen.Code
	for _, in := range m.Inputs {
		ins = append(ins, jen.Lit(in.Name))
	}
	for _, o := range m.OutputNames {
		outs = append(outs, jen.Lit(o))
	}
	f.Func().Id("main").Params().Block(
		jen.Id("m").Op(":=").Qual(model, "New").Call(),
		jen.Qual("github.com/mlc-go/mlc/runtime/trainer", "Main").Call(
			jen.Qual("github.com/mlc-go/mlc/runtime/trainer", "Problem").Types(jen.Qual(model, "T")).Values(jen.Dict{
				jen.Id("Name"):        jen.Lit(m.Name),
				jen.Id("Source"):      jen.Lit(source),
				jen.Id("Inputs"):      jen.Index().String().Values(ins...),
				jen.Id("Outputs"):     jen.Index().String().Values(outs...),
				jen.Id("Model"):       jen.Id("m"),
				jen.Id("Config"):      jen.Qual(model, "FitConfig").Call(),
				jen.Id("References"):  jen.Qual(model, "References"),
				jen.Id("Figures"):     jen.Qual("github.com/mlc-go/mlc/runtime/trainer/figures", "Draw"),
				jen.Id("Domain"):      jen.Qual(model, "Domain"),
				jen.Id("SweepFigure"): jen.Qual("github.com/mlc-go/mlc/runtime/trainer/figures", "DrawSweep"),
				jen.Id("Safetensors"): jen.Op("&").Qual(model, "Safetensors"),
				jen.Id("Fingerprint"): jen.Lit(fingerprint(m)),
				jen.Id("SetPoints"): jen.Func().Params(jen.Id("rng").Op("*").Qual("math/rand/v2", "Rand"), jen.Id("dir").String()).Error().Block(
					jen.List(jen.Id("p"), jen.Err()).Op(":=").Qual(model, "MakePoints").Call(jen.Id("rng"), jen.Id("dir")),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
					jen.Return(jen.Id("m").Dot("SetPoints").Call(jen.Id("p"))),
				),
			})))
	return render(f)
}

const trainerPath = "github.com/mlc-go/mlc/runtime/trainer"

// setFlags are the flags set on fs, less those named in skip, as -name=value arguments for
// the training program.
func setFlags(fs *flag.FlagSet, skip ...string) []string {
	var out []string
	fs.Visit(func(f *flag.Flag) {
		for _, s := range skip {
			if f.Name == s {
				return
			}
		}
		out = append(out, "-"+f.Name+"="+f.Value.String())
	})
	return out
}

// fingerprint identifies m's network: the ops, shapes and constants of what Predict computes
// and the parameters' layout. Weights saved under it load only into the same network.
func fingerprint(m *ir.Model) string {
	h := sha256.New()
	plan := ir.Schedule(m.Infer.Graph, []*ir.Node{m.Infer.Pred})
	for _, n := range m.Infer.Graph.Nodes {
		if plan.Live[n.ID] {
			fmt.Fprintln(h, n.String(), n.Value, n.Vec, n.Off, n.PadL, n.PadR, n.Stride, n.Lo, n.Hi)
		}
	}
	for _, p := range m.Params {
		fmt.Fprintln(h, p.Name, p.Shape, p.Offset)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func render(f *jen.File) []byte {
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		panic("mlc: internal error: driver: " + err.Error())
	}
	return buf.Bytes()
}
