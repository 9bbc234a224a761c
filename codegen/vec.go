package codegen

// Vector programs: an elementwise node over batch rows, written as a program of
// kernels' vector machine (kernels.MustVec) and compiled here to AVX-512 assembly of
// its own (vecasm.go). The generated code keeps the scalar loop beside the call, as
// the portable path and as the statement of what the program computes.

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/ir"
	"github.com/mlc-go/mlc/kernels"
)

// vecInstr is one instruction: d = op(a, b, c) on slots; a load reads row a into
// slot d, a store writes slot a into row d, a bcast puts scalar a (constants first)
// into slot d.
type vecInstr struct {
	op         string
	d, a, b, c int
}

// vecProg is the program of one elementwise node or of a group of them (vecGroup), with
// the Go expressions of its operands.
type vecProg struct {
	comment  string
	instrs   []vecInstr
	rows     []jen.Code
	rowPerF  []bool
	scal     []jen.Code
	scalPerF []bool
	// period > 0: the vectors marked in scalPeriodic have period elements and repeat over
	// the features (a bias at every position of a series, the sum of its gradient over them),
	// so the program runs block by block, period features at a time.
	period       int
	scalPeriodic []bool
	consts       []float64
	constSlot    map[float64]int
	slots        int
	memo         map[int]int // node ID → the slot holding its value
	loaded       []*ir.Node  // the materialized nodes it reads
	stored       []*ir.Node  // the nodes it computes, in order
}

// vecProgram builds the program of elementwise node n (batched, over loop features)
// or returns nil when its tree holds something the machine does not do.
func (en *entry) vecProgram(n *ir.Node, name string) *vecProg {
	if en.row || !n.Batched || len(n.Shape) == 0 {
		return nil
	}
	p := newVecProg()
	if !p.add(en, n, name) {
		return nil
	}
	return p
}

// add compiles node n into p, stored into its buffer name, and reports whether it
// could; p is left half-changed when it could not.
func (p *vecProg) add(en *entry, n *ir.Node, name string) bool {
	p.rows = append(p.rows, jen.Id(name))
	p.rowPerF = append(p.rowPerF, true)
	out := len(p.rows) - 1
	s, ok := p.compute(en, n, n.Size())
	if !ok {
		return false
	}
	p.instrs = append(p.instrs, vecInstr{op: "store", d: out, a: s})
	p.memo[n.ID] = s
	p.stored = append(p.stored, n)
	return p.fits()
}

// fits reports whether p stays within the limits of kernels.MustVec.
func (p *vecProg) fits() bool {
	return len(p.rows) <= kernels.VecMaxRows && len(p.scal)+len(p.consts) <= kernels.VecMaxScal && p.slots <= kernels.VecMaxSlots
}

func newVecProg() *vecProg { return &vecProg{memo: map[int]int{}, constSlot: map[float64]int{}} }

// clone is a copy of p that add can change.
func (p *vecProg) clone() *vecProg {
	q := *p
	q.instrs = slices.Clone(p.instrs)
	q.rows, q.rowPerF = slices.Clone(p.rows), slices.Clone(p.rowPerF)
	q.scal, q.scalPerF, q.scalPeriodic = slices.Clone(p.scal), slices.Clone(p.scalPerF), slices.Clone(p.scalPeriodic)
	q.consts = slices.Clone(p.consts)
	q.loaded, q.stored = slices.Clone(p.loaded), slices.Clone(p.stored)
	q.constSlot, q.memo = maps.Clone(p.constSlot), maps.Clone(p.memo)
	return &q
}

// vecGroup is a run of consecutive elementwise nodes over the same features, written as
// one program: each value is loaded once and every intermediate stays in a register.
type vecGroup struct {
	prog     *vecProg
	features int
	comments []string
	scalar   []jen.Code // the members' scalar loops, in order
}

// vecJoin adds node n (its program p alone, its scalar loop) to the pending group, or
// flushes that group at body position mark and starts a new one with n.
func (en *entry) vecJoin(n *ir.Node, name string, p *vecProg, scalar jen.Code, mark int) {
	en.vecJoinWith(name+" = "+en.describe(n), n.Size(), p, scalar, mark, func(q *vecProg) bool { return q.add(en, n, name) })
}

