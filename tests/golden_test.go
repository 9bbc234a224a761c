package tests

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/mlc-go/mlc/codegen"
	"github.com/mlc-go/mlc/dsl"
)

var update = flag.Bool("update", false, "rewrite the want.go and want.err sections of testdata/golden/*.txtar")

// A golden case is a txtar archive in testdata/golden:
//
//	-- model.ml --    the input, compiled as file "model.ml" with the default package name
//	-- want.go --     the exact generated code, or
//	-- want.err --    the exact error lines, file:line:col: message
//
// A comment before the first section says what the case is about. With -update, the want
// section is rewritten from what mlc produces now:
//
//	go test ./tests -run Golden -update
const goldenDir = "testdata/golden"

type goldenCase struct {
	path string
	ar   *txtar.Archive
	src  []byte
	want []byte
	kind string // "want.go" or "want.err"
}

func loadGolden(t *testing.T) []*goldenCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(goldenDir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no golden cases in %s", goldenDir)
	}
	var cases []*goldenCase
	for _, path := range paths {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c := &goldenCase{path: path, ar: ar}
		for _, f := range ar.Files {
			switch f.Name {
			case "model.ml":
				c.src = f.Data
			case "want.go", "want.err":
				if c.kind != "" {
					t.Fatalf("%s: both %s and %s", path, c.kind, f.Name)
				}
				c.kind, c.want = f.Name, f.Data
			default:
				t.Fatalf("%s: unknown section %q (want model.ml and want.go or want.err)", path, f.Name)
			}
		}
		if c.src == nil {
			t.Fatalf("%s: no model.ml section", path)
		}
		if c.kind == "" && !*update {
			t.Fatalf("%s: no want.go or want.err section (run with -update to write one)", path)
		}
		cases = append(cases, c)
	}
	return cases
}

// compile runs the whole pipeline as mlc build does and returns the code or the error lines.
func compile(t *testing.T, src []byte) (kind string, out []byte) {
	t.Helper()
	code, err := codegen.Generate("model.ml", src, codegen.Options{})
	if err == nil {
		return "want.go", code
	}
	var list dsl.ErrorList
	if !errors.As(err, &list) {
		// Not a user error with a position: still recorded, but flagged.
		t.Errorf("error is %T, not a dsl.ErrorList: %v", err, err)
		return "want.err", []byte(err.Error() + "\n")
	}
	var b bytes.Buffer
	for _, e := range list {
		fmt.Fprintln(&b, e)
	}
	return "want.err", b.Bytes()
}

