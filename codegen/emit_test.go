package codegen

import (
	"testing"

	"github.com/mlc-go/mlc/ir"
)

// TestEveryOpHasAnEmitter emits each primitive once: elementwise ops through the kernel
// expression builder, the others through the list node() dispatches on.
func TestEveryOpHasAnEmitter(t *testing.T) {
	handled := map[ir.Op]bool{}
	for _, op := range Emitters() {
		handled[op] = true
	}
	for op := ir.Op(0); int(op) < ir.NumOps; op++ {
		if ir.Ops[op].Kind != ir.Elementwise {
			if !handled[op] {
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
