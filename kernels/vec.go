package kernels

// Vector programs: generated code writes each elementwise node (a chain of +, −,
// ·, /, fused multiply-adds, relu, step, abs and broadcasts) as a short program over
// the node's rows, and also compiles it to AVX-512 assembly of its own (one zmm of
// lanes at a time, every intermediate in a register). Vec32/Vec64 check the
// operands, lay out their addresses and call that assembly; without it they run the
// program here, one lane at a time, which is what the tests compare it with.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"
)

// Instruction codes of the machine (_asm/vec.go has the same list).
const (
	vLoad  = iota // slot d = row a (at feature f when the row is per feature)
	vStore        // row d = slot a
	vBcast        // slot d = scalar a, every lane
	vAdd          // d = a + b
	vSub          // d = a − b
	vMul          // d = a · b
	vDiv          // d = a / b
	vFma          // d = a·b + c, one rounding
	vFms          // d = a·b − c
	vFnma         // d = c − a·b
	vNeg          // d = −a
	vRelu         // d = max(a, 0); NaN stays NaN
	vStep         // d = 1 where a > 0, else 0 (NaN gives 0)
	vAbs          // d = |a|
	vSum          // scalar d at feature f = (b: its old value +) the sum of slot a over the columns
)

// Limits of one program, and where VecTables keeps the scalars and ld: the code
// generator compiles programs against them.
const (
	VecMaxSlots = 255
	VecMaxRows  = 32
	VecMaxScal  = 32 // constants and caller scalars together

	VecScalOffset = 16 * VecMaxRows               // byte offset of VecTables' scalars
	VecLDOffset   = VecScalOffset + 16*VecMaxScal // byte offset of VecTables' ld
)

// VecProg is a compiled program of the machine. Build it with MustVec.
type VecProg struct {
	text     string
	code     []uint64
	consts64 []float64
	consts32 []float32
	nslots   int
	rowPerF  []bool // row i is indexed by feature (stride ld) or one row for all
	scalPerF []bool // caller scalar i is indexed by feature (stride 1) or one value
	asm      VecAsm
}

// String is the program's text.
func (p *VecProg) String() string { return p.text }

// MustVec compiles a program written as instructions separated by ";":
//
//	s0 = r1[f]        load row 1 of feature f (r1 without [f]: the same row for every f)
//	r0[f] = s2        store into row 0 of feature f
//	s3 = v0[f]        caller scalar 0 at feature f (v0: one value for every f)
//	s3 = 0.5          a constant
//	s4 = s0 + s1      also −, *, /
//	s4 = s0 * s1 + s2 fused multiply-add; s0 * s1 - s2 and s2 - s0 * s1 too
//	s4 = -s0          also relu(s0), step(s0), abs(s0)
//	v1[f] = sum(s4)   the sum over the columns into caller scalar 1 at feature f (+= adds)
//
// Rows and scalars are numbered from 0 in the order the caller passes them; every
// row and scalar up to the largest number must be used. It panics on a malformed
// program: programs come from the code generator, not from users.
func MustVec(text string) *VecProg {
	p, err := parseVec(text)
	if err != nil {
		panic("kernels.MustVec: " + err.Error())
	}
	return p
}

