package ir

import "testing"

// TestEveryOpHasARule checks the op table is complete: every primitive has a name and a
// derivative rule (possibly "no adjoint" for leaves and piecewise-constant ops).
func TestEveryOpHasARule(t *testing.T) {
	for op := Op(0); op < numOps; op++ {
		if Ops[op].Name == "" {
			t.Errorf("op %d has no entry in Ops", op)
		}
		if Rules[op] == nil {
			t.Errorf("op %s has no derivative rule", op)
		}
	}
}

// TestFoldingKeepsIEEESemantics: x*0 must not fold to 0 (x may be NaN or Inf), while
// constant arithmetic and the safe identities fold.
func TestFoldingKeepsIEEESemantics(t *testing.T) {
	g := NewGraph()
	x := g.Leaf(OpInput, "x", []int{3}, true, posZero)
	zero, one := g.Const(0), g.Const(1)
	if n := g.must(OpMul, "", posZero, x, zero); n.Op != OpMul {
		t.Errorf("x*0 folded to %v", n)
	}
	if n := g.must(OpMul, "", posZero, x, one); n != x {
		t.Errorf("x*1 not folded: %v", n)
	}
	if n := g.must(OpAdd, "", posZero, g.Const(2), g.Const(3)); !n.IsConst(5) {
		t.Errorf("2+3 folded to %v", n)
	}
	if a, b := g.must(OpTanh, "", posZero, x), g.must(OpTanh, "", posZero, x); a != b {
		t.Error("identical nodes are not shared (CSE)")
	}
	m1 := g.DropMask(x, 0.5, "m", posZero)
	m2 := g.DropMask(x, 0.5, "m", posZero)
	if m1 == m2 {
		t.Error("two dropout masks were merged: they must be independent")
	}
}

// TestPlanReusesBuffers checks that the buffer plan never lets a value overwrite one
// that is still to be read.
func TestPlanReusesBuffers(t *testing.T) {
	g := NewGraph()
	x := g.Leaf(OpInput, "x", []int{4}, true, posZero)
	w := g.ParamNode(&Param{Name: "w", Shape: []int{4, 4}})
	h := x
	for i := 0; i < 5; i++ {
		h = g.must(OpTanh, "", posZero, g.must(OpMatVec, "", posZero, w, h))
	}
	loss := g.MeanOver(g.must(OpMul, "", posZero, h, h), 0, "", posZero)
	grads := Differentiate(g, loss, []*Node{w})
	p := Schedule(g, append([]*Node{loss}, grads...))
	total := 0
	for _, n := range p.Order {
		if n.Batched {
			total += n.Size()
		}
	}
	if p.Rows >= total {
		t.Errorf("plan uses %d rows for %d rows of values: nothing reused", p.Rows, total)
	}
	// Simulate: every read must find the value it expects in its rows.
	owner := map[int]int{}
	for i, n := range p.Order {
		var check func(a *Node)
		check = func(a *Node) {
			if p.Fused[a.ID] {
				for _, b := range a.Args {
					check(b)
				}
				return
			}
			if !a.Batched {
				return
			}
			for r := p.Offset[a.ID]; r < p.Offset[a.ID]+a.Size(); r++ {
				if owner[r] != a.ID+1 {
					t.Fatalf("step %d (%v) reads %v from row %d, which holds node %d", i, n, a, r, owner[r]-1)
				}
			}
		}
		for _, a := range n.Args {
			check(a)
		}
		if n.Batched {
			for r := p.Offset[n.ID]; r < p.Offset[n.ID]+n.Size(); r++ {
				owner[r] = n.ID + 1
			}
		}
	}
}
