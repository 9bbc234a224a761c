package runtime

import (
	"slices"
	"testing"
)

func TestShiftImage(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6} // 2 × 3
	dst := make([]float64, 6)
	for _, c := range []struct {
		dy, dx int
		want   []float64
	}{
		{0, 0, []float64{1, 2, 3, 4, 5, 6}},
		{0, 1, []float64{0, 1, 2, 0, 4, 5}},
		{0, -1, []float64{2, 3, 0, 5, 6, 0}},
		{1, 0, []float64{0, 0, 0, 1, 2, 3}},
		{-1, 1, []float64{0, 4, 5, 0, 0, 0}},
	} {
		shiftImage(dst, x, 2, 3, c.dy, c.dx)
		if !slices.Equal(dst, c.want) {
			t.Errorf("shift by (%d, %d): %v, want %v", c.dy, c.dx, dst, c.want)
		}
	}
}

// Augmented moves the training rows' inputs, never their targets or the kept (validation)
// rows, and does so reproducibly for a seed.
func TestAugmented(t *testing.T) {
	const rows = 40
	tab := &Table[float32]{Rows: rows, Features: 4, Targets: 1, X: make([]float32, rows*4), Y: make([]float32, rows)}
	for r := range rows {
		copy(tab.X[r*4:], []float32{1, 2, 3, 4})
		tab.Y[r] = float32(r)
	}
	gather := func(seed uint64) ([]float32, []float32) {
		a, err := NewAugmented[float32](tab, Shift{N: 1, Shape: [2]int{2, 2}}, 10, seed)
		if err != nil {
			t.Fatal(err)
		}
		idx := make([]int, rows)
		for i := range idx {
			idx[i] = i
		}
		x, y := make([]float32, rows*4), make([]float32, rows)
		a.Gather(idx, x, y)
		return x, y
	}
	x, y := gather(1)
	moved := 0
	for r := range rows {
		row := x[r*4 : r*4+4]
		if !slices.Equal(row, []float32{1, 2, 3, 4}) {
			moved++
			if r >= rows-10 {
				t.Errorf("kept row %d moved: %v", r, row)
			}
		}
		if y[r] != float32(r) {
			t.Errorf("target of row %d changed: %v", r, y[r])
		}
	}
	if moved < 20 { // 8 of 9 shifts move a row
		t.Errorf("%d of 30 rows moved", moved)
	}
	if x2, _ := gather(1); !slices.Equal(x, x2) {
		t.Error("the same seed moved the rows differently")
	}
	if !slices.Equal(tab.X[:4], []float32{1, 2, 3, 4}) {
		t.Error("the table itself was changed")
	}
	if _, err := NewAugmented[float32](tab, Shift{N: 1, Shape: [2]int{3, 3}}, 0, 1); err == nil {
		t.Error("a 3 × 3 image of a 4-value input accepted")
	}
}
