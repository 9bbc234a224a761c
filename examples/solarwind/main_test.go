package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mlc-go/mlc/runtime/timeseries"
)

func TestSynthesize(t *testing.T) {
	train, test, events, err := synthesize(5000, 4000, 7)
	if err != nil {
		t.Fatal(err)
	}
	train2, test2, _, _ := synthesize(5000, 4000, 7)
	if !slices.Equal(train.Values, train2.Values) || !slices.Equal(test.Values, test2.Values) {
		t.Error("the same seed gave different data")
	}
	if train.Len()+train.Dropped != 5000 || test.Len()+test.Dropped != 4000 || train.Dropped == 0 {
		t.Errorf("train %d+%d, test %d+%d samples: want 5000 and 4000 minutes with some gaps", train.Len(), train.Dropped, test.Len(), test.Dropped)
	}
	if len(events) != len(testEvents) {
		t.Fatalf("%d events", len(events))
	}
	mag := func(s *timeseries.Series[float32], i int) float64 {
		r := s.Row(i)
		return math.Sqrt(float64(r[0]*r[0] + r[1]*r[1] + r[2]*r[2]))
	}
	// The background is an outward Parker spiral of about 40 nT: B_R > 0, B_T < 0.
	var mean [3]float64
	for i := range train.Len() {
		for c, v := range train.Row(i) {
			mean[c] += float64(v) / float64(train.Len())
		}
	}
	if !(mean[0] > 20 && mean[1] < -10 && math.Abs(mean[2]) < 10) {
		t.Errorf("training mean field %v nT", mean)
	}
	for k, e := range events {
		if e.Start.Before(test.Times[0]) || e.End.After(test.Times[test.Len()-1]) {
			t.Errorf("event %q outside the test period", e.Name)
		}
		in := test.Between(e.Start, e.End.Add(time.Second))
		if want := int(e.End.Sub(e.Start)/time.Minute) + 1; in.Len() != want {
			t.Errorf("event %q: %d samples, want %d: a gap inside", e.Name, in.Len(), want)
		}
		i0 := slices.IndexFunc(test.Times, func(t time.Time) bool { return t.Equal(e.Start) })
		switch testEvents[k].kind {
		case "reversal":
			neg := 0
			for i := range in.Len() {
				if in.Row(i)[0] < 0 {
					neg++
				}
			}
			if neg < in.Len()*2/3 {
				t.Errorf("event %q: B_R < 0 in only %d of %d minutes", e.Name, neg, in.Len())
			}
		case "shock":
			before, after := 0.0, 0.0
			for j := 1; j <= 30; j++ {
				before += mag(test, i0-j) / 30
				after += mag(test, i0+j) / 30
			}
			if r := after / before; r < 1.7 || r > 3 {
				t.Errorf("shock: |B| %0.1f → %0.1f nT, ratio %.2f", before, after, r)
			}
		}
	}
	if _, _, _, err := synthesize(5000, 500, 1); err == nil {
		t.Error("a test period too short for the events was accepted")
	}
}

// TestRunSynthetic runs the example end to end on a small synthetic set, one epoch.
func TestRunSynthetic(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	err := run([]string{"-train-minutes", "2000", "-test-minutes", "1500", "-epochs", "1", "-quiet", "-json", "-out", dir, "-synth-csv", dir}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var s summary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
		t.Fatalf("last line is not JSON: %v\n%s", err, out.String())
	}
	if !(s.Threshold > 0) || s.TrainWindows == 0 || s.TestWindows == 0 || s.Epochs != 1 || !s.ReloadMatches ||
		len(s.Events) != 3 || len(s.EventsCovered) != 3 || s.FlaggedFractionQuiet == nil || s.Intervals == nil {
		t.Errorf("summary %+v", s)
	}
	for _, p := range append(s.PNGs, s.WeightsFile) {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if len(s.PNGs) != 4 {
		t.Errorf("PNGs %v", s.PNGs)
	}

	// The CSVs it wrote read back through -train/-test, with ranges.
	out.Reset()
	err = run([]string{"-train", filepath.Join(dir, "synthetic_train.csv"), "-test", filepath.Join(dir, "synthetic_test.csv"),
		"-test-range", "2022-01-01T06:00:00Z/", "-epochs", "1", "-quiet", "-json", "-nofiles"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	lines = strings.Split(strings.TrimSpace(out.String()), "\n")
	var s2 summary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s2); err != nil {
		t.Fatal(err)
	}
	if s2.TrainSamples != s.TrainSamples || s2.TestSamples != s.TestSamples-360 || s2.Events != nil {
		t.Errorf("from CSV: %d train and %d test samples, want %d and %d", s2.TrainSamples, s2.TestSamples, s.TrainSamples, s.TestSamples-360)
	}
}

func TestFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-epochs", "0"}, "-epochs 0"},
		{[]string{"-quantile", "1.5"}, "-quantile 1.5"},
		{[]string{"-test", "x.csv"}, "need -train"},
		{[]string{"-train", "/nonexistent.csv"}, "no such file"},
		{[]string{"-train", "/nonexistent.csv", "-train-range", "2001"}, "want START/END"},
		{[]string{"-train", "/nonexistent.csv", "-cols", "a,b"}, "the model takes 3 components"},
		{[]string{"-train", "/nonexistent.csv", "-fill", "x"}, `-fill: "x" is not a number`},
		{[]string{"-test-minutes", "100"}, "-test-minutes 100"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		var out, errb bytes.Buffer
		err := run(c.args, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}

func TestParseRange(t *testing.T) {
	from, to, err := parseRange("2001-11-05T00:00:00Z/2001-11-06")
	if err != nil || !from.Equal(time.Date(2001, 11, 5, 0, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2001, 11, 6, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%v %v %v", from, to, err)
	}
	if from, to, err := parseRange("/2001-11-06T00:00"); err != nil || !from.IsZero() || to.IsZero() {
		t.Errorf("open start: %v %v %v", from, to, err)
	}
	if _, _, err := parseRange("2001-11-06/2001-11-05"); err == nil {
		t.Error("a backward range accepted")
	}
}
