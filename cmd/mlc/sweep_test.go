package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseSweepFlags(t *testing.T) {
	s, err := parseSettings("width=20,40 lr=1e-3,3e-4,1e-4")
	if err != nil || len(s) != 2 || s[0].name != "width" || len(s[1].values) != 3 {
		t.Fatalf("parseSettings: %+v, %v", s, err)
	}
	combos := product(s)
	if len(combos) != 6 || combos[0][0] != [2]string{"width", "20"} || combos[1][1] != [2]string{"lr", "3e-4"} {
		t.Errorf("product: %v (the last setting fastest)", combos)
	}
	for _, bad := range []string{"width", "width=", "width=a", "w=1 w=2"} {
		if _, err := parseSettings(bad); err == nil {
			t.Errorf("parseSettings(%q): no error", bad)
		}
	}
	for in, want := range map[string][]uint64{"1-4": {1, 2, 3, 4}, "5,2,2": {2, 5}, "7": {7}} {
		if got, err := parseSeeds(in); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseSeeds(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"4-1", "a", "1-"} {
		if _, err := parseSeeds(bad); err == nil {
			t.Errorf("parseSeeds(%q): no error", bad)
		}
	}
}

// TestSweep runs a sweep of 2 widths × 2 seeds, then the same command again (nothing to run),
// then with one run's summary removed (only that run, with the same result).
func TestSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds training programs with the go command: skipped in -short mode")
	}
	dir := t.TempDir()
	t.Setenv("MLC_CACHE", filepath.Join(dir, "cache"))
	src := strings.Replace(trainModel, "dense  6, tanh", "const width = 6\ndense  width, tanh", 1)
	for name, s := range map[string]string{"tiny.ml": src, "data.csv": "x,t,u_obs\n0.5,0.5,0.61\n0.25,0.75,0.34\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "sweep")
	args := []string{"sweep", "-set", "width=3,5", "-seeds", "1-2", "-adam", "5", "-lbfgs", "3", "-out", out, filepath.Join(dir, "tiny.ml")}
	code, stdout, stderr := mlc(t, args...)
	if code != 0 {
		t.Fatalf("mlc sweep: exit %d\n%s%s", code, stdout, stderr)
	}
	table, err := os.ReadFile(filepath.Join(out, "table.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(table)), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "run,width,seed,rel_l2,final_loss,k,") || !strings.HasPrefix(lines[4], "004,5,2,") {
		t.Errorf("table.csv:\n%s", table)
	}
	for _, f := range []string{"table.md", "sweep.png", "run-003/tiny.weights", "run-003/tiny_u.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if !strings.Contains(stdout, "best: run ") {
		t.Errorf("no best run named:\n%s", stdout)
	}

	code, _, stderr = mlc(t, args...)
	if code != 0 || !strings.Contains(stderr, "4 runs (2 settings × 2 seeds), 0 to run") {
		t.Errorf("the same sweep again: exit %d, %q; want nothing to run", code, stderr)
	}
	if err := os.Remove(filepath.Join(out, "run-003", "summary.json")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = mlc(t, args...)
	if code != 0 || !strings.Contains(stderr, "1 to run") {
		t.Errorf("after removing one summary: exit %d, %q; want one run", code, stderr)
	}
	again, err := os.ReadFile(filepath.Join(out, "table.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// The rerun's numbers are the same bits; only its training time may differ.
	strip := func(b []byte) string {
		var rows []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			rows = append(rows, l[:strings.LastIndex(l, ",")])
		}
		return strings.Join(rows, "\n")
	}
	if strip(again) != strip(table) {
		t.Errorf("the rerun changed the table:\n%s\nthen\n%s", table, again)
	}

	code, _, stderr = mlc(t, "sweep", "-set", "depth=1,2", "-out", out, filepath.Join(dir, "tiny.ml"))
	if code != 1 || !strings.Contains(stderr, "declares no const depth (its consts: width)") {
		t.Errorf("a setting that is no const: exit %d, %q", code, stderr)
	}
}
