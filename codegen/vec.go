package codegen

// Vector programs: an elementwise node over batch rows, written as a program of
// kernels' vector machine (kernels.MustVec) and compiled here to AVX-512 assembly of
// its own (vecasm.go). The generated code keeps the scalar loop beside the call, as
// the portable path and as the statement of what the program computes.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/mlc-go/mlc/ir"
)

// vecInstr is one instruction: d = op(a, b, c) on slots; a load reads row a into
// slot d, a store writes slot a into row d, a bcast puts scalar a (constants first)
// into slot d.
type vecInstr struct {
	op         string
	d, a, b, c int
}

// vecProg is the program of one elementwise node, with the Go expressions of its
// operands: rows[0] is the node's own buffer.
type vecProg struct {
	comment   string
	instrs    []vecInstr
	rows      []jen.Code
	rowPerF   []bool
	scal      []jen.Code
	scalPerF  []bool
	consts    []float64
	constSlot map[float64]int
	slots     int
	memo      map[int]int // node ID → the slot holding its value
}

// vecProgram builds the program of elementwise node n (batched, over loop features)
// or returns nil when its tree holds something the machine does not do.
func (en *entry) vecProgram(n *ir.Node, name string) *vecProg {
	if en.row || !n.Batched || len(n.Shape) == 0 {
		return nil
	}
	p := &vecProg{memo: map[int]int{}, constSlot: map[float64]int{}}
	p.rows = append(p.rows, jen.Id(name))
	p.rowPerF = append(p.rowPerF, true)
	s, ok := p.compute(en, n, n.Size())
	if !ok {
		return nil
	}
	p.instrs = append(p.instrs, vecInstr{op: "store", d: 0, a: s})
	if len(p.rows) > vecMaxRows || len(p.scal)+len(p.consts) > vecMaxScal || p.slots > vecMaxSlots {
		return nil // beyond the machine's tables: the scalar loop alone
	}
	return p
}

// The limits of kernels.MustVec.
const (
	vecMaxRows  = 32
	vecMaxScal  = 32
	vecMaxSlots = 255
)

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
		s = p.emit("load", len(p.rows)-1, 0, 0)
	case len(n.Shape) > 0:
		if n.Size() != loop {
			return 0, false // repeated over leading dimensions: f % size
		}
		p.scal = append(p.scal, en.ref(n))
		p.scalPerF = append(p.scalPerF, true)
		s = p.emit("bcast", -len(p.scal), 0, 0) // caller scalars are numbered after the constants
	default:
		p.scal = append(p.scal, jen.Index().Id("T").Values(en.ref(n)))
		p.scalPerF = append(p.scalPerF, false)
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

// vecCall is the call that runs program index i of the file on the node's rows.
func (en *entry) vecCall(p *vecProg, i, features int) jen.Code {
	typ := jen.Index().Index().Id("T")
	scal := jen.Code(jen.Nil())
	if len(p.scal) > 0 {
		scal = typ.Clone().Values(p.scal...)
	}
	return jen.Qual(KernelsPath, "Vec"+en.e.bits).Call(jen.Id(vecProgsName).Index(jen.Lit(i)), jen.Id("n"), jen.Lit(features), en.ld(),
		typ.Clone().Values(p.rows...), scal)
}

// vecProgsName is the file's array of programs; model names never take it.
const vecProgsName = "vecProgs"

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

func init() { goReserved[vecProgsName] = true }
