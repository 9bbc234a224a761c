package ir

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mlc-go/mlc/dsl"
)

// TestPlanBuffersDoNotClash schedules every pass of the example and test models and checks
// the work-area plan: two batched buffers that are live at the same time never overlap,
// except a node and the pad it is computed inside (Plan.Inside), which must sit exactly in
// that pad's interior. A clash would make generated code overwrite a value it still needs.
// The inference passes are planned a second time with every stride-1 conv layer reading its
// input itself (ScheduleWith), as those computed through the FFT do.
func TestPlanBuffersDoNotClash(t *testing.T) {
	files, _ := filepath.Glob("../examples/*/*.ml")
	more, _ := filepath.Glob("../tests/models/*/*.ml")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no .ml files found")
	}
	insideSeen, convInSeen, chainSeen := 0, 0, 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := dsl.Parse(file, src)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		m, err := Lower(f)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		passes := map[string][]*Node{"predict": {m.Infer.Pred}}
		g := map[string]*Graph{"predict": m.Infer.Graph, "loss": m.Infer.Graph, "grad": m.Train.Graph}
		if m.Infer.Loss != nil {
			passes["loss"] = []*Node{m.Infer.Pred, m.Infer.Loss}
			passes["grad"] = append([]*Node{m.Train.Pred, m.Train.Loss}, m.Train.Grads...)
		}
		for name, roots := range passes {
			p := Schedule(g[name], roots)
			insideSeen += len(p.Inside)
			checkPlan(t, file+" "+name, p, roots)
			if name != "grad" { // the inference passes, with every conv layer reading its input itself
				stride1 := func(n *Node) bool { return n.Stride == 1 }
				p := ScheduleWith(g[name], roots, ConvOptions{ReadsInput: stride1})
				convInSeen += len(p.ConvIn)
				checkPlan(t, file+" "+name+" (conv inputs read through)", p, roots)
				p = ScheduleWith(g[name], roots, ConvOptions{ReadsInput: stride1, Chains: func(_, _ *Node) bool { return true }})
				chainSeen += len(p.Chained)
				checkPlan(t, file+" "+name+" (conv layers chained)", p, roots)
			}
		}
	}
	if insideSeen == 0 {
		t.Error("no model computed a value inside a pad: the conv models should")
	}
	if convInSeen == 0 {
		t.Error("no conv layer read its input through a pad and a ReLU: the conv models should")
	}
	if chainSeen == 0 {
		t.Error("no conv layer computed the one before it: the conv models should")
	}
}

func checkPlan(t *testing.T, what string, p *Plan, roots []*Node) {
	t.Helper()
	index := map[int]int{}
	for i, n := range p.Order {
		index[n.ID] = i
	}
	// end[id]: the index of the last reader (through fused nodes); roots live to the end.
	end := map[int]int{}
	var read func(n *Node, at int)
	read = func(n *Node, at int) {
		for _, a := range n.Args {
			if p.Fused[a.ID] {
				read(a, at)
				continue
			}
			end[a.ID] = max(end[a.ID], at)
		}
	}
	for i, n := range p.Order {
		if in, ok := p.ConvIn[n.ID]; ok { // it reads z, not the pad, or z's arguments
			if p.Chained[n.ID] {
				for _, a := range in.Z.Args {
					end[a.ID] = max(end[a.ID], i)
				}
			} else {
				end[in.Z.ID] = max(end[in.Z.ID], i)
			}
			end[n.Args[0].ID] = max(end[n.Args[0].ID], i)
			continue
		}
		read(n, i)
	}
	for _, r := range roots {
		if r != nil {
			end[r.ID] = len(p.Order)
		}
	}
	type buf struct {
		n          *Node
		from, to   int // lifetime in Order indices
		start, len int // place in the work area
	}
	var bufs []buf
	aliasOf := map[int]*Node{} // a reshape's argument: its buffer is the reshape's until that dies
	for id, a := range p.Alias {
		aliasOf[a.ID] = p.Order[0]
		for _, n := range p.Order {
			if n.ID == id {
				aliasOf[a.ID] = n
			}
		}
	}
	for i, n := range p.Order {
		if !n.Batched {
			continue
		}
		off, ok := p.Offset[n.ID]
		if !ok {
			t.Fatalf("%s: %s has no place", what, n)
		}
		to := max(end[n.ID], i)
		if pad := p.Inside[n.ID]; pad != nil {
			if want := p.Offset[pad.ID] + pad.PadL*pad.Shape[1]; off != want {
				t.Fatalf("%s: %s at %d, not in the interior of its pad (%d)", what, n, off, want)
			}
			to = max(to, end[pad.ID], index[pad.ID]) // its place is the pad's until the pad dies
		}
		if r := aliasOf[n.ID]; r != nil {
			to = max(to, end[r.ID], index[r.ID])
		}
		if a := p.Alias[n.ID]; a != nil {
			want := p.Offset[a.ID]
			if n.Op == OpCrop {
				want += n.PadL * n.Shape[1]
			}
			if off != want {
				t.Fatalf("%s: the %s %s is at %d, not in the buffer of %s (%d)", what, n.Op, n, off, a, want)
			}
		}
		if off+n.Size() > p.Rows {
			t.Fatalf("%s: %s ends at %d past the work area (%d)", what, n, off+n.Size(), p.Rows)
		}
		bufs = append(bufs, buf{n, i, to, off, n.Size()})
	}
	for i, a := range bufs {
		for _, b := range bufs[i+1:] {
			if p.Inside[a.n.ID] == b.n || p.Inside[b.n.ID] == a.n || p.Alias[a.n.ID] == b.n || p.Alias[b.n.ID] == a.n {
				continue
			}
			liveTogether := a.from <= b.to && b.from <= a.to
			overlap := a.start < b.start+b.len && b.start < a.start+a.len
			if liveTogether && overlap {
				t.Errorf("%s: %s [%d,%d) live %d…%d overlaps %s [%d,%d) live %d…%d", what,
					a.n, a.start, a.start+a.len, a.from, a.to, b.n, b.start, b.start+b.len, b.from, b.to)
			}
		}
	}
}
