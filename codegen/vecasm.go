package codegen

// The AVX-512 assembly of a file's vector programs: each program becomes a loop over
// features and over one zmm of the batch at a time (16 float32 or 8 float64 lanes),
// with every slot in a register. Scalars and constants are broadcast once per
// feature. Row loads and stores are masked by K1, the lanes below n, so the columns
// n ≤ b < ld are never touched. The calling convention is kernels.VecAsm.

import (
	"fmt"
	"go/format"
	"strings"
)

// Fixed registers: Z28 sign bits, Z29 the absolute-value mask, Z30 one, Z31 zero;
// R8 the tables, R11 n, R12 features, R13 the feature, R14 the column.
const vecFreeRegs = 28

// vecAsm writes the assembly of program p as TEXT ·name, or reports false when it
// needs more registers than there are.
func vecAsm(b *strings.Builder, p *vecProg, name, bits string) bool {
	f32 := bits == "32"
	sfx, size, lanes := "PD", 8, 8
	if f32 {
		sfx, size, lanes = "PS", 4, 16
	}
	// Registers: broadcasts live for the whole loop, other slots until their last use.
	reg := map[int]int{}
	var free []int
	for r := vecFreeRegs - 1; r >= 0; r-- {
		free = append(free, r)
	}
	alloc := func() (int, bool) {
		if len(free) == 0 {
			return 0, false
		}
		r := free[len(free)-1]
		free = free[:len(free)-1]
		return r, true
	}
	var body []vecInstr
	var pro strings.Builder
	for _, in := range p.instrs {
		if in.op != "bcast" {
			body = append(body, in)
			continue
		}
		r, ok := alloc()
		if !ok {
			return false
		}
		reg[in.d] = r
		j := p.scalIndex(in.a)
		fmt.Fprintf(&pro, "\tMOVQ %d(R8), AX\n\tMOVQ %d(R8), BX\n\tIMULQ R13, BX\n\tVBROADCASTS%s (AX)(BX*1), Z%d\n",
			512+16*j, 512+16*j+8, sfx[1:], r)
	}
	last := map[int]int{}
	for i, in := range body {
		for _, s := range in.sources() {
			last[s] = i
		}
	}
	uses := map[string]bool{}
	var loop strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&loop, "\t"+format+"\n", args...) }
	z := func(s int) string { return fmt.Sprintf("Z%d", reg[s]) }
	for i, in := range body {
		// Free the registers of sources used for the last time (not the broadcasts').
		var freed []int
		for _, s := range in.sources() {
			if r, ok := reg[s]; ok && last[s] == i && !isHoisted(p, s) && !contains(freed, r) {
				freed = append(freed, r)
			}
		}
		if in.op == "store" {
			w("MOVQ %d(SP), AX", 8*in.d)
			w("VMOVUP%s %s, K1, (AX)(R14*%d)", sfx[1:], z(in.a), size)
			free = append(free, freed...)
			continue
		}
		var d int
		fma := in.op == "fma" || in.op == "fms" || in.op == "fnma"
		switch {
		case fma && contains(freed, reg[in.c]):
			d = reg[in.c] // the accumulator form overwrites c
			free = append(free, without(freed, d)...)
		case fma: // c lives on: copy it into a register no source holds
			var ok bool
			if d, ok = alloc(); !ok {
				return false
			}
			free = append(free, freed...)
			w("VMOVAP%s %s, Z%d", sfx[1:], z(in.c), d)
		default:
			free = append(free, freed...)
			var ok bool
			if d, ok = alloc(); !ok {
				return false
			}
		}
		zd := fmt.Sprintf("Z%d", d)
		switch in.op {
		case "load":
			w("MOVQ %d(SP), AX", 8*in.a)
			w("VMOVUP%s.Z (AX)(R14*%d), K1, %s", sfx[1:], size, zd)
		case "add", "sub", "mul", "div":
			w("V%s%s %s, %s, %s", strings.ToUpper(in.op), sfx, z(in.b), z(in.a), zd)
		case "fma":
			w("VFMADD231%s %s, %s, %s", sfx, z(in.b), z(in.a), zd)
		case "fms":
			w("VFMSUB231%s %s, %s, %s", sfx, z(in.b), z(in.a), zd)
		case "fnma":
			w("VFNMADD231%s %s, %s, %s", sfx, z(in.b), z(in.a), zd)
		case "neg":
			uses["sign"] = true
			w("VPXOR%s Z28, %s, %s", map[bool]string{true: "D", false: "Q"}[f32], z(in.a), zd)
		case "abs":
			uses["abs"] = true
			w("VPAND%s Z29, %s, %s", map[bool]string{true: "D", false: "Q"}[f32], z(in.a), zd)
		case "relu": // the value as Intel's second source: NaN stays NaN
			uses["zero"] = true
			w("VMAX%s %s, Z31, %s", sfx, z(in.a), zd)
		case "step": // 1 where a > 0 (ordered), else 0
			uses["zero"], uses["one"] = true, true
			w("VCMP%s $0x1e, Z31, %s, K2", sfx, z(in.a))
			w("VMOVAP%s.Z Z30, K2, %s", sfx[1:], zd)
		default:
			panic("mlc: internal error: vector op " + in.op)
		}
		reg[in.d] = d
	}

	frame := 8 * len(p.rows)
	fmt.Fprintf(b, "// func %s(tables uintptr, n int, features int)\n", name)
	fmt.Fprintf(b, "TEXT ·%s(SB), NOSPLIT, $%d-24\n", name, frame)
	b.WriteString("\tMOVQ tables+0(FP), R8\n\tMOVQ n+8(FP), R11\n\tMOVQ features+16(FP), R12\n")
	if f32 {
		if uses["zero"] {
			b.WriteString("\tVPXORD Z31, Z31, Z31\n")
		}
		for _, c := range []struct {
			use  string
			bits string
			z    int
		}{{"one", "0x3f800000", 30}, {"abs", "0x7fffffff", 29}, {"sign", "0x80000000", 28}} {
			if uses[c.use] {
				fmt.Fprintf(b, "\tMOVL $%s, AX\n\tVPBROADCASTD AX, Z%d\n", c.bits, c.z)
			}
		}
	} else {
		if uses["zero"] {
			b.WriteString("\tVPXORQ Z31, Z31, Z31\n")
		}
		for _, c := range []struct {
			use  string
			bits string
			z    int
		}{{"one", "0x3ff0000000000000", 30}, {"abs", "0x7fffffffffffffff", 29}, {"sign", "0x8000000000000000", 28}} {
			if uses[c.use] {
				fmt.Fprintf(b, "\tMOVQ $%s, AX\n\tVPBROADCASTQ AX, Z%d\n", c.bits, c.z)
			}
		}
	}
	b.WriteString("\tXORQ R13, R13\n\tTESTQ R11, R11\n\tJLE done\n\tCMPQ R13, R12\n\tJGE done\n\nfeature:\n")
	for i := range p.rows {
		fmt.Fprintf(b, "\tMOVQ %d(R8), AX\n\tMOVQ %d(R8), BX\n\tIMULQ R13, BX\n\tADDQ BX, AX\n\tMOVQ AX, %d(SP)\n", 16*i, 16*i+8, 8*i)
	}
	b.WriteString(pro.String())
	fmt.Fprintf(b, "\tXORQ R14, R14\n\nchunk:\n\tMOVQ R11, AX\n\tSUBQ R14, AX\n\tCMPQ AX, $%d\n\tJGE full\n", lanes)
	b.WriteString("\tMOVQ AX, CX\n\tMOVL $1, DX\n\tSHLQ CL, DX\n\tDECQ DX\n\tKMOVW DX, K1\n\tJMP body\n\nfull:\n\tKXNORW K0, K0, K1\n\nbody:\n")
	b.WriteString(loop.String())
	fmt.Fprintf(b, "\tADDQ $%d, R14\n\tCMPQ R14, R11\n\tJLT chunk\n\tINCQ R13\n\tCMPQ R13, R12\n\tJLT feature\n\ndone:\n\tVZEROUPPER\n\tRET\n\n", lanes)
	return true
}

func isHoisted(p *vecProg, s int) bool {
	for _, in := range p.instrs {
		if in.d == s && in.op == "bcast" {
			return true
		}
	}
	return false
}

// sources are the slots an instruction reads.
func (in vecInstr) sources() []int {
	switch in.op {
	case "load", "bcast":
		return nil
	case "store", "neg", "abs", "relu", "step":
		return []int{in.a}
	case "fma", "fms", "fnma":
		return []int{in.a, in.b, in.c}
	}
	return []int{in.a, in.b}
}

func contains(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
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
