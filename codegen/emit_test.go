package codegen

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/mlc-go/mlc/ir"
)

// TestEveryOpHasAnEmitter walks the emitter table against ir.Ops: every op that generated
// code computes has an emitter of its kind, and each elementwise one writes an expression.
// (That the expressions compute the right values is the differential tester's to check:
// tests/difftest generates and runs models that use every op.)
func TestEveryOpHasAnEmitter(t *testing.T) {
	for op := ir.Op(0); int(op) < ir.NumOps; op++ {
		e := emitters[op]
		switch {
		case op == ir.OpParam || op == ir.OpConst:
			if e.node != nil || e.expr != nil {
				t.Errorf("%s is read where it is used; it needs no emitter", op)
			}
			continue
		case ir.Ops[op].Kind == ir.Elementwise:
			if e.expr == nil && e.fn == nil {
				t.Errorf("no expression for the elementwise op %s", op)
				continue
			}
		default:
			if e.node == nil && e.expr == nil { // broadcast is always read inside its user's loop
				t.Errorf("no emitter for %s", op)
			}
			continue
		}
		g := ir.NewGraph()
		var args []*ir.Node
		for i := 0; i < ir.Ops[op].Arity; i++ {
			args = append(args, g.Leaf(ir.OpInput, "a", []int{2}, true, posZero))
		}
		var n *ir.Node
		if op == ir.OpClip || op == ir.OpInRange {
			n = g.ClipNode(op, args[0], 0, 1, "c", posZero)
		} else {
			var err error
			if n, err = g.Apply(op, "n", posZero, args...); err != nil {
				t.Fatalf("%s: %v", op, err)
			}
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: %v", op, r)
				}
			}()
			en := &entry{plan: &ir.Plan{Fused: map[int]bool{}}, names: map[int]string{args[0].ID: "a"}, used: map[string]bool{}, e: &emitter{bits: "64"}}
			k := en.kernel(2)
			k.compute(n)
		}()
	}
}

// TestLitKeepsNegativeZero: Go constants have no -0, so -0 is written as an expression.
func TestLitKeepsNegativeZero(t *testing.T) {
	for v, want := range map[float64]string{math.Copysign(0, -1): "T(math.Copysign(0, -1))", 0: "0.0", -2: "(-2.0)", 1e-7: "1e-07"} {
		if got := fmt.Sprintf("%#v", lit(v)); got != want {
			t.Errorf("lit(%v) = %s, want %s", v, got, want)
		}
	}
}

// TestGeneratedNamesComplete: every identifier the emitter writes by a fixed name is in
// generatedNames, so that a named constant of the model is never shadowed by it.
func TestGeneratedNamesComplete(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`jen\.Id\("([A-Za-z_][A-Za-z0-9_]*)"\)`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			if id := m[1]; unicode.IsLower(rune(id[0])) && !generatedNames[id] {
				t.Errorf("%s writes the identifier %s, which generatedNames lacks", f, id)
			}
		}
	}
}

// TestNamedConstants: a constant of the .ml file keeps its name in generated code, renamed
// only where generated code, Go or an exported name would claim it (the differential
// tester builds and runs models with such names).
func TestNamedConstants(t *testing.T) {
	src := `model K
dtype float64
input x[2]
dense 2, tanh -> u
target y[2]
const nu = 0.5
const T = 2
const New = 3
const f = 4
const len = 5
loss nu * mse(u, y) + T * mae(u, y) + New * mean(u) + f * mean(u * u) + len * mean(y * u)
`
	code, err := Generate("k.ml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nu  *= 0.5 ", "cT  *= 2.0 ", "cNew *= 3.0 ", "f_c *= 4.0 ", "len_c *= 5.0 "} {
		if !regexp.MustCompile(`(?m)^\s*` + want).Match(code) {
			t.Errorf("generated code lacks the constant %q", want)
		}
	}
}
