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
	if !(s.Threshold > 0) || s.TrainWindows == 0 || s.TestWindows == 0 || len(s.Members) != 3 || s.Members[2].Epochs != 1 || s.Members[2].Seed != 3 || !s.ReloadMatches ||
		len(s.Events) != 3 || s.Intervals == nil || s.CadenceSeconds != 60 || s.WindowSeconds != 4*3600 || s.CoveredFraction <= 0.9 {
		t.Errorf("summary %+v", s)
	}
	for _, p := range append(s.PNGs, s.WeightsFiles...) {
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
	// The saved models judge the same data the same way with -members; known events from a
	// file are scored.
	events := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(events, []byte("# injected\nstart,end,label\n"+s.Events[0].Start+","+s.Events[0].End+",reversal\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run([]string{"-train", filepath.Join(dir, "synthetic_train.csv"), "-test", filepath.Join(dir, "synthetic_test.csv"),
		"-members", filepath.Join(dir, "solarwind-seed*.weights"), "-events", events, "-json", "-nofiles"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	lines = strings.Split(strings.TrimSpace(out.String()), "\n")
	var s3 summary
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s3); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s3.Intervals, s.Intervals) || len(s3.Members) != 3 || s3.Members[0].File == "" || len(s3.Events) != 1 || s3.Events[0].Label != "reversal" ||
		s3.Events[0].JudgedSamples != s.Events[0].JudgedSamples || s3.Events[0].Hit != s.Events[0].Hit {
		t.Errorf("-members: intervals %v, want %v; events %+v, want %+v", s3.Intervals, s.Intervals, s3.Events, s.Events[0])
	}

	// The test range starts 6 h in: 360 minutes fewer are judged, and the 239 before it are
	// context.
	if s2.TrainSamples != s.TrainSamples || s2.TestSamples != s.TestSamples-360 || s2.ContextSamples != 239 || s2.Events != nil {
		t.Errorf("from CSV: %d train and %d test samples (%d context), want %d and %d (239)", s2.TrainSamples, s2.TestSamples, s2.ContextSamples, s.TrainSamples, s.TestSamples-360)
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
		{[]string{"-ensemble", "0"}, "-ensemble 0"},
		{[]string{"-margin", "0.5"}, "-margin 0.5"},
		{[]string{"-members", "/nonexistent/*.weights"}, "no file matches"},
		{[]string{"-events", "x.csv"}, "need -train"},
	} {
		var out, errb bytes.Buffer
		err := run(c.args, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}

func TestReadEvents(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ text, want string }{
		{"start,end\n2024-05-10T16:37Z,2024-05-10T16:00Z\n", ":2: the event ends"},
		{"2024-05-10T16:37Z,soon\n", ":1: end:"},
		{"start,end\nyesterday,2024-05-10\n", ":2: start:"},
		{"# nothing\n", "no events"},
		{"2024-05-10T16:37Z\n", ":1: want start,end[,label]"},
	} {
		p := filepath.Join(dir, "e.csv")
		if err := os.WriteFile(p, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readEvents(p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.text, err, c.want)
		}
	}
	p := filepath.Join(dir, "ok.csv")
	_ = os.WriteFile(p, []byte("2024-05-10T16:37:00Z, 2024-05-12T12:00:00Z, shock, and after\n2001-310, 2001-311\n"), 0o644)
	ev, err := readEvents(p)
	if err != nil || len(ev) != 2 || ev[0].Name != "shock, and after" || ev[1].Name != "event 2" || ev[1].Start.Day() != 6 {
		t.Errorf("events %+v, %v", ev, err)
	}
}
