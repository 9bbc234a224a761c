package timeseries

import (
	"math"
	"slices"
	"testing"
	"time"
)

// zeroAE reconstructs every window as zeros, so a window's MAE is the mean |x| per channel.
type zeroAE struct{ *scaleAE }

func (m zeroAE) Predict(dst, x []float64, n int) { clear(dst[:n*m.steps*m.ch]) }

func TestWindowMAE(t *testing.T) {
	s := minuteSeries(10, 2)
	for i := range s.Values {
		s.Values[i] = 0
	}
	s.Values[2*4] = 4   // minute 4, channel 0
	s.Values[2*6+1] = 2 // minute 6, channel 1
	w, _ := NewWindows(s, 4, 0)
	m := zeroAE{newScaleAE(4, 2, 3)} // MaxBatch 3 does not divide 7 windows
	mae, err := WindowMAE[float64](m, w)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{
		0, 0, // 0..3
		1, 0, // 1..4
		1, 0, // 2..5
		1, 0.5, // 3..6
		1, 0.5, // 4..7
		0, 0.5, // 5..8
		0, 0.5, // 6..9
	}
	if !slices.Equal(mae, want) {
		t.Errorf("mae %v, want %v", mae, want)
	}
	if _, err := WindowMAE[float64](zeroAE{newScaleAE(5, 2, 3)}, w); err == nil {
		t.Error("a model of the wrong size accepted")
	}
}

func TestQuantileAndThreshold(t *testing.T) {
	v := []float64{3, 1, 4, 1, 5}
	for _, c := range []struct{ q, want float64 }{{0, 1}, {1, 5}, {0.5, 3}, {0.25, 1}, {0.875, 4.5}} {
		if got := Quantile(v, c.q); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if !math.IsNaN(Quantile(nil, 0.5)) || !math.IsNaN(Quantile(v, 1.5)) {
		t.Error("Quantile of nothing or q > 1 is not NaN")
	}
	if !slices.Equal(v, []float64{3, 1, 4, 1, 5}) {
		t.Error("Quantile sorted its input")
	}
	mae := []float64{0.1, 0.3, 0.2, 0.25, 0.9, 0.05}
	if th, err := Threshold(mae, 2, 1); err != nil || th != 0.9 {
		t.Errorf("max threshold %v %v", th, err)
	}
	if th, err := Threshold(mae, 2, 0); err != nil || th != 0.25 {
		t.Errorf("min threshold %v %v", th, err)
	}
	if _, err := Threshold(mae, 2, 2); err == nil {
		t.Error("q = 2 accepted")
	}
	if _, err := Threshold(nil, 2, 1); err == nil {
		t.Error("no windows accepted")
	}
}

func TestDetect(t *testing.T) {
	// 30 minutes, minute 20 missing: 29 samples (indices 0..19 are minutes 0..19, indices
	// 20..28 minutes 21..29). Windows of 4: starts 0..16 (minutes 0..16) and 20..25.
	s := minuteSeries(30, 1, 20)
	w, _ := NewWindows(s, 4, 0)
	if w.NumRows() != 17+6 {
		t.Fatalf("%d windows", w.NumRows())
	}
	// Anomalous windows: those starting at minutes 3..8, and 21..26 (all after the gap).
	mae := make([]float64, w.NumRows())
	for i := range mae {
		m := int(w.Start(i).Sub(s.Times[0]) / time.Minute)
		if m >= 3 && m <= 8 || m >= 21 {
			mae[i] = 2
		} else {
			mae[i] = 0.5
		}
	}
	a, err := Detect(w, mae, 1, DetectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A minute is anomalous when every window covering it is: minute k is covered by the
	// windows starting at k−3..k. Minutes 6..8 are (windows 3..8); minute 9 is not (window 9
	// is normal), minute 5 not (window 2). After the gap every window is anomalous, so all
	// of minutes 21..29 are; minutes 17..19 are covered only by normal windows.
	var flagged []int
	for k, f := range a.Sample {
		if f {
			flagged = append(flagged, int(s.Times[k].Sub(s.Times[0])/time.Minute))
		}
	}
	if want := []int{6, 7, 8, 21, 22, 23, 24, 25, 26, 27, 28, 29}; !slices.Equal(flagged, want) {
		t.Errorf("anomalous minutes %v, want %v", flagged, want)
	}
	at := func(m int) time.Time { return s.Times[0].Add(time.Duration(m) * time.Minute) }
	want := []Interval{{Start: at(6), End: at(8), First: 6, Last: 8}, {Start: at(21), End: at(29), First: 20, Last: 28}}
	if !slices.Equal(a.Intervals, want) {
		t.Errorf("intervals %v, want %v", a.Intervals, want)
	}
	nw := 0
	for _, f := range a.Window {
		if f {
			nw++
		}
	}
	if nw != 6+6 || a.Threshold != 1 || len(a.Max) != w.NumRows() {
		t.Errorf("%d anomalous windows, threshold %v", nw, a.Threshold)
	}

	// One missing minute does not split an interval (the merge rule: at most 2.5 cadences
	// apart); a merge of one minute does.
	for i := range mae {
		mae[i] = 2
	}
	a, _ = Detect(w, mae, 1, DetectOptions{})
	if len(a.Intervals) != 1 || a.Intervals[0].Start != at(0) || a.Intervals[0].End != at(29) {
		t.Errorf("all anomalous: %v", a.Intervals)
	}
	if a.Judged != 29 || a.Covered != 29 || a.Flagged != 29 {
		t.Errorf("judged %d covered %d flagged %d, want 29 each", a.Judged, a.Covered, a.Flagged)
	}
	a, _ = Detect(w, mae, 1, DetectOptions{Merge: time.Minute})
	if len(a.Intervals) != 2 || a.Intervals[0].End != at(19) || a.Intervals[1].Start != at(21) {
		t.Errorf("all anomalous, merge 1 min: %v", a.Intervals)
	}
	// A judged range: the samples before index 10 and from 25 on are context, never flagged,
	// and their windows still count.
	a, _ = Detect(w, mae, 1, DetectOptions{From: 10, To: 25})
	if a.Judged != 15 || a.Flagged != 15 || len(a.Intervals) != 1 || a.Intervals[0].First != 10 || a.Intervals[0].Last != 24 || a.Sample[9] || a.Sample[25] {
		t.Errorf("judged range: %+v", a)
	}
	if _, err := Detect(w, mae, 1, DetectOptions{From: 10, To: 40}); err == nil {
		t.Error("a judged range beyond the series accepted")
	}
	// The threshold is strict: equal is normal.
	a, _ = Detect(w, mae, 2, DetectOptions{})
	if len(a.Intervals) != 0 {
		t.Errorf("mae = threshold flagged: %v", a.Intervals)
	}
	if _, err := Detect(w, mae[:3], 1, DetectOptions{}); err == nil {
		t.Error("wrong number of errors accepted")
	}
}
