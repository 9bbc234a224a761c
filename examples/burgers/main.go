// Command burgers trains burgers.ml the way `mlc train examples/burgers/burgers.ml` does, with
// the model compiled into this program (../../generated/burgers, by go generate) instead of
// into a driver mlc builds: the same flags, files and JSON line (runtime/trainer), and
// -dtype float32 for the float32 build (../../generated/burgers32).
//
//	go run ./examples/burgers                  # float64, Adam ×1000 then BFGS ×7000 (a step budget)
//	go run ./examples/burgers -dtype float32 -time 60s
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/mlc-go/mlc/generated/burgers"
	"github.com/mlc-go/mlc/generated/burgers32"
	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/trainer"
	"github.com/mlc-go/mlc/runtime/trainer/figures"
)

func main() {
	args, dtype := dtypeFlag(os.Args[1:])
	// burgers_exact.csv is beside burgers.ml, in this directory.
	args = append([]string{"-dir", exampleDir()}, args...)
	var err error
	switch dtype {
	case "float64":
		m := burgers.New()
		err = trainer.Run(problem(m, m.SetPoints, burgers.MakePoints, burgers.References, burgers.FitConfig(), burgers.Domain), args, os.Stdout, os.Stderr)
	case "float32":
		m := burgers32.New()
		err = trainer.Run(problem(m, m.SetPoints, burgers32.MakePoints, burgers32.References, burgers32.FitConfig(), burgers32.Domain), args, os.Stdout, os.Stderr)
	default:
		err = fmt.Errorf("-dtype %q: want float64 or float32", dtype)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "burgers:", err)
		os.Exit(1)
	}
}

// problem is the generated package's parts, as mlc train's driver hands them over.
func problem[T mlrt.Float, P any](m trainer.Model[T], set func(P) error, make func(*rand.Rand, string) (P, error),
	refs func(string) ([]mlrt.Reference, error), cfg mlrt.FitConfig, domain [][2]float64) trainer.Problem[T] {
	return trainer.Problem[T]{
		Name: "Burgers", Source: "burgers.ml", Inputs: []string{"x", "t"}, Outputs: []string{"u"},
		Model: m, Config: cfg, References: refs, Figures: figures.Draw, Domain: domain,
		SetPoints: func(rng *rand.Rand, dir string) error {
			p, err := make(rng, dir)
			if err != nil {
				return err
			}
			return set(p)
		},
	}
}

// dtypeFlag takes -dtype T (or -dtype=T) out of args: the trainer's flags are the rest.
func dtypeFlag(args []string) ([]string, string) {
	dtype := "float64"
	var rest []string
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		switch {
		case !strings.HasPrefix(args[i], "-") || name != "dtype":
			rest = append(rest, args[i])
		case hasValue:
			dtype = value
		case i+1 < len(args):
			dtype = args[i+1]
			i++
		}
	}
	return rest, dtype
}

// exampleDir is this source file's directory (where go run compiled it from), else
// examples/burgers below the working directory.
func exampleDir() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		if dir := filepath.Dir(file); fileExists(filepath.Join(dir, "burgers_exact.csv")) {
			return dir
		}
	}
	return filepath.Join("examples", "burgers")
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
