package difftest

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	flagDuration = flag.Duration("difftest.duration", 0, "keep generating rounds for this long (0: the fixed default subset)")
	flagRounds   = flag.Int("difftest.rounds", 0, "number of rounds (0: 3, or unbounded with -difftest.duration)")
	flagSeed     = flag.Uint64("difftest.seed", 1, "the generator's seed")
	flagModels   = flag.Int("difftest.models", 20, "models per round")
	flagOutside  = flag.Float64("difftest.outside", 0.15, "probability of a construct outside the language")
	flagOut      = flag.String("difftest.out", "", "directory for failing models (default: a new temporary directory)")
	flagReports  = flag.Int("difftest.reports", 3, "full reports printed per kind of failure")
	flagDType    = flag.String("difftest.dtype", "float64", "the dtype the models are built with (float64, or float32 with loose tolerances)")
	flagBugs     = flag.Bool("difftest.knownbugs", false, "also generate the constructs of compiler bugs found and not fixed yet (knownBugs)")
)

// TestDifferential generates, compiles, runs and judges random models; see the package
// documentation for the flags of a longer run.
func TestDifferential(t *testing.T) {
	goBin, root := goAndRoot(t)
	rounds := 3
	if *flagDuration > 0 {
		rounds = 1 << 30
	}
	if *flagRounds > 0 {
		rounds = *flagRounds
	}
	outDir := *flagOut
	stats := NewStats()
	printed := map[string]int{}
	// first records when each kind of failure was first seen: how quickly it is found.
	first := map[string]string{}
	start := time.Now()
	for round := 0; round < rounds; round++ {
		if *flagDuration > 0 && round > 0 && time.Since(start) > *flagDuration {
			break
		}
		dir, err := os.MkdirTemp("", "difftest-round-")
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Seed: *flagSeed, Round: round, Models: *flagModels, Outside: *flagOutside, Root: root, GoBin: goBin, Dir: dir, DType: *flagDType, KnownBugs: *flagBugs}
		cases, err := RunRound(cfg)
		os.RemoveAll(dir)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		stats.Add(cases)
		for _, c := range cases {
			if len(c.Findings) == 0 {
				continue
			}
			origin := fmt.Sprintf("seed %d, round %d, model %d", cfg.Seed, round, c.Index)
			report := Report(c, origin)
			if outDir == "" {
				if outDir, err = os.MkdirTemp("", "difftest-failures-"); err != nil {
					t.Fatal(err)
				}
				t.Logf("failing models are written to %s", outDir)
			} else if err := os.MkdirAll(outDir, 0o755); err != nil {
				t.Fatal(err)
			}
			base := filepath.Join(outDir, fmt.Sprintf("s%d-r%d-%s", cfg.Seed, round, c.M.Name))
			if err := os.WriteFile(base+".ml", []byte(c.M.Source), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(base+".txt", []byte(report), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, f := range c.Findings {
				k := CheckKind(f.Check)
				if c.M.Outside != "" {
					k += " [" + c.M.Outside + "]"
				}
				if first[k] == "" {
					first[k] = fmt.Sprintf("round %d, model %d (%d models, %v)", round, c.Index, stats.Generated, time.Since(start).Round(time.Second))
				}
			}
			kind := CheckKind(c.Findings[0].Check)
			if printed[kind] < *flagReports {
				printed[kind]++
				t.Errorf("%s", report)
			} else {
				t.Fail()
			}
		}
		t.Logf("round %d done after %v: %d models, %d with disagreements so far", round, time.Since(start).Round(time.Second), stats.Generated, stats.Disagreeing)
	}
	var seen strings.Builder
	for _, k := range sortedKeys(first) {
		fmt.Fprintf(&seen, "  %-60s %s\n", k, first[k])
	}
	t.Logf("after %v:\n%s\nfirst seen:\n%s", time.Since(start).Round(time.Second), stats, seen.String())
}

// goAndRoot skips a test that builds generated models when it cannot (-short, no go
// command), and returns the go command and the project root.
func goAndRoot(t *testing.T) (goBin, root string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds generated models with go: skipped in -short mode")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	if root, err = filepath.Abs("../.."); err != nil {
		t.Fatal(err)
	}
	return goBin, root
}

// runFixed builds, runs and judges hand-written models (seed 1).
func runFixed(t *testing.T, models []*Model) []*Case {
	t.Helper()
	goBin, root := goAndRoot(t)
	cases, err := RunModels(Config{Seed: 1, Root: root, GoBin: goBin, Dir: t.TempDir()}, models)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}
