package runtime

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"unsafe"

	"github.com/mlc-go/mlc/kernels"
)

// RNG is a seeded pseudo-random stream (PCG-DXSM from math/rand/v2, held by value so that
// drawing numbers never allocates). The same seed gives the same numbers on every platform.
//
// An RNG is not safe for concurrent use; give each goroutine its own.
type RNG struct {
	pcg rand.PCG
	// masks is the stream dropout masks come from, seeded from pcg at the first mask
	// after a seed (maskSeeded): sixteen generators side by side, which the assembly
	// advances together.
	masks      kernels.MaskStream
	maskSeeded bool
}

// NewRNG returns a stream seeded from seed. The second PCG seed word is derived from the first
// so that one uint64 is all a user has to record to reproduce a run.
func NewRNG(seed uint64) *RNG {
	r := new(RNG)
	r.pcg.Seed(seed, splitmix64(seed))
	return r
}

// Uint64 returns 64 uniformly random bits.
func (r *RNG) Uint64() uint64 { return r.pcg.Uint64() }

// Float64 returns a uniform value in [0, 1) with 53 random bits. Dropout calls it per element,
// so it is a shift and a multiply, not a call through an interface.
func (r *RNG) Float64() float64 { return float64(r.pcg.Uint64()>>11) * 0x1p-53 }

// Float32 returns a uniform value in [0, 1) with 24 random bits (all a float32 mantissa holds,
// so the result can never round up to 1).
func (r *RNG) Float32() float32 { return float32(r.pcg.Uint64()>>40) * 0x1p-24 }

// IntN returns a uniform value in [0, n) without modulo bias (Lemire's method). Like
// math/rand/v2 it panics if n <= 0: that is a bug in the caller, not bad data.
func (r *RNG) IntN(n int) int {
	if n <= 0 {
		panic("mlrt: RNG.IntN: n must be positive")
	}
	un := uint64(n)
	hi, lo := bits.Mul64(r.pcg.Uint64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(r.pcg.Uint64(), un)
		}
	}
	return int(hi)
}

// Shuffle permutes idx in place, uniformly (Fisher–Yates).
func (r *RNG) Shuffle(idx []int) {
	for i := len(idx) - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		idx[i], idx[j] = idx[j], idx[i]
	}
}

// Normal returns a standard normal value (Box–Muller; the second value of the pair is dropped
// so that the stream has no hidden state besides the PCG).
func (r *RNG) Normal() float64 {
	u1 := 1 - r.Float64() // (0, 1], so the log is finite
	u2 := r.Float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// splitmix64 is the SplitMix64 finaliser: it turns nearby seeds (1, 2, 3, ...) into unrelated
// words, which is what seeding and deriving streams need.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// deriveSeed gives independent seeds for the separate streams one user seed feeds (shuffling,
// dropout), so that changing how many numbers one stream draws never shifts another.
func deriveSeed(seed, stream uint64) uint64 {
	return splitmix64(seed ^ splitmix64(stream+0x6d6c63)) // "mlc"
}

// Seed restarts r from seed, in place (no allocation): how a worker goroutine gets a
// stream of its own, derived from the caller's generator.
func (r *RNG) Seed(seed uint64) {
	r.pcg.Seed(seed, splitmix64(seed))
	r.maskSeeded = false
}

// DropoutMask fills mask with Keras' inverted dropout: 0 with probability rate, else
// 1/(1-rate); with a nil rng, all ones (dropout off). Each element is decided by 16 random
// bits, so the rate is applied as a multiple of 1/65536 (0.2 becomes 0.199997). The bits
// come from the rng's mask stream (kernels.MaskStream), which its first mask seeds with
// one draw: the assembly draws 32 elements in a dozen vector instructions, where a draw
// of the scalar generator per four elements dominated the cost of a dropout layer.
func DropoutMask[T Float](mask []T, rng *RNG, rate float64) {
	if rng == nil || rate <= 0 {
		for i := range mask {
			mask[i] = 1
		}
		return
	}
	if len(mask) == 0 {
		return
	}
	if !rng.maskSeeded {
		rng.masks.Seed(rng.pcg.Uint64())
		rng.maskSeeded = true
	}
	cut := uint32(min(rate, 1)*65536 + 0.5)
	keep := T(1 / (1 - rate))
	p := unsafe.Pointer(unsafe.SliceData(mask)) // T is float32 or float64, maybe renamed
	if unsafe.Sizeof(keep) == 4 {
		kernels.DropoutMask32(unsafe.Slice((*float32)(p), len(mask)), &rng.masks, cut, float32(keep))
	} else {
		kernels.DropoutMask64(unsafe.Slice((*float64)(p), len(mask)), &rng.masks, cut, float64(keep))
	}
}
