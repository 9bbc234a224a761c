package difftest

import (
	"math"
	"math/rand/v2"
)

// fourier evaluates random Fourier features as the language defines them: frequencies b_kj
// drawn in the order k, then j, as 2π·scale·N(0, 1) from math/rand/v2's PCG seeded with
// (seed, 0x464f5552494552); per row cos(Σ_j b_kj a_j) for k = 1…M, then the sines.
func (ev *refEval) fourier(e Fourier) value {
	rng := rand.New(rand.NewPCG(uint64(e.Seed), 0x464f5552494552))
	args := make([]value, len(e.Args))
	for j, a := range e.Args {
		args[j] = ev.eval(a)
	}
	b := make([][]float64, e.M)
	for k := range b {
		b[k] = make([]float64, len(args))
		for j := range args {
			b[k][j] = 2 * math.Pi * e.Scale * rng.NormFloat64()
		}
	}
	out := make([][]jet, ev.rows)
	for r := range out {
		phase := make([]jet, e.M)
		for k := range phase {
			p := constJet(ev.nv, 0)
			for j, a := range args {
				p = p.add(constJet(ev.nv, b[k][j]).mul(a.r[r][0]))
			}
			phase[k] = p
		}
		for _, f := range []string{"cos", "sin"} {
			for _, p := range phase {
				out[r] = append(out[r], p.fn(f))
			}
		}
	}
	return value{batched: true, r: out}
}
