package codegen

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/mlc-go/mlc/kernels"
)

// TestVecProgramsWithinLimits: a node reading more rows than the vector machine's
// tables hold (here a fourth-order jet's, found by the differential tester) keeps
// its scalar loop, and every program the file does declare compiles.
func TestVecProgramsWithinLimits(t *testing.T) {
	src := `model M605
input x, t
const c1 = (3 - 0.5)^2
param c_d = 0
dense 2, silu -> ha, hb
dense 1, sin -> u
points bd(x, t)
residual r = d(u, x, x) * d(u, t, x) + 3 * d(u, t, t, x) - hb - c_d * d(u, x, x) + c_d * d(u, t, t, t, t)
loss 3 * mean(bd, r^2)
optimizer adam(lr = 1e-3, steps = 10) then lbfgs
train batch = 11
`
	code, asm, err := GenerateAll("m600.ml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	progs := regexp.MustCompile(`kernels\.MustVec\(("[^"]*")\)`).FindAllSubmatch(code, -1)
	if len(progs) == 0 {
		t.Fatal("no vector program in the file")
	}
	for _, p := range progs {
		text, err := strconv.Unquote(string(p[1]))
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%v", r)
				}
			}()
			kernels.MustVec(text)
		}()
	}
	if len(asm.Asm) == 0 {
		t.Error("no assembly")
	}
}
