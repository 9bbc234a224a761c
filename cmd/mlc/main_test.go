package main

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const goodModel = `# a small regression
model Tiny
dtype float64
input  x[3]
dense  4, tanh
dense  1 -> u
target y[1]
loss   mse(u, y)
train  batch = 8
`

// mlc runs the command with args and returns its exit code and output.
func mlc(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	if s := out.String() + errb.String(); strings.Contains(s, "panic") || strings.Contains(s, "goroutine ") {
		t.Errorf("mlc %s: output mentions a panic:\n%s", strings.Join(args, " "), s)
	}
	return code, out.String(), errb.String()
}

// write writes a file under a fresh temporary directory and returns its path.
func write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVersion(t *testing.T) {
	code, out, errOut := mlc(t, "version")
	if code != 0 || out != "mlc "+Version+"\n" || errOut != "" {
		t.Errorf("mlc version: exit %d, stdout %q, stderr %q; want 0, %q, nothing", code, out, errOut, "mlc "+Version+"\n")
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help", "help"} {
		code, out, errOut := mlc(t, arg)
		if code != 0 || errOut != "" {
			t.Errorf("mlc %s: exit %d, stderr %q; want 0 and nothing", arg, code, errOut)
		}
		for _, want := range []string{"mlc build", "mlc check", "mlc version", "file:line:col"} {
			if !strings.Contains(out, want) {
				t.Errorf("mlc %s: usage does not mention %q", arg, want)
			}
		}
	}
	// No arguments: the usage on stderr and exit 2, as for other usage errors.
	code, out, errOut := mlc(t)
	if code != 2 || out != "" || !strings.Contains(errOut, "Usage:") {
		t.Errorf("mlc: exit %d, stdout %q, stderr %q; want 2, nothing, the usage", code, out, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	good := write(t, "good.ml", goodModel)
	tests := []struct {
		args []string
		want string // the first line of stderr
	}{
		{[]string{"frobnicate"}, `mlc: unknown command "frobnicate"`},
		{[]string{"check"}, "mlc check: expected one .ml file"},
		{[]string{"check", good, good}, "mlc check: expected one .ml file"},
		{[]string{"build"}, "mlc build: expected one .ml file"},
		{[]string{"build", "-nosuchflag", good}, "flag provided but not defined: -nosuchflag"},
	}
	for _, tt := range tests {
		code, out, errOut := mlc(t, tt.args...)
		first, _, _ := strings.Cut(errOut, "\n")
		if code != 2 || out != "" || first != tt.want {
			t.Errorf("mlc %s: exit %d, stdout %q, stderr first line %q; want 2, nothing, %q",
				strings.Join(tt.args, " "), code, out, first, tt.want)
		}
	}
}

func TestCheckGood(t *testing.T) {
	path := write(t, "good.ml", goodModel)
	code, out, errOut := mlc(t, "check", path)
	if code != 0 || out != "" || errOut != "" {
		t.Errorf("mlc check good.ml: exit %d, stdout %q, stderr %q; want 0 and silence", code, out, errOut)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("mlc check wrote files: %v", entries)
	}
}

func TestCheckExamples(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*/*.ml")
	more, _ := filepath.Glob("../../tests/models/*/*.ml")
	for _, f := range append(files, more...) {
		if code, _, errOut := mlc(t, "check", f); code != 0 {
			t.Errorf("mlc check %s: exit %d:\n%s", f, code, errOut)
		}
	}
}

func TestCheckBad(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // stderr lines, after the file's path
	}{
		{"syntax", "model M\ninput x[3]\ndense 20 tanh\n",
			[]string{":3:10: expected ',', '->' or end of line, found 'tanh'"}},
		{"unknown layer", "model M\ninput x[3]\nfrobnicate 12\ntarget y[1]\nloss mse(output, y)\n",
			[]string{":3:1: unknown statement or layer 'frobnicate'; the layers are avgpool1d, conv1d, dense, dropout, flatten, global_avgpool1d, global_maxpool1d, maxpool1d or modified_mlp"}},
		{"several", "model M\ninput x[0]\ndense 1 2\nloss (a\n",
			[]string{
				":2:9: expected a dimension (a positive integer), found '0'",
				":3:9: expected ',', '->' or end of line, found '2'",
				":5:1: expected ')' to close the '(' at 4:6, found end of file",
			}},
		{"empty", "", []string{":1:1: expected a 'model NAME' statement", ":1:1: expected an 'input' statement"}},
		{"binary junk", "\x00\xff\xfe\n", []string{`:1:1: expected a statement (model, input, a layer, loss, ...), found illegal character "\x00"`}},
	}
	lineRE := regexp.MustCompile(`^.+\.ml:[1-9][0-9]*:[1-9][0-9]*: \S`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(t, "bad.ml", tt.src)
			code, out, errOut := mlc(t, "check", path)
			if code != 1 || out != "" {
				t.Errorf("exit %d, stdout %q; want 1 and nothing", code, out)
			}
			lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
			var want []string
			for _, w := range tt.want {
				want = append(want, path+w)
			}
			if strings.Join(lines, "\n") != strings.Join(want, "\n") {
				t.Errorf("stderr:\n%s\nwant:\n%s", errOut, strings.Join(want, "\n"))
			}
			for _, l := range lines {
				if !lineRE.MatchString(l) {
					t.Errorf("stderr line %q is not file.ml:line:col: message", l)
				}
			}
		})
	}
}

