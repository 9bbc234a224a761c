package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/mlc-go/mlc/codegen"
)

// goGenerate matches the //go:generate lines of the checked-in generated packages.
var goGenerate = regexp.MustCompile(`(?m)^//go:generate go run \S+/cmd/mlc build -o \. -pkg (\w+) (?:-dtype (\w+) )?(\S+\.ml)$`)

// TestGeneratedIsFresh fails when a checked-in generated package is not what mlc makes
// of its .ml file now: run `go generate ./...` and review the diff.
func TestGeneratedIsFresh(t *testing.T) {
	gens, _ := filepath.Glob("../generated/*/gen.go")
	more, _ := filepath.Glob("models/*/gen.go")
	gens = append(gens, more...)
	if len(gens) < 2 {
		t.Fatalf("found %d generated packages; expected generated/cancer and tests/models/*", len(gens))
	}
	for _, gen := range gens {
		src, err := os.ReadFile(gen)
		if err != nil {
			t.Fatal(err)
		}
		m := goGenerate.FindSubmatch(src)
		if m == nil {
			t.Errorf("%s: no //go:generate ... mlc build -o . -pkg NAME FILE.ml line", gen)
			continue
		}
		dir := filepath.Dir(gen)
		mlPath := filepath.Join(dir, string(m[3]))
		ml, err := os.ReadFile(mlPath)
		if err != nil {
			t.Fatal(err)
		}
		want, asm, err := codegen.GenerateAll(mlPath, ml, codegen.Options{Package: string(m[1]), DType: string(m[2])})
		if err != nil {
			t.Fatalf("%s: %v", mlPath, err)
		}
		base := filepath.Join(dir, filepath.Base(mlPath[:len(mlPath)-len(".ml")]))
		for suffix, want := range map[string][]byte{".go": want, "_amd64.go": asm.Go, "_amd64.s": asm.Asm} {
			got, err := os.ReadFile(base + suffix)
			if err != nil && !(os.IsNotExist(err) && len(want) == 0) {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run go generate ./... (it differs from mlc's output for %s)", base+suffix, mlPath)
			}
		}
		again, asm2, _ := codegen.GenerateAll(mlPath, ml, codegen.Options{Package: string(m[1]), DType: string(m[2])})
		if !bytes.Equal(again, want) || !bytes.Equal(asm2.Go, asm.Go) || !bytes.Equal(asm2.Asm, asm.Asm) {
			t.Errorf("%s: two runs of mlc gave different bytes", mlPath)
		}
	}
}
