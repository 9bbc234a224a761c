package tests

import (
	"bytes"
	"errors"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/mlc-go/mlc/codegen"
	"github.com/mlc-go/mlc/dsl"
)

// FuzzCheck runs the whole pipeline on arbitrary input. codegen.Check must not panic and
// its errors must be a dsl.ErrorList with real positions; when it succeeds, Emit must
// succeed too, give the same bytes twice, and its output must parse as Go.
//
//	go test -run='^$' -fuzz=FuzzCheck -fuzztime=60s ./tests/
//
// The corpus in testdata/fuzz/FuzzCheck holds variants of the models; the models of the
// repository and the golden cases are added here.
func FuzzCheck(f *testing.F) {
	files, _ := filepath.Glob("../examples/*/*.ml")
	more, _ := filepath.Glob("models/*/*.ml")
	for _, name := range append(files, more...) {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	golden, _ := filepath.Glob(filepath.Join(goldenDir, "*.txtar"))
	for _, name := range golden {
		ar, err := txtar.ParseFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if file.Name == "model.ml" {
				f.Add(file.Data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		const name = "fuzz.ml"
		m, err := codegen.Check(name, src)
		if err != nil {
			var list dsl.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want dsl.ErrorList: %v", err, err)
			}
			if len(list) == 0 || len(list) > dsl.MaxErrors {
				t.Fatalf("%d errors, want 1 to %d", len(list), dsl.MaxErrors)
			}
			for _, e := range list {
				if e.Pos.File != name || e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Fatalf("error without a position in %s: %q", name, e)
				}
			}
			return
		}
		code, err := codegen.Emit(m, codegen.Options{})
		if err != nil {
			t.Fatalf("Check accepted the model but Emit failed: %v", err)
		}
		file, err := parser.ParseFile(token.NewFileSet(), "fuzz.go", code, 0)
		if err != nil {
			t.Fatalf("generated code does not parse: %v\n%s", err, numbered(code))
		}
		// go/parser takes `package _`; the go command does not.
		if file.Name.Name == "_" {
			t.Fatalf("generated code is package _")
		}
		again, err := codegen.Emit(m, codegen.Options{})
		if err != nil || !bytes.Equal(code, again) {
			t.Fatalf("second Emit differs (err %v):\n%s", err, lineDiff(string(code), string(again)))
		}
	})
}