// TestCheckRelativePath: errors name the file as the user typed it.
func TestCheckRelativePath(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.ml"), []byte("model M\ninput x[0]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	code, _, errOut := mlc(t, "check", "bad.ml")
	if want := "bad.ml:2:9: expected a dimension (a positive integer), found '0'\n"; code != 1 || errOut != want {
		t.Errorf("exit %d, stderr %q; want 1, %q", code, errOut, want)
	}
}

func TestMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nosuch.ml")
	for _, cmd := range []string{"check", "build"} {
		code, out, errOut := mlc(t, cmd, missing)
		if code != 1 || out != "" {
			t.Errorf("mlc %s nosuch.ml: exit %d, stdout %q; want 1 and nothing", cmd, code, out)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "mlc: ") || !strings.Contains(errOut, missing) {
			t.Errorf("mlc %s nosuch.ml: stderr %q; want one line 'mlc: ...' naming the file", cmd, errOut)
		}
	}
}

func TestBuild(t *testing.T) {
	src := write(t, "tiny.ml", goodModel)
	out := filepath.Join(t.TempDir(), "gen", "tinymodel") // created by build
	code, stdout, errOut := mlc(t, "build", "-o", out, src)
	if code != 0 || stdout != "" || errOut != "" {
		t.Fatalf("mlc build: exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	dst := filepath.Join(out, "tiny.go")
	code1, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), dst, code1, parser.PackageClauseOnly)
	if err != nil {
		t.Fatalf("%s does not parse: %v", dst, err)
	}
	if f.Name.Name != "tinymodel" {
		t.Errorf("package %s, want the output directory's name tinymodel", f.Name.Name)
	}
	if !bytes.HasPrefix(code1, []byte("// Code generated by mlc. DO NOT EDIT.\n")) {
		t.Errorf("%s does not start with the generated-code header", dst)
	}
	if bytes.Contains(code1, []byte(filepath.Dir(src))) {
		t.Errorf("%s mentions the directory of its source %s", dst, filepath.Dir(src))
	}
	// Beside tiny.go: the assembly of its elementwise loops and its declarations.
	want := "[tiny.go tiny_amd64.go tiny_amd64.s]"
	if names := dirNames(out); names != want {
		t.Errorf("build wrote %s, want %s", names, want)
	}

	// Building again with the same output leaves the file alone: same bytes, same mtime.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(dst, old, old); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := mlc(t, "build", "-o", out, src); code != 0 {
		t.Fatalf("second build: exit %d: %s", code, errOut)
	}
	if st, err := os.Stat(dst); err != nil || !st.ModTime().Equal(old) {
		t.Errorf("unchanged output was rewritten: mtime %v, want %v (err %v)", st.ModTime(), old, err)
	}

	// A changed model rewrites it.
	if err := os.WriteFile(src, []byte(strings.Replace(goodModel, "dense  4, tanh", "dense  5, tanh", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := mlc(t, "build", "-o", out, src); code != 0 {
		t.Fatalf("third build: exit %d: %s", code, errOut)
	}
	code3, _ := os.ReadFile(dst)
	if bytes.Equal(code1, code3) {
		t.Error("changed model: output not rewritten")
	}
	if st, _ := os.Stat(dst); st.ModTime().Equal(old) {
		t.Error("changed model: mtime unchanged")
	}
	if st, _ := os.Stat(dst); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	if names := dirNames(out); names != want {
		t.Errorf("build left %s, want %s", names, want)
	}
}

func dirNames(dir string) string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return fmt.Sprint(names)
}

func TestBuildPackageFlag(t *testing.T) {
	src := write(t, "tiny.ml", goodModel)
	out := t.TempDir()
	if code, _, errOut := mlc(t, "build", "-o", out, "-pkg", "other", src); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, err := os.ReadFile(filepath.Join(out, "tiny.go"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "tiny.go", code, parser.PackageClauseOnly)
	if err != nil || f.Name.Name != "other" {
		t.Errorf("package clause: %v, err %v; want package other", f.Name, err)
	}
}

func TestBuildDefaultPackage(t *testing.T) {
	src := write(t, "tiny.ml", goodModel)
	// An output directory whose name is not a Go identifier: the model's name is used.
	out := filepath.Join(t.TempDir(), "2-not an identifier")
	if code, _, errOut := mlc(t, "build", "-o", out, src); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, err := os.ReadFile(filepath.Join(out, "tiny.go"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "tiny.go", code, parser.PackageClauseOnly)
	if err != nil || f.Name.Name != "tiny" {
		t.Errorf("package clause: %v, err %v; want package tiny (the model's name)", f.Name, err)
	}
}

func TestBuildBadModelWritesNothing(t *testing.T) {
	src := write(t, "bad.ml", "model M\ninput x[3]\nfrobnicate 12\n")
	out := t.TempDir()
	code, stdout, errOut := mlc(t, "build", "-o", out, src)
	if code != 1 || stdout != "" || !strings.HasPrefix(errOut, src+":3:1: unknown statement or layer 'frobnicate'") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a failed build wrote %v", entries)
	}
}

func TestBuildBadPackage(t *testing.T) {
	src := write(t, "tiny.ml", goodModel)
	out := t.TempDir()
	code, _, errOut := mlc(t, "build", "-o", out, "-pkg", "not-a-name", src)
	if code != 1 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, `"not-a-name"`) {
		t.Errorf("exit %d, stderr %q; want 1 and one line naming the package", code, errOut)
	}
}

// TestBuildJoinsExistingPackage: generated into a directory whose Go files already say
// package circle, the model joins that package whatever the directory is called.
func TestBuildJoinsExistingPackage(t *testing.T) {
	src := write(t, "tiny.ml", goodModel)
	out := filepath.Join(t.TempDir(), "my-models")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "doc.go"), []byte("// Package circle holds a model.\npackage circle\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "x_test.go"), []byte("package circle_test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := mlc(t, "build", "-o", out, src); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got, err := os.ReadFile(filepath.Join(out, "tiny.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte("\npackage circle\n")) {
		t.Errorf("tiny.go does not join package circle:\n%.400s", got)
	}
	// A second build reads its own earlier output as no evidence: still circle.
	if code, _, errOut := mlc(t, "build", "-o", out, src); code != 0 {
		t.Fatalf("second build: exit %d: %s", code, errOut)
	}
}

func TestPackageName(t *testing.T) {
	tests := []struct{ dir, want string }{
		{"/a/b/model", "model"},
		{"/a/b/my-model", "my_model"},
		{"/a/b/v1.2", "v1_2"},
		{"/a/b/2fast", ""},
		{"/a/b/has space", ""},
		{"/a/b/main", ""},    // a command's directory: the model's name instead
		{"/a/b/float64", ""}, // a predeclared name

	}
	for _, tt := range tests {
		if got := packageName(tt.dir); got != tt.want {
			t.Errorf("packageName(%q) = %q, want %q", tt.dir, got, tt.want)
		}
	}
}

// TestBuildKeepsHandWrittenFile: model.go next to model.ml that mlc did not write is the
// user's, and build refuses to overwrite it; a file mlc wrote is rewritten.
func TestBuildKeepsHandWrittenFile(t *testing.T) {
	src := write(t, "tiny.ml", goodModel)
	dir := filepath.Dir(src)
	mine := filepath.Join(dir, "tiny.go")
	hand := "package tiny\n\n// Hand-written helpers.\nfunc Helper() {}\n"
	if err := os.WriteFile(mine, []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := mlc(t, "build", "-o", dir, src)
	if code != 1 || !strings.Contains(errOut, "was not generated by mlc") {
		t.Errorf("exit %d, stderr %q; want 1 and a refusal", code, errOut)
	}
	if got, _ := os.ReadFile(mine); string(got) != hand {
		t.Fatalf("the hand-written file was changed:\n%s", got)
	}
	os.Remove(mine)
	for i := 0; i < 2; i++ { // the second build overwrites the first's output
		if code, _, errOut := mlc(t, "build", "-o", dir, src); code != 0 {
			t.Fatalf("build %d: exit %d: %s", i+1, code, errOut)
		}
	}
}
