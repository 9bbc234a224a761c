package codegen

// The AVX-512 assembly of a file's vector programs: each program becomes a loop over
// features and over one zmm of the batch at a time (16 float32 or 8 float64 lanes),
// with every slot in a register. Scalars and constants are broadcast once per
// feature. Row loads and stores are masked by K1, the lanes below n, so the columns
// n ≤ b < ld are never touched. The calling convention is kernels.VecAsm.

import (
	"fmt"
	"go/format"
	"slices"
	"strings"

	"github.com/mlc-go/mlc/kernels"
)

// Fixed registers: Z28 sign bits, Z29 the absolute-value mask, Z30 one, Z31 zero;
// R8 the tables, R11 n, R13 the feature, R14 the column, R12 the element f·ld + column
// of the rows indexed by feature (all of them have stride ld); the first rows' addresses
// in BX, SI, DI, R9, R10, the others on the frame; AX, CX, DX scratch.
const vecFreeRegs = 28

var vecRowRegs = []string{"BX", "SI", "DI", "R9", "R10"}

// vecUnroll is the most zmm of columns the main loop does per iteration.
const vecUnroll = 4

// vecAsm writes the assembly of program p as TEXT ·name, or reports false when it
// needs more registers than there are. The main loop does U zmm of columns per
// iteration unmasked (U copies of the program in disjoint registers, U ≤ 4 as the
// registers allow), then the last columns one masked zmm at a time.
func vecAsm(b *strings.Builder, p *vecProg, name, bits string) bool {
	f32 := bits == "32"
	sfx, size, lanes := "PD", 8, 8
	if f32 {
		sfx, size, lanes = "PS", 4, 16
	}
	isF := map[bool]string{true: "D", false: "Q"}[f32]
	// Broadcasts live for the whole loop, in the top registers.
	reg := map[int]int{}
	hoisted := map[int]bool{}
	var pro strings.Builder
	var body []vecInstr
	top := vecFreeRegs
	for _, in := range p.instrs {
		if in.op != "bcast" {
			body = append(body, in)
			continue
		}
		top--
		reg[in.d], hoisted[in.d] = top, true
		j := p.scalIndex(in.a)
		fmt.Fprintf(&pro, "\tMOVQ %d(R8), AX\n\tMOVQ %d(R8), CX\n\tIMULQ R13, CX\n\tVBROADCASTS%s (AX)(CX*1), Z%d\n",
			kernels.VecScalOffset+16*j, kernels.VecScalOffset+16*j+8, sfx[1:], top)
	}
	// Each sum accumulates in vecUnroll registers below them, one per copy of the body.
	accBase := map[int]int{} // sum instruction's index in body → its first accumulator
	var epi strings.Builder  // the sums' reductions and stores at the end of a feature
	var zeroAcc strings.Builder
	for i, in := range body {
		if in.op != "sum" {
			continue
		}
		top -= vecUnroll
		accBase[i] = top
		for u := range vecUnroll {
			fmt.Fprintf(&zeroAcc, "\tVPXOR%s Z%d, Z%d, Z%d\n", isF, top+u, top+u, top+u)
		}
		for u := 1; u < vecUnroll; u++ {
			fmt.Fprintf(&epi, "\tVADD%s Z%d, Z%d, Z%d\n", sfx, top+u, top, top)
		}
		fmt.Fprintf(&epi, "\tVEXTRACTF64X4 $1, Z%d, Y1\n\tVADD%s Y1, Y%d, Y0\n\tVEXTRACTF128 $1, Y0, X1\n\tVADD%s X1, X0, X0\n", top, sfx, top, sfx)
		if f32 {
			epi.WriteString("\tVPERMILPS $0x4e, X0, X1\n\tVADDPS X1, X0, X0\n\tVPERMILPS $0xb1, X0, X1\n\tVADDSS X1, X0, X0\n")
		} else {
			epi.WriteString("\tVPERMILPD $1, X0, X1\n\tVADDSD X1, X0, X0\n")
		}
		j := p.scalIndex(in.d)
		fmt.Fprintf(&epi, "\tMOVQ %d(R8), AX\n\tMOVQ %d(R8), CX\n\tIMULQ R13, CX\n", kernels.VecScalOffset+16*j, kernels.VecScalOffset+16*j+8)
		if in.b != 0 {
			fmt.Fprintf(&epi, "\tVADDS%s (AX)(CX*1), X0, X0\n", sfx[1:])
		}
		fmt.Fprintf(&epi, "\tVMOVS%s X0, (AX)(CX*1)\n", sfx[1:])
	}
	if top < 2 { // the reductions use Z0 and Z1
		return false
	}
	// Other slots from the bottom, each until its last use.
	var free []int
	for r := top - 1; r >= 0; r-- {
		free = append(free, r)
	}
	used := 0
	alloc := func() (int, bool) {
		if len(free) == 0 {
			return 0, false
		}
		r := free[len(free)-1]
		free = free[:len(free)-1]
		used = max(used, r+1)
		return r, true
	}
	last := map[int]int{}
	for i, in := range body {
		for _, s := range in.sources() {
			last[s] = i
		}
	}
	// ops are the body's instructions with {rN} for body register N, {zN} for a fixed
	// register, {m:i} for row i's memory operand and {K} for the mask.
	var ops []string
	uses := map[string]bool{}
	zr := func(s int) string {
		if hoisted[s] {
			return fmt.Sprintf("Z%d", reg[s])
		}
		return fmt.Sprintf("{r%d}", reg[s])
	}
	for i, in := range body {
		var freed []int
		for _, s := range in.sources() {
			if r, ok := reg[s]; ok && last[s] == i && !hoisted[s] && !slices.Contains(freed, r) {
				freed = append(freed, r)
			}
		}
		if in.op == "store" {
			ops = append(ops, fmt.Sprintf("store %s {m:%d}", zr(in.a), in.d))
			free = append(free, freed...)
			continue
		}
		if in.op == "sum" {
			ops = append(ops, fmt.Sprintf("sum %s {acc:%d}", zr(in.a), accBase[i]))
			free = append(free, freed...)
			continue
		}
		var d int
		fma := in.op == "fma" || in.op == "fms" || in.op == "fnma"
		switch {
		case fma && !hoisted[in.c] && slices.Contains(freed, reg[in.c]):
			d = reg[in.c] // the accumulator form overwrites c
			free = append(free, without(freed, d)...)
		case fma: // c lives on: copy it into a register no source holds
			var ok bool
			if d, ok = alloc(); !ok {
				return false
			}
			free = append(free, freed...)
			ops = append(ops, fmt.Sprintf("VMOVAP%s %s, {r%d}", sfx[1:], zr(in.c), d))
		default:
			free = append(free, freed...)
			var ok bool
			if d, ok = alloc(); !ok {
				return false
			}
		}
		zd := fmt.Sprintf("{r%d}", d)
		switch in.op {
		case "load":
			ops = append(ops, fmt.Sprintf("load {m:%d} %s", in.a, zd))
		case "add", "sub", "mul", "div":
			ops = append(ops, fmt.Sprintf("V%s%s %s, %s, %s", strings.ToUpper(in.op), sfx, zr(in.b), zr(in.a), zd))
		case "fma":
			ops = append(ops, fmt.Sprintf("VFMADD231%s %s, %s, %s", sfx, zr(in.b), zr(in.a), zd))
		case "fms":
			ops = append(ops, fmt.Sprintf("VFMSUB231%s %s, %s, %s", sfx, zr(in.b), zr(in.a), zd))
		case "fnma":
			ops = append(ops, fmt.Sprintf("VFNMADD231%s %s, %s, %s", sfx, zr(in.b), zr(in.a), zd))
		case "neg":
			uses["sign"] = true
			ops = append(ops, fmt.Sprintf("VPXOR%s Z28, %s, %s", isF, zr(in.a), zd))
		case "abs":
			uses["abs"] = true
			ops = append(ops, fmt.Sprintf("VPAND%s Z29, %s, %s", isF, zr(in.a), zd))
		case "relu": // the value as Intel's second source: NaN stays NaN
			uses["zero"] = true
			ops = append(ops, fmt.Sprintf("VMAX%s %s, Z31, %s", sfx, zr(in.a), zd))
		case "step": // 1 where a > 0 (ordered), else 0
			uses["zero"], uses["one"] = true, true
			ops = append(ops, fmt.Sprintf("VCMP%s $0x1e, Z31, %s, K2", sfx, zr(in.a)), fmt.Sprintf("VMOVAP%s.Z Z30, K2, %s", sfx[1:], zd))
		default:
			panic("mlc: internal error: vector op " + in.op)
		}
		reg[in.d] = d
	}
	unroll := 1
	if used > 0 {
		unroll = max(1, min(vecUnroll, top/used))
	}

	// render writes the body for copy u (registers shifted by u·used, columns by u zmm).
	rowMem := func(i, u int) (setup, mem string) {
		disp := ""
		if u > 0 {
			disp = fmt.Sprint(64 * u)
		}
		idx := "R14"
		if p.rowPerF[i] {
			idx = "R12"
		}
		if i < len(vecRowRegs) {
			return "", fmt.Sprintf("%s(%s)(%s*%d)", disp, vecRowRegs[i], idx, size)
		}
		return fmt.Sprintf("\tMOVQ %d(SP), AX\n", 8*i), fmt.Sprintf("%s(AX)(%s*%d)", disp, idx, size)
	}
	render := func(u int, masked bool) string {
		var out strings.Builder
		for _, op := range ops {
			for r := used - 1; r >= 0; r-- {
				op = strings.ReplaceAll(op, fmt.Sprintf("{r%d}", r), fmt.Sprintf("Z%d", r+u*used))
			}
			f := strings.Fields(op)
			switch f[0] {
			case "load":
				var i int
				fmt.Sscanf(f[1], "{m:%d}", &i)
				setup, mem := rowMem(i, u)
				out.WriteString(setup)
				if masked {
					fmt.Fprintf(&out, "\tVMOVUP%s.Z %s, K1, %s\n", sfx[1:], mem, f[2])
				} else {
					fmt.Fprintf(&out, "\tVMOVUP%s %s, %s\n", sfx[1:], mem, f[2])
				}
			case "store":
				var i int
				fmt.Sscanf(f[2], "{m:%d}", &i)
				setup, mem := rowMem(i, u)
				out.WriteString(setup)
				if masked {
					fmt.Fprintf(&out, "\tVMOVUP%s %s, K1, %s\n", sfx[1:], f[1], mem)
				} else {
					fmt.Fprintf(&out, "\tVMOVUP%s %s, %s\n", sfx[1:], f[1], mem)
				}
			case "sum":
				var a int
				fmt.Sscanf(f[2], "{acc:%d}", &a)
				acc := fmt.Sprintf("Z%d", a+u)
				if masked {
					fmt.Fprintf(&out, "\tVADD%s %s, %s, K1, %s\n", sfx, f[1], acc, acc)
				} else {
					fmt.Fprintf(&out, "\tVADD%s %s, %s, %s\n", sfx, f[1], acc, acc)
				}
			default:
				out.WriteString("\t" + op + "\n")
			}
		}
		return out.String()
	}

	frame := 8 * len(p.rows)
	fmt.Fprintf(b, "// func %s(tables uintptr, n int, features int)\n", name)
	fmt.Fprintf(b, "TEXT ·%s(SB), NOSPLIT, $%d-24\n", name, frame)
	b.WriteString("\tMOVQ tables+0(FP), R8\n\tMOVQ n+8(FP), R11\n")
	// The rows' addresses at feature 0, once: a row indexed by feature is read at f·ld further.
	for i := range p.rows {
		if i < len(vecRowRegs) {
			fmt.Fprintf(b, "\tMOVQ %d(R8), %s\n", 16*i, vecRowRegs[i])
		} else {
			fmt.Fprintf(b, "\tMOVQ %d(R8), CX\n\tMOVQ CX, %d(SP)\n", 16*i, 8*i)
		}
	}
	consts := []struct {
		use, bits32, bits64 string
		z                   int
	}{{"one", "0x3f800000", "0x3ff0000000000000", 30}, {"abs", "0x7fffffff", "0x7fffffffffffffff", 29}, {"sign", "0x80000000", "0x8000000000000000", 28}}
	if uses["zero"] {
		fmt.Fprintf(b, "\tVPXOR%s Z31, Z31, Z31\n", isF)
	}
	for _, c := range consts {
		if !uses[c.use] {
			continue
		}
		if f32 {
			fmt.Fprintf(b, "\tMOVL $%s, AX\n\tVPBROADCASTD AX, Z%d\n", c.bits32, c.z)
		} else {
			fmt.Fprintf(b, "\tMOVQ $%s, AX\n\tVPBROADCASTQ AX, Z%d\n", c.bits64, c.z)
		}
	}
	b.WriteString("\tXORQ R13, R13\n\tTESTQ R11, R11\n\tJLE done\n\tCMPQ R13, features+16(FP)\n\tJGE done\n\nfeature:\n")
	fmt.Fprintf(b, "\tMOVQ R13, R12\n\tIMULQ %d(R8), R12\n", kernels.VecLDOffset) // f·ld
	b.WriteString(pro.String())
	b.WriteString(zeroAcc.String())
	fmt.Fprintf(b, "\tXORQ R14, R14\n\nmain:\n\tLEAQ %d(R14), CX\n\tCMPQ CX, R11\n\tJGT tail\n", unroll*lanes)
	for u := range unroll {
		b.WriteString(render(u, false))
	}
	fmt.Fprintf(b, "\tADDQ $%d, R14\n\tADDQ $%d, R12\n\tJMP main\n\ntail:\n\tCMPQ R14, R11\n\tJGE next\n", unroll*lanes, unroll*lanes)
	b.WriteString("\tMOVQ R11, CX\n\tSUBQ R14, CX\n\tMOVL $1, DX\n\tSHLQ CL, DX\n\tDECQ DX\n")
	fmt.Fprintf(b, "\tMOVQ $%d, AX\n\tCMPQ CX, AX\n\tJLT mask\n\tKXNORW K0, K0, K1\n\tJMP masked\n\nmask:\n\tKMOVW DX, K1\n\nmasked:\n", lanes)
	b.WriteString(render(0, true))
	fmt.Fprintf(b, "\tADDQ $%d, R14\n\tADDQ $%d, R12\n\tJMP tail\n\nnext:\n%s\tINCQ R13\n\tCMPQ R13, features+16(FP)\n\tJLT feature\n\ndone:\n\tVZEROUPPER\n\tRET\n\n", lanes, lanes, epi.String())
	return true
}

