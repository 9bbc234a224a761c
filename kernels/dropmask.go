package kernels

import "math/bits"

// MaskStream is the random stream dropout masks are drawn from: 16 lanes of xoshiro128++
// (Blackman & Vigna), one zmm of 32-bit words per state word, so the assembly draws 32
// mask elements in a dozen vector instructions. The portable path computes the same bits:
// a mask depends on the seed and on the lengths of the masks drawn before it, never on
// the path or the machine.
type MaskStream struct {
	s [4][16]uint32
}

// Seed sets the stream's 64 state words from seed (SplitMix64), in place.
func (m *MaskStream) Seed(seed uint64) {
	z := seed
	for i := range 4 {
		for j := 0; j < 16; j += 2 {
			z += 0x9e3779b97f4a7c15
			x := z
			x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
			x = (x ^ (x >> 27)) * 0x94d049bb133111eb
			x ^= x >> 31
			m.s[i][j], m.s[i][j+1] = uint32(x), uint32(x>>32)
		}
	}
	for j := range 16 { // xoshiro's one forbidden state
		if m.s[0][j]|m.s[1][j]|m.s[2][j]|m.s[3][j] == 0 {
			m.s[0][j] = 1
		}
	}
}

// next advances every lane one step and returns the 16 words drawn.
func (m *MaskStream) next() (r [16]uint32) {
	for j := range 16 {
		r[j] = m.step(j)
	}
	return r
}

// step advances lane j one step of xoshiro128++ and returns its word.
func (m *MaskStream) step(j int) uint32 {
	s := &m.s
	a, b, c, d := s[0][j], s[1][j], s[2][j], s[3][j]
	r := bits.RotateLeft32(a+d, 7) + a
	t := b << 9
	c ^= a
	d ^= b
	b ^= c
	a ^= d
	c ^= t
	s[0][j], s[1][j], s[2][j], s[3][j] = a, b, c, bits.RotateLeft32(d, 11)
	return r
}

// DropoutMask32 fills mask with keep or 0: element i of each block of 32 is 0 when the
// 16-bit draw u_i < cut (probability cut/65536), else keep. A block takes one step of the
// stream; a last partial block takes a whole step and uses its first elements.
func DropoutMask32(mask []float32, m *MaskStream, cut uint32, keep float32) {
	dropoutMask(mask, m, cut, keep)
}

// DropoutMask64 is DropoutMask32 for float64 masks (the same draws).
func DropoutMask64(mask []float64, m *MaskStream, cut uint32, keep float64) {
	dropoutMask(mask, m, cut, keep)
}

func dropoutMask[T float](mask []T, m *MaskStream, cut uint32, keep T) {
	steps := len(mask) / 32
	if steps > 0 {
		if UsingAsm() {
			dropMaskAsm(mask[:32*steps], m, steps, cut, keep)
		} else {
			dropMaskGo(mask, m, steps, cut, keep)
		}
	}
	if rest := mask[32*steps:]; len(rest) > 0 {
		dropBlock(rest, m, cut, keep)
	}
}

// dropMaskGo is the portable path of dropMaskAsm: steps whole blocks of 32.
func dropMaskGo[T float](mask []T, m *MaskStream, steps int, cut uint32, keep T) {
	for b := range steps {
		dropFull(mask[32*b:32*b+32], m, cut, keep)
	}
}

// dropFull draws one step into a whole block of 32 elements: the portable path's loop.
func dropFull[T float](mask []T, m *MaskStream, cut uint32, keep T) {
	vals := [2]T{keep, 0}
	lo, hi := mask[:16:16], mask[16:32:32]
	for j := range 16 {
		w := m.step(j)
		lo[j] = vals[(w&0xffff-cut)>>31] // 0 when u < cut (u, cut ≤ 65536), without a branch
		hi[j] = vals[(w>>16-cut)>>31]
	}
}

// dropBlock draws one step into the first len(mask) ≤ 32 elements of a block.
func dropBlock[T float](mask []T, m *MaskStream, cut uint32, keep T) {
	r := m.next()
	vals := [2]T{keep, 0}
	for i := range mask {
		u := r[i%16] & 0xffff
		if i >= 16 {
			u = r[i-16] >> 16
		}
		mask[i] = vals[(u-cut)>>31]
	}
}