func parseVec(text string) (*VecProg, error) {
	p := &VecProg{text: text}
	const callerScal = 1 << 7 // marks a caller scalar until the constants are counted
	var rowSeen, scalSeen []int8
	ref := func(tok string, kind byte, seen *[]int8, max int) (int, bool, error) {
		perF := strings.HasSuffix(tok, "[f]")
		tok = strings.TrimSuffix(tok, "[f]")
		if len(tok) < 2 || tok[0] != kind {
			return 0, false, fmt.Errorf("%q is not %c<number>", tok, kind)
		}
		i, err := strconv.Atoi(tok[1:])
		if err != nil || i < 0 || i >= max {
			return 0, false, fmt.Errorf("%q: bad or too large an index", tok)
		}
		for len(*seen) <= i {
			*seen = append(*seen, 0)
		}
		mode := int8(1)
		if perF {
			mode = 2
		}
		if (*seen)[i] != 0 && (*seen)[i] != mode {
			return 0, false, fmt.Errorf("%q is used both per feature and not", tok)
		}
		(*seen)[i] = mode
		return i, perF, nil
	}
	slot := func(tok string) (int, error) {
		i, _, err := ref(tok, 's', new([]int8), VecMaxSlots)
		p.nslots = max(p.nslots, i+1)
		return i, err
	}
	emit := func(op, d, a, b, c int) {
		p.code = append(p.code, uint64(op)|uint64(d)<<8|uint64(a)<<16|uint64(b)<<24|uint64(c)<<32)
	}
	for _, ins := range strings.Split(text, ";") {
		lhs, rhs, ok := strings.Cut(strings.TrimSpace(ins), "=")
		if !ok {
			return nil, fmt.Errorf("%q has no '='", ins)
		}
		lhs = strings.TrimSpace(lhs)
		f := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ").Replace(rhs))
		if strings.HasPrefix(lhs, "r") {
			r, _, err := ref(lhs, 'r', &rowSeen, VecMaxRows)
			if err != nil {
				return nil, err
			}
			if len(f) != 1 {
				return nil, fmt.Errorf("%q: a row is stored from one slot", ins)
			}
			s, err := slot(f[0])
			if err != nil {
				return nil, err
			}
			emit(vStore, r, s, 0, 0)
			continue
		}
		if strings.HasPrefix(lhs, "v") {
			acc := strings.HasSuffix(lhs, "+")
			v, perF, err := ref(strings.TrimSpace(strings.TrimSuffix(lhs, "+")), 'v', &scalSeen, VecMaxScal)
			if err != nil {
				return nil, err
			}
			if !perF || len(f) != 4 || f[0] != "sum" || f[1] != "(" || f[3] != ")" {
				return nil, fmt.Errorf("%q: a scalar per feature is written as vK[f] = sum(sJ) or vK[f] += sum(sJ)", ins)
			}
			s, err := slot(f[2])
			if err != nil {
				return nil, err
			}
			b := 0
			if acc {
				b = 1
			}
			emit(vSum, v|callerScal, s, b, 0)
			continue
		}
		d, err := slot(lhs)
		if err != nil {
			return nil, err
		}
		slots := func(toks ...string) ([]int, error) {
			var out []int
			for _, t := range toks {
				s, err := slot(t)
				if err != nil {
					return nil, err
				}
				out = append(out, s)
			}
			return out, nil
		}
		switch {
		case len(f) == 1 && f[0][0] == 'r':
			r, _, err := ref(f[0], 'r', &rowSeen, VecMaxRows)
			if err != nil {
				return nil, err
			}
			emit(vLoad, d, r, 0, 0)
		case len(f) == 1 && f[0][0] == 'v':
			v, _, err := ref(f[0], 'v', &scalSeen, VecMaxScal)
			if err != nil {
				return nil, err
			}
			emit(vBcast, d, v|callerScal, 0, 0)
		case len(f) == 1 && strings.HasPrefix(f[0], "-s"):
			s, err := slots(f[0][1:])
			if err != nil {
				return nil, err
			}
			emit(vNeg, d, s[0], 0, 0)
		case len(f) == 1:
			x, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: not a constant", f[0])
			}
			emit(vBcast, d, len(p.consts64), 0, 0)
			p.consts64 = append(p.consts64, x)
			p.consts32 = append(p.consts32, float32(x))
		case len(f) == 2 && f[0] == "-":
			s, err := slots(f[1])
			if err != nil {
				return nil, err
			}
			emit(vNeg, d, s[0], 0, 0)
		case len(f) == 4 && f[1] == "(" && f[3] == ")":
			op, ok := map[string]int{"relu": vRelu, "step": vStep, "abs": vAbs}[f[0]]
			if !ok {
				return nil, fmt.Errorf("%q: unknown function", f[0])
			}
			s, err := slots(f[2])
			if err != nil {
				return nil, err
			}
			emit(op, d, s[0], 0, 0)
		case len(f) == 3:
			op, ok := map[string]int{"+": vAdd, "-": vSub, "*": vMul, "/": vDiv}[f[1]]
			if !ok {
				return nil, fmt.Errorf("%q: unknown operator", f[1])
			}
			s, err := slots(f[0], f[2])
			if err != nil {
				return nil, err
			}
			emit(op, d, s[0], s[1], 0)
		case len(f) == 5 && f[1] == "*" && (f[3] == "+" || f[3] == "-"):
			s, err := slots(f[0], f[2], f[4])
			if err != nil {
				return nil, err
			}
			op := vFma
			if f[3] == "-" {
				op = vFms
			}
			emit(op, d, s[0], s[1], s[2])
		case len(f) == 5 && f[1] == "-" && f[3] == "*":
			s, err := slots(f[2], f[4], f[0])
			if err != nil {
				return nil, err
			}
			emit(vFnma, d, s[0], s[1], s[2])
		default:
			return nil, fmt.Errorf("%q: not an instruction", ins)
		}
	}
	for _, m := range rowSeen {
		if m == 0 {
			return nil, fmt.Errorf("rows are not numbered 0, 1, …")
		}
		p.rowPerF = append(p.rowPerF, m == 2)
	}
	for _, m := range scalSeen {
		if m == 0 {
			return nil, fmt.Errorf("scalars are not numbered 0, 1, …")
		}
		p.scalPerF = append(p.scalPerF, m == 2)
	}
	if len(p.consts64)+len(p.scalPerF) > VecMaxScal {
		return nil, fmt.Errorf("more than %d constants and scalars", VecMaxScal)
	}
	// Caller scalars follow the constants in the scalar table.
	for i, c := range p.code {
		if c&0xff == vBcast && (c>>16)&callerScal != 0 {
			a := (c>>16)&(callerScal-1) + uint64(len(p.consts64))
			p.code[i] = c&^(0xff<<16) | a<<16
		}
		if c&0xff == vSum {
			d := (c>>8)&(callerScal-1) + uint64(len(p.consts64))
			p.code[i] = c&^(0xff<<8) | d<<8
		}
	}
	return p, nil
}

