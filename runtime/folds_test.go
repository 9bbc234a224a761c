package runtime

import (
	"slices"
	"testing"
)

// TestFolds: every row is in exactly one fold; stratified folds hold each class in nearly
// the whole's proportion; the same seed gives the same folds.
func TestFolds(t *testing.T) {
	// 30 rows: 15 of class 0, 10 of class 1, 5 of class 2, sorted by class as iris is.
	tab := &Table[float64]{Rows: 30, Features: 1, Targets: 1}
	for r := range 30 {
		c := 0.0
		if r >= 15 {
			c = 1
		}
		if r >= 25 {
			c = 2
		}
		tab.X, tab.Y = append(tab.X, float64(r)), append(tab.Y, c)
	}
	for _, classes := range []int{0, 3} {
		folds, err := Folds(tab, 5, classes, 7)
		if err != nil {
			t.Fatal(err)
		}
		var all []int
		for _, f := range folds {
			if len(f) != 6 {
				t.Errorf("classes %d: a fold of %d rows, want 6", classes, len(f))
			}
			all = append(all, f...)
			if classes > 0 {
				count := make([]int, 3)
				for _, r := range f {
					count[int(tab.Y[r])]++
				}
				if !slices.Equal(count, []int{3, 2, 1}) {
					t.Errorf("stratified fold has classes %v, want [3 2 1]", count)
				}
			}
		}
		slices.Sort(all)
		for i, r := range all {
			if r != i {
				t.Fatalf("classes %d: rows %v are not each in one fold", classes, all)
			}
		}
		again, _ := Folds(tab, 5, classes, 7)
		if !slices.EqualFunc(folds, again, slices.Equal) {
			t.Errorf("classes %d: the same seed gave other folds", classes)
		}
	}
	if _, err := Folds(tab, 1, 0, 1); err == nil {
		t.Error("1 fold: no error")
	}
	p := tab.Pick([]int{3, 0})
	if p.Rows != 2 || p.X[0] != 3 || p.X[1] != 0 {
		t.Errorf("Pick: %+v", p)
	}
}
