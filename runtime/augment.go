package runtime

import "fmt"

// Shift is data augmentation by translation: every time a training row is drawn, its input,
// seen as an image of Shape (rows × columns; a series: steps × channels), moves by a random
// whole number of pixels in [−N, N] along each axis, the pixels moved in being zero. A digit
// written a pixel to the left is the same digit, and a network that has seen such copies
// judges a new writer's digits better.
type Shift struct {
	N     int
	Shape [2]int
}

// Validate checks s against an input of size values.
func (s Shift) Validate(size int) error {
	if s.N < 1 || s.Shape[0] < 1 || s.Shape[1] < 1 {
		return fmt.Errorf("shift: want N ≥ 1 and a shape of at least 1 × 1, got N = %d, shape %d × %d", s.N, s.Shape[0], s.Shape[1])
	}
	if s.Shape[0]*s.Shape[1] != size {
		return fmt.Errorf("shift: an image of %d × %d is %d values, the input has %d", s.Shape[0], s.Shape[1], s.Shape[0]*s.Shape[1], size)
	}
	return nil
}

// shiftImage moves the image x (row-major, h × w) by dy rows and dx columns into dst (which
// must not overlap x), filling with zeros.
func shiftImage[T Float](dst, x []T, h, w, dy, dx int) {
	clear(dst[:h*w])
	for r := range h {
		sr := r - dy
		if sr < 0 || sr >= h {
			continue
		}
		for c := range w {
			sc := c - dx
			if sc < 0 || sc >= w {
				continue
			}
			dst[r*w+c] = x[sr*w+sc]
		}
	}
}

// Augmented is a training Source whose rows' inputs are shifted at random each time they are
// gathered (Shift), except the last Keep rows — the validation rows, which are judged as
// they are. The targets are never changed. Its random stream is its own, seeded, so a
// training run stays reproducible.
type Augmented[T Float] struct {
	Src   Source[T]
	Shift Shift
	Keep  int
	rng   *RNG
	buf   []T
}

// NewAugmented wraps src; keep rows at its end are left as they are.
func NewAugmented[T Float](src Source[T], s Shift, keep int, seed uint64) (*Augmented[T], error) {
	if err := s.Validate(src.NumFeatures()); err != nil {
		return nil, err
	}
	return &Augmented[T]{Src: src, Shift: s, Keep: keep, rng: NewRNG(seed ^ 0x5348494654), buf: make([]T, src.NumFeatures())}, nil // "SHIFT"
}

func (a *Augmented[T]) NumRows() int     { return a.Src.NumRows() }
func (a *Augmented[T]) NumFeatures() int { return a.Src.NumFeatures() }
func (a *Augmented[T]) NumTargets() int  { return a.Src.NumTargets() }

// Gather gathers the rows, then shifts the inputs of those that are not kept.
func (a *Augmented[T]) Gather(rows []int, x, y []T) {
	a.Src.Gather(rows, x, y)
	f := a.NumFeatures()
	h, w, n := a.Shift.Shape[0], a.Shift.Shape[1], a.Shift.N
	for i, r := range rows {
		if r >= a.Src.NumRows()-a.Keep {
			continue
		}
		dy, dx := a.rng.IntN(2*n+1)-n, a.rng.IntN(2*n+1)-n
		if dy == 0 && dx == 0 {
			continue
		}
		row := x[i*f : (i+1)*f]
		copy(a.buf, row)
		shiftImage(row, a.buf, h, w, dy, dx)
	}
}