// Vec32 runs p over columns b < n of the given number of feature rows, with t
// (the caller's, one per goroutine: filling it is cheaper than clearing a new one)
// for the operands' addresses: a row
// operand used per feature is read or written at rows[i][f*ld:][:n], one used for
// every feature at rows[i][:n]; a scalar per feature is scal[i][f], another
// scal[i][0]. Columns n ≤ b < ld are never touched. Rows written must not overlap
// rows read, except that an instruction may store into a row it loaded earlier in
// the program. It panics on operands too short for the sizes. Compiled to assembly it
// never allocates; the portable machine allocates its slots.
func Vec32(p *VecProg, t *VecTables, n, features, ld int, rows, scal [][]float32) {
	if !p.check(len(rows), len(scal), n, features) {
		return
	}
	fast := p.Fast()
	// One pass checks every operand's length and, for the assembly, fills the table.
	last := (features - 1) * ld
	for i, r := range rows {
		need, stride := n, 0
		if p.rowPerF[i] {
			need, stride = last+n, ld
		}
		if len(r) < need {
			vecShort("row", i, len(r), need)
		}
		if fast {
			t.rows[i] = vecRef{uintptr(unsafe.Pointer(unsafe.SliceData(r))), uintptr(4 * stride)}
		}
	}
	nc := len(p.consts32)
	for i, s := range scal {
		need, stride := 1, 0
		if p.scalPerF[i] {
			need, stride = features, 1
		}
		if len(s) < need {
			vecShort("scalar", i, len(s), need)
		}
		if fast {
			t.scal[nc+i] = vecRef{uintptr(unsafe.Pointer(unsafe.SliceData(s))), uintptr(4 * stride)}
		}
	}
	if !fast {
		vecGo32(p, n, features, ld, rows, scal)
		return
	}
	for i := range p.consts32 {
		t.scal[i] = vecRef{ptr: uintptr(unsafe.Pointer(&p.consts32[i]))}
	}
	t.ld = uintptr(ld)
	p.asm(uintptr(unsafe.Pointer(t)), n, features)
}