// vecJoinWith is vecJoin for a node that add compiles into a program, over features.
func (en *entry) vecJoinWith(comment string, features int, p *vecProg, scalar jen.Code, mark int, add func(q *vecProg) bool) {
	if g := en.group; g != nil && g.features == features {
		q := g.prog.clone()
		if add(q) && en.vecDisjoint(q) && vecAsm(new(strings.Builder), q, "probe", en.e.bits) {
			g.prog = q
			g.comments = append(g.comments, comment)
			g.scalar = append(g.scalar, scalar)
			return
		}
	}
	en.flushVec(mark)
	en.group = &vecGroup{prog: p, features: features, comments: []string{comment}, scalar: []jen.Code{scalar}}
}

// vecSum builds the program of sum node n (over the batch, per feature, into its
// vector name; acc: added to it) or returns nil.
func (en *entry) vecSum(n *ir.Node, name string, acc bool) *vecProg {
	p := newVecProg()
	if en.row || !p.addSum(en, n, name, acc) {
		return nil
	}
	return p
}

// addSum compiles sum node n into p, like add.
// A sum also over leading dimensions (arg larger than n) accumulates block by block: its
// caller clears the sum first.
func (p *vecProg) addSum(en *entry, n *ir.Node, name string, acc bool) bool {
	arg := n.Args[0]
	periodic := arg.Size() != n.Size()
	if !arg.Batched || periodic && !p.setPeriod(n.Size(), arg.Size()) {
		return false
	}
	s, ok := p.value(en, arg, arg.Size())
	if !ok {
		return false
	}
	p.scal = append(p.scal, jen.Id(name))
	p.scalPerF = append(p.scalPerF, true)
	p.scalPeriodic = append(p.scalPeriodic, periodic)
	b := 0
	if acc || periodic {
		b = 1
	}
	p.instrs = append(p.instrs, vecInstr{op: "sum", d: -len(p.scal), a: s, b: b})
	return p.fits()
}

// vecDisjoint reports whether no buffer the program stores overlaps one it loads (or
// the place of one of them is unknown): the program interleaves its nodes chunk by
// chunk, where the scalar loops ran one node after the other.
func (en *entry) vecDisjoint(p *vecProg) bool {
	span := func(n *ir.Node) (int, int, bool) {
		off, ok := en.plan.Offset[n.ID]
		return off, off + n.Size(), ok
	}
	for _, s := range p.stored {
		s0, s1, ok := span(s)
		if !ok {
			return false
		}
		for _, l := range p.loaded {
			l0, l1, ok := span(l)
			if !ok || l0 < s1 && s0 < l1 {
				return false
			}
		}
	}
	return true
}

// flushVec writes the pending group, if any, at body position mark: its call, with the
// members' scalar loops as the portable path.
func (en *entry) flushVec(mark int) {
	g := en.group
	if g == nil {
		return
	}
	en.group = nil
	p := g.prog
	p.comment = strings.Join(g.comments, "; ")
	i := len(en.e.vecs)
	en.e.vecs = append(en.e.vecs, p)
	code := jen.If(jen.Id(vecProgsName).Index(jen.Lit(i)).Dot("Fast").Call()).Block(en.vecCall(p, i, g.features)).Else().Block(g.scalar...)
	en.body = slices.Insert(en.body, mark, jen.Code(code))
}

func (p *vecProg) slot() int { p.slots++; return p.slots - 1 }

func (p *vecProg) emit(op string, a, b, c int) int {
	d := p.slot()
	p.instrs = append(p.instrs, vecInstr{op: op, d: d, a: a, b: b, c: c})
	return d
}