func TestGolden(t *testing.T) {
	for _, c := range loadGolden(t) {
		name := strings.TrimSuffix(filepath.Base(c.path), ".txtar")
		t.Run(name, func(t *testing.T) {
			kind, got := compile(t, c.src)
			if *update {
				if c.kind == kind && bytes.Equal(c.want, got) {
					return
				}
				var files []txtar.File
				for _, f := range c.ar.Files {
					if f.Name == "model.ml" {
						files = append(files, f)
					}
				}
				c.ar.Files = append(files, txtar.File{Name: kind, Data: got})
				if err := os.WriteFile(c.path, txtar.Format(c.ar), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("updated %s (%s)", c.path, kind)
				return
			}
			if kind != c.kind {
				t.Fatalf("got %s, want %s:\n%s", kind, c.kind, got)
			}
			if !bytes.Equal(got, c.want) {
				t.Errorf("%s differs from %s (-want +got); run go test ./tests -run Golden -update if the change is intended:\n%s",
					kind, c.path, lineDiff(string(c.want), string(got)))
			}
		})
	}
}

// generatedHeader is Go's convention for generated files (go help generate).
var generatedHeader = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// errLine is the form of every error line mlc prints.
var errLine = regexp.MustCompile(`^model\.ml:[1-9][0-9]*:[1-9][0-9]*: \S`)

// TestGoldenWellFormed checks the golden files themselves: every want.go is Go that
// go/parser accepts, marked as generated, with no absolute path or time in it; every
// want.err line says model.ml:line:col: and no more than dsl.MaxErrors lines.
func TestGoldenWellFormed(t *testing.T) {
	for _, c := range loadGolden(t) {
		switch c.kind {
		case "want.go":
			fset := token.NewFileSet()
			if _, err := parser.ParseFile(fset, c.path+":want.go", c.want, parser.ParseComments); err != nil {
				t.Errorf("%s: want.go does not parse: %v\n%s", c.path, err, numbered(c.want))
			}
			if !generatedHeader.Match(c.want) {
				t.Errorf("%s: want.go has no '// Code generated ... DO NOT EDIT.' line", c.path)
			}
			if bytes.Contains(c.want, []byte("/work/")) || bytes.Contains(c.want, []byte("/tmp/")) {
				t.Errorf("%s: want.go mentions an absolute path", c.path)
			}
		case "want.err":
			lines := strings.Split(strings.TrimSuffix(string(c.want), "\n"), "\n")
			if len(lines) > dsl.MaxErrors {
				t.Errorf("%s: %d error lines, more than dsl.MaxErrors", c.path, len(lines))
			}
			for _, l := range lines {
				if !errLine.MatchString(l) {
					t.Errorf("%s: error line %q is not model.ml:line:col: message", c.path, l)
				}
				if strings.Contains(l, "panic") || strings.Contains(l, "internal error") {
					t.Errorf("%s: error line %q reports a crash, not a user error", c.path, l)
				}
			}
		}
	}
}

// TestEmitDeterministic compiles each valid golden model twice, and once more under
// another directory name: the bytes must not change.
func TestEmitDeterministic(t *testing.T) {
	for _, c := range loadGolden(t) {
		if c.kind != "want.go" {
			continue
		}
		first, err := codegen.Generate("model.ml", c.src, codegen.Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		m, err := codegen.Check("/elsewhere/deep/model.ml", c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		for i := 0; i < 3; i++ {
			again, err := codegen.Emit(m, codegen.Options{})
			if err != nil {
				t.Fatalf("%s: %v", c.path, err)
			}
			if !bytes.Equal(first, again) {
				t.Fatalf("%s: Emit run %d differs (-first +again):\n%s", c.path, i+2, lineDiff(string(first), string(again)))
			}
		}
	}
}

// TestEmitPackageOption: Options.Package names the package; a name that is not a Go
// identifier is an error, not broken code.
func TestEmitPackageOption(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(goldenDir, "cancer.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	ar := txtar.Parse(src)
	m, err := codegen.Check("model.ml", ar.Files[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	code, err := codegen.Emit(m, codegen.Options{Package: "mymodel"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "cancer.go", code, parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name.Name != "mymodel" {
		t.Errorf("package %s, want mymodel", f.Name.Name)
	}
	for _, bad := range []string{"my-model", "1x", "a b"} {
		if _, err := codegen.Emit(m, codegen.Options{Package: bad}); err == nil {
			t.Errorf("Emit with package %q: no error", bad)
		}
	}
}

// numbered prints source with line numbers, for reading a parse error's position.
func numbered(src []byte) string {
	var b strings.Builder
	for i, l := range strings.Split(string(src), "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, l)
	}
	return b.String()
}

// lineDiff is a line diff of want and got, "-" for lines only in want, "+" for lines
// only in got, with two lines of context around each change and @@ line numbers.
func lineDiff(want, got string) string {
	split := func(s string) []string {
		l := strings.SplitAfter(s, "\n")
		if l[len(l)-1] == "" {
			l = l[:len(l)-1]
		}
		return l
	}
	a, b := split(want), split(got)
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte // ' ', '-' or '+'
		text string
		ai   int // line number in want (1-based) of this or the next want line
		bi   int
	}
	var lines []line
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			lines = append(lines, line{' ', a[i], i + 1, j + 1})
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			lines = append(lines, line{'-', a[i], i + 1, j + 1})
			i++
		default:
			lines = append(lines, line{'+', b[j], i + 1, j + 1})
			j++
		}
	}
	// Print each change with two lines of context; runs of printed lines form hunks.
	const context = 2
	show := make([]bool, len(lines))
	for k, l := range lines {
		if l.op != ' ' {
			for n := max(k-context, 0); n <= min(k+context, len(lines)-1); n++ {
				show[n] = true
			}
		}
	}
	var out strings.Builder
	for k, l := range lines {
		if !show[k] {
			continue
		}
		if k == 0 || !show[k-1] {
			fmt.Fprintf(&out, "@@ want line %d, got line %d @@\n", l.ai, l.bi)
		}
		text, final := strings.CutSuffix(l.text, "\n")
		if !final {
			text += " (no final newline)"
		}
		fmt.Fprintf(&out, "%c %s\n", l.op, text)
	}
	if out.Len() == 0 {
		return "(no line differences)"
	}
	return out.String()
}