// Vec64 is Vec32 in float64. The two are written out rather than generic: called through a
// generic function's dictionary, the operands' slices escaped, an allocation per call.
func Vec64(p *VecProg, t *VecTables, n, features, ld int, rows, scal [][]float64) {
	if !p.check(len(rows), len(scal), n, features) {
		return
	}
	fast := p.Fast()
	// One pass checks every operand's length and, for the assembly, fills the table.
	last := (features - 1) * ld
	for i, r := range rows {
		need, stride := n, 0
		if p.rowPerF[i] {
			need, stride = last+n, ld
		}
		if len(r) < need {
			vecShort("row", i, len(r), need)
		}
		if fast {
			t.rows[i] = vecRef{uintptr(unsafe.Pointer(unsafe.SliceData(r))), uintptr(8 * stride)}
		}
	}
	nc := len(p.consts64)
	for i, s := range scal {
		need, stride := 1, 0
		if p.scalPerF[i] {
			need, stride = features, 1
		}
		if len(s) < need {
			vecShort("scalar", i, len(s), need)
		}
		if fast {
			t.scal[nc+i] = vecRef{uintptr(unsafe.Pointer(unsafe.SliceData(s))), uintptr(8 * stride)}
		}
	}
	if !fast {
		vecGo(p, n, features, ld, rows, scal, p.consts64, false)
		return
	}
	for i := range p.consts64 {
		t.scal[i] = vecRef{ptr: uintptr(unsafe.Pointer(&p.consts64[i]))}
	}
	t.ld = uintptr(ld)
	p.asm(uintptr(unsafe.Pointer(t)), n, features)
}

// VecTables is what a program's assembly reads: for row i, its address at feature 0
// (byte 16·i) and its stride per feature in bytes (byte 16·i + 8; 0 for a row shared
// by every feature); the same for scalars, constants first, from VecScalOffset; then ld. The
// addresses are uintptrs, so that the operands do not escape through a table kept in a
// worker: they are valid for the one call that filled them.
type VecTables struct {
	rows [VecMaxRows]vecRef
	scal [VecMaxScal]vecRef
	ld   uintptr // the stride of a row indexed by feature, in elements (VecLDOffset)
}

type vecRef struct {
	ptr, stride uintptr
}

// VecAsm is a program compiled to assembly by the code generator. It takes the
// address of its VecTables as a uintptr; it is NOSPLIT and calls nothing, so the
// frames its operands may live on stay put while it runs.
type VecAsm func(tables uintptr, n, features int)

// SetAsm gives p its compiled assembly; generated files for amd64 call it at init.
func (p *VecProg) SetAsm(f VecAsm) { p.asm = f }

// Fast reports whether p runs as compiled assembly here; generated code runs its own
// scalar loop otherwise, which is faster than the portable machine.
func (p *VecProg) Fast() bool { return p.asm != nil && UsingAsm() }

func (p *VecProg) check(rows, scal, n, features int) bool {
	if rows != len(p.rowPerF) || scal != len(p.scalPerF) {
		panic(fmt.Sprintf("kernels.Vec: the program takes %d rows and %d scalars, not %d and %d",
			len(p.rowPerF), len(p.scalPerF), rows, scal))
	}
	return n > 0 && features > 0
}