// value is the slot of n's value inside the node being computed (a fused argument is
// computed in place, a materialized one read).
func (p *vecProg) value(en *entry, n *ir.Node, loop int) (int, bool) {
	if s, ok := p.memo[n.ID]; ok {
		return s, true
	}
	var s int
	switch {
	case n.Op == ir.OpConst:
		if s, ok := p.constSlot[n.Value]; ok {
			return s, true
		}
		s = p.emit("bcast", len(p.consts), 0, 0)
		p.consts = append(p.consts, n.Value)
		p.constSlot[n.Value] = s
		return s, true
	case en.plan.Fused[n.ID]:
		var ok bool
		if s, ok = p.compute(en, n, loop); !ok {
			return 0, false
		}
	case n.Batched:
		perF := n.Size() >= loop
		if !perF && n.Size() != 1 {
			return 0, false
		}
		p.rows = append(p.rows, en.ref(n))
		p.rowPerF = append(p.rowPerF, perF)
		p.loaded = append(p.loaded, n)
		s = p.emit("load", len(p.rows)-1, 0, 0)
	case len(n.Shape) > 0:
		periodic := n.Size() != loop // repeated over leading dimensions: f % size
		if periodic && !p.setPeriod(n.Size(), loop) {
			return 0, false
		}
		p.scal = append(p.scal, en.ref(n))
		p.scalPerF = append(p.scalPerF, true)
		p.scalPeriodic = append(p.scalPeriodic, periodic)
		s = p.emit("bcast", -len(p.scal), 0, 0) // caller scalars are numbered after the constants
	default:
		p.scal = append(p.scal, jen.Index().Id("T").Values(en.ref(n)))
		p.scalPerF = append(p.scalPerF, false)
		p.scalPeriodic = append(p.scalPeriodic, false)
		s = p.emit("bcast", -len(p.scal), 0, 0)
	}
	p.memo[n.ID] = s
	return s, true
}

// compute is the slot of elementwise op n computed from its arguments.
func (p *vecProg) compute(en *entry, n *ir.Node, loop int) (int, bool) {
	args := make([]int, len(n.Args))
	// A product fused into a sum is one FMA.
	fusedMul := func(a *ir.Node) bool { return a.Op == ir.OpMul && en.plan.Fused[a.ID] && !p.has(a) }
	val := func(a *ir.Node) (int, bool) { return p.value(en, a, loop) }
	switch n.Op {
	case ir.OpAdd, ir.OpSub:
		x, y := n.Args[0], n.Args[1]
		switch {
		case fusedMul(x):
			return p.ternary(en, loop, map[bool]string{true: "fma", false: "fms"}[n.Op == ir.OpAdd], x.Args[0], x.Args[1], y)
		case fusedMul(y) && n.Op == ir.OpAdd:
			return p.ternary(en, loop, "fma", y.Args[0], y.Args[1], x)
		case fusedMul(y):
			return p.ternary(en, loop, "fnma", y.Args[0], y.Args[1], x)
		}
	case ir.OpBroadcast, ir.OpRepeat:
		return val(n.Args[0])
	}
	ops := map[ir.Op]string{ir.OpAdd: "add", ir.OpSub: "sub", ir.OpMul: "mul", ir.OpDiv: "div",
		ir.OpNeg: "neg", ir.OpRelu: "relu", ir.OpStep: "step", ir.OpAbs: "abs"}
	op, ok := ops[n.Op]
	if !ok || len(n.Args) > 2 {
		return 0, false
	}
	for i, a := range n.Args {
		if args[i], ok = val(a); !ok {
			return 0, false
		}
	}
	if len(args) == 1 {
		return p.emit(op, args[0], 0, 0), true
	}
	return p.emit(op, args[0], args[1], 0), true
}

// setPeriod makes the program run in blocks of size features, of the loop's features, if
// it can: size divides loop and no other period was set.
func (p *vecProg) setPeriod(size, loop int) bool {
	if size <= 0 || loop%size != 0 || p.period != 0 && p.period != size {
		return false
	}
	p.period = size
	return true
}

func (p *vecProg) has(n *ir.Node) bool { _, ok := p.memo[n.ID]; return ok }

func (p *vecProg) ternary(en *entry, loop int, op string, a, b, c *ir.Node) (int, bool) {
	var s [3]int
	for i, x := range []*ir.Node{a, b, c} {
		var ok bool
		if s[i], ok = p.value(en, x, loop); !ok {
			return 0, false
		}
	}
	return p.emit(op, s[0], s[1], s[2]), true
}

// scalIndex is the scalar-table index of a bcast operand: constants first.
func (p *vecProg) scalIndex(a int) int {
	if a < 0 {
		return len(p.consts) - a - 1
	}
	return a
}

