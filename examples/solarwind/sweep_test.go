package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMembersFromSweep: the runs of an mlc sweep over solarwind.ml's seeds are an ensemble the
// program takes with -members, and they are the very models it trains itself from the same
// seeds (same windows, same scaling, same initialisation and batches): the thresholds agree
// to the bit. The sweep's safetensors files are the same members.
func TestMembersFromSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mlc and a training program with the go command: skipped in -short mode")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	t.Setenv("MLC_CACHE", filepath.Join(dir, "cache"))
	sweep := exec.Command("go", "run", "../../cmd/mlc", "sweep", "-seeds", "1-2", "-epochs", "2", "-quiet", "-noplots", "-out", filepath.Join(dir, "sweep"), "solarwind.ml")
	if b, err := sweep.CombinedOutput(); err != nil {
		t.Fatalf("mlc sweep: %v\n%s", err, b)
	}
	args := []string{"-train", "data/wi_h0s_mfi_20240510.cdf", "-train-range", "/2024-05-10T16:00:00Z", "-test-range", "2024-05-10T16:00:00Z/", "-json", "-nofiles", "-quiet"}
	summaryOf := func(extra ...string) summary {
		var out, errb bytes.Buffer
		if err := run(append(args, extra...), &out, &errb); err != nil {
			t.Fatalf("%v\n%s", err, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var s summary
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	fromSweep := summaryOf("-members", filepath.Join(dir, "sweep", "run-*", "solarwind.weights"))
	fromTensors := summaryOf("-members", filepath.Join(dir, "sweep", "run-*", "solarwind.safetensors"))
	trained := summaryOf("-ensemble", "2", "-seed", "1", "-epochs", "2")
	if !slices.Equal(fromTensors.Intervals, fromSweep.Intervals) || len(fromTensors.Members) != 2 || fromTensors.Members[1].Threshold != fromSweep.Members[1].Threshold {
		t.Errorf("the sweep's safetensors files judge otherwise than its weights: %+v, %+v", fromTensors, fromSweep)
	}
	if len(fromSweep.Members) != 2 || len(trained.Members) != 2 {
		t.Fatalf("%d and %d members, want 2", len(fromSweep.Members), len(trained.Members))
	}
	for k := range 2 {
		if fromSweep.Members[k].Threshold != trained.Members[k].Threshold {
			t.Errorf("member %d: threshold %v from the sweep, %v trained here", k+1, fromSweep.Members[k].Threshold, trained.Members[k].Threshold)
		}
	}
	if !slices.Equal(fromSweep.Intervals, trained.Intervals) {
		t.Errorf("intervals %v from the sweep, %v trained here", fromSweep.Intervals, trained.Intervals)
	}
}