// sources are the slots an instruction reads.
func (in vecInstr) sources() []int {
	switch in.op {
	case "load", "bcast":
		return nil
	case "store", "neg", "abs", "relu", "step", "sum":
		return []int{in.a}
	case "fma", "fms", "fnma":
		return []int{in.a, in.b, in.c}
	}
	return []int{in.a, in.b}
}

func without(s []int, x int) []int {
	var out []int
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// AsmFiles are the files that give a generated package's vector programs their
// assembly on amd64: Go declares and installs the functions, Asm defines them. Both
// are empty when the file has no vector program.
type AsmFiles struct {
	Go, Asm []byte
}

// vecFiles writes the amd64 files of the emitter's programs.
func (e *emitter) vecFiles(pkg string) (AsmFiles, error) {
	if len(e.vecs) == 0 {
		return AsmFiles{}, nil
	}
	head := fmt.Sprintf("// %s\n// source: %s\n\n//go:build amd64 && !purego\n\n", Header, e.source())
	var s, g, decls strings.Builder
	s.WriteString(head + "#include \"textflag.h\"\n\n")
	g.WriteString(head + "package " + pkg + "\n\n")
	g.WriteString("// The AVX-512 assembly of vecProgs (" + strings.TrimSuffix(e.source(), ".ml") + "_amd64.s).\n")
	g.WriteString("func init() {\n")
	for i, p := range e.vecs {
		name := fmt.Sprintf("vecAsm%d", i)
		if !vecAsm(&s, p, name, e.bits) {
			continue // too many live values for the registers: the scalar loop runs
		}
		fmt.Fprintf(&g, "\t%s[%d].SetAsm(%s)\n", vecProgsName, i, name)
		fmt.Fprintf(&decls, "\n// %s: %s\n//\n//go:noescape\nfunc %s(tables uintptr, n, features int)\n", name, p.comment, name)
	}
	g.WriteString("}\n")
	g.WriteString(decls.String())
	src, err := format.Source([]byte(g.String()))
	if err != nil {
		return AsmFiles{}, fmt.Errorf("internal error: generated amd64 declarations do not format: %v", firstLine(err.Error()))
	}
	return AsmFiles{Go: src, Asm: []byte(s.String())}, nil
}