func vecShort(what string, i, got, need int) {
	panic(fmt.Sprintf("kernels.Vec: %s %d has %d elements, need %d", what, i, got, need))
}

// vecGo32 runs the portable machine on float64 copies of float32 operands and rounds
// what it writes back.
func vecGo32(p *VecProg, n, features, ld int, rows, scal [][]float32) {
	widen := func(v []float32) []float64 {
		w := make([]float64, len(v))
		for i, x := range v {
			w[i] = float64(x)
		}
		return w
	}
	r64, s64 := make([][]float64, len(rows)), make([][]float64, len(scal))
	for i, r := range rows {
		r64[i] = widen(r)
	}
	for i, s := range scal {
		s64[i] = widen(s)
	}
	c64 := make([]float64, len(p.consts32))
	for i, c := range p.consts32 {
		c64[i] = float64(c)
	}
	vecGo(p, n, features, ld, r64, s64, c64, true)
	for i, r := range rows {
		for j := range r {
			r[j] = float32(r64[i][j])
		}
	}
	for i, s := range scal {
		for j := range s {
			s[j] = float32(s64[i][j])
		}
	}
}

// vecGo is the portable machine: the same program, chunk by chunk, one lane at a time,
// in float64; round32 rounds every value to float32 as the float32 machine keeps it.
func vecGo(p *VecProg, n, features, ld int, rows, scal [][]float64, consts []float64, round32 bool) {
	const lanes = 64
	slots := make([][lanes]float64, p.nslots)
	row := func(i uint64, f, b int) *float64 {
		if p.rowPerF[i] {
			return &rows[i][f*ld+b]
		}
		return &rows[i][b]
	}
	scalar := func(i uint64, f int) *float64 {
		if int(i) < len(consts) {
			return &consts[i]
		}
		i -= uint64(len(consts))
		if p.scalPerF[i] {
			return &scal[i][f]
		}
		return &scal[i][0]
	}
	round := func(x float64) float64 {
		if round32 {
			return float64(float32(x))
		}
		return x
	}
	for f := range features {
		sums := map[uint64]float64{}
		for c0 := 0; c0 < n; c0 += lanes {
			m := min(lanes, n-c0)
			for _, ins := range p.code {
				op, d, a, b, c := ins&0xff, (ins>>8)&0xff, (ins>>16)&0xff, (ins>>24)&0xff, (ins>>32)&0xff
				for l := range m {
					var sa, sb, sc float64
					if op >= vAdd || op == vStore {
						sa = slots[a][l]
					}
					if op >= vAdd && op <= vFnma {
						sb = slots[b][l]
					}
					if op >= vFma && op <= vFnma {
						sc = slots[c][l]
					}
					var v float64
					switch op {
					case vLoad:
						v = *row(a, f, c0+l)
					case vStore:
						*row(d, f, c0+l) = sa
						continue
					case vSum:
						sums[d] += sa
						continue
					case vBcast:
						v = *scalar(a, f)
					case vAdd:
						v = sa + sb
					case vSub:
						v = sa - sb
					case vMul:
						v = sa * sb
					case vDiv:
						v = sa / sb
					case vFma:
						v = math.FMA(sa, sb, sc)
					case vFms:
						v = math.FMA(sa, sb, -sc)
					case vFnma:
						v = math.FMA(-sa, sb, sc)
					case vNeg:
						v = -sa
					case vRelu:
						v = max(sa, 0)
					case vStep:
						if sa > 0 {
							v = 1
						}
					case vAbs:
						v = math.Abs(sa)
					}
					slots[d][l] = round(v)
				}
			}
		}
		for _, ins := range p.code {
			if op, d, acc := ins&0xff, (ins>>8)&0xff, (ins>>24)&0xff; op == vSum {
				q := scalar(d, f)
				v := sums[d]
				if acc != 0 {
					v += *q
				}
				*q = round(v)
			}
		}
	}
}