// text is the program in kernels.MustVec's notation.
func (p *vecProg) text(bits string) string {
	var out []string
	s := func(i int) string { return "s" + strconv.Itoa(i) }
	ref := func(kind string, i int, perF bool) string {
		r := kind + strconv.Itoa(i)
		if perF {
			r += "[f]"
		}
		return r
	}
	for _, in := range p.instrs {
		var rhs string
		switch in.op {
		case "load":
			rhs = ref("r", in.a, p.rowPerF[in.a])
		case "store":
			out = append(out, ref("r", in.d, p.rowPerF[in.d])+" = "+s(in.a))
			continue
		case "sum":
			eq := " = "
			if in.b != 0 {
				eq = " += "
			}
			out = append(out, ref("v", -in.d-1, true)+eq+"sum("+s(in.a)+")")
			continue
		case "bcast":
			if in.a >= 0 {
				rhs = strconv.FormatFloat(p.consts[in.a], 'g', -1, map[string]int{"32": 32, "64": 64}[bits])
			} else {
				rhs = ref("v", -in.a-1, p.scalPerF[-in.a-1])
			}
		case "add", "sub", "mul", "div":
			rhs = s(in.a) + " " + map[string]string{"add": "+", "sub": "-", "mul": "*", "div": "/"}[in.op] + " " + s(in.b)
		case "fma":
			rhs = s(in.a) + " * " + s(in.b) + " + " + s(in.c)
		case "fms":
			rhs = s(in.a) + " * " + s(in.b) + " - " + s(in.c)
		case "fnma":
			rhs = s(in.c) + " - " + s(in.a) + " * " + s(in.b)
		case "neg":
			rhs = "-" + s(in.a)
		default:
			rhs = in.op + "(" + s(in.a) + ")"
		}
		out = append(out, s(in.d)+" = "+rhs)
	}
	return strings.Join(out, "; ")
}

// vecCall is the call that runs program index i of the file on the node's rows; a program
// with a period runs in a loop over the blocks of period features.
func (en *entry) vecCall(p *vecProg, i, features int) jen.Code {
	typ := jen.Index().Index().Id("T")
	rows, scal := p.rows, p.scal
	blocked, blocks := p.period > 0 && p.period < features, 1
	if blocked {
		blocks = features / p.period
		rows, scal = slices.Clone(rows), slices.Clone(scal)
		first := jen.Id(vecBlockName).Op("*").Lit(p.period)
		for j, r := range rows {
			if p.rowPerF[j] {
				rows[j] = jen.Add(r).Index(first.Clone().Op("*").Add(en.ld()), jen.Empty())
			}
		}
		for j, v := range scal {
			if p.scalPerF[j] && !p.scalPeriodic[j] {
				scal[j] = jen.Add(v).Index(first.Clone(), jen.Empty())
			}
		}
		features = p.period
	}
	scalArg := jen.Code(jen.Nil())
	if len(scal) > 0 {
		scalArg = typ.Clone().Values(scal...)
	}
	call := jen.Qual(KernelsPath, "Vec"+en.e.bits).Call(jen.Id(vecProgsName).Index(jen.Lit(i)), jen.Op("&").Id("w").Dot("vec"), jen.Id("n"), jen.Lit(features), en.ld(),
		typ.Clone().Values(rows...), scalArg)
	if !blocked {
		return call
	}
	return loop(vecBlockName, blocks, call)
}

// vecProgsName is the file's array of programs, vecBlockName the index of a program's
// block; model names never take them.
const (
	vecProgsName = "vecProgs"
	vecBlockName = "blk"
)

// vecDecls writes the array of the file's programs.
func (e *emitter) vecDecls() {
	if len(e.vecs) == 0 {
		return
	}
	var vals []jen.Code
	for i, p := range e.vecs {
		vals = append(vals, jen.Line().Comment(fmt.Sprintf("%d: %s", i, p.comment)).Line().Qual(KernelsPath, "MustVec").Call(jen.Lit(p.text(e.bits))))
	}
	e.f.Comment(vecProgsName + " are the elementwise loops of the passes as programs of the vector machine; the")
	e.f.Comment("files for amd64 give each its AVX-512 assembly. Each runs where its loop is written.")
	e.f.Var().Id(vecProgsName).Op("=").Index(jen.Lit(len(e.vecs))).Op("*").Qual(KernelsPath, "VecProg").Values(append(vals, jen.Line())...)
	e.f.Line()
}

func init() { goReserved[vecProgsName], goReserved[vecBlockName] = true, true }
