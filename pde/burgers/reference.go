package burgers

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mlc-go/mlc/pde/sample"
)

// Reference grid of Raissi et al.'s burgers_shock.mat (DESIGN §3, shared/data/SOURCES.md).
const (
	RefNX = 256 // x points, linspace(−1, 1, 256)
	RefNT = 100 // t points, linspace(0, 0.99, 100) = 0, 0.01, …, 0.99
)

// ReferenceGrid returns the grid of the published reference solution: xs = linspace(−1, 1,
// 256) and ts = linspace(0, 0.99, 100), bit-for-bit the x and t of burgers_shock.mat and
// burgers_shock.csv (numpy.linspace arithmetic, see sample.Linspace).
func ReferenceGrid() (xs, ts []float64) {
	return sample.Linspace(-1, 1, RefNX), sample.Linspace(0, 0.99, RefNT)
}

// LoadReference reads a reference solution in the layout of shared/data/burgers_shock.csv:
// a header line "x,t,u", then one row "x,t,u" per grid point, for each t all x (x varies
// fastest; t and the x sequence are the same in every block). Any rectangular grid is
// accepted. It returns the grid and u in row-major [len(xs)][len(ts)] order,
// u[i*len(ts)+j] = u(xs[i], ts[j]) — the layout of ExactGrid, so RelL2(ExactGrid(xs, ts), u)
// compares directly. Errors name the file and line. Blank lines and a trailing CR are
// ignored; values must be finite.
func LoadReference(path string) (xs, ts, u []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	fail := func(format string, a ...any) error {
		return fmt.Errorf("burgers: %s line %d: %s", path, line, fmt.Sprintf(format, a...))
	}
	header := false
	var tmp []float64 // u in file order (t-major)
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		if !header {
			s = strings.TrimPrefix(s, "\ufeff")
			if h := strings.ReplaceAll(s, " ", ""); h != "x,t,u" {
				return nil, nil, nil, fail("header %q, want \"x,t,u\"", s)
			}
			header = true
			continue
		}
		var v [3]float64
		rest := s
		for k := range 3 {
			field := rest
			if k < 2 {
				i := strings.IndexByte(rest, ',')
				if i < 0 {
					return nil, nil, nil, fail("%d fields, want 3", k+1)
				}
				field, rest = rest[:i], rest[i+1:]
			} else if strings.IndexByte(rest, ',') >= 0 {
				return nil, nil, nil, fail("more than 3 fields")
			}
			x, perr := strconv.ParseFloat(strings.TrimSpace(field), 64)
			if perr != nil {
				return nil, nil, nil, fail("field %d (%s): %v", k+1, "xtu"[k:k+1], perr)
			}
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, nil, nil, fail("field %d (%s) is %v", k+1, "xtu"[k:k+1], x)
			}
			v[k] = x
		}
		row := len(tmp)
		switch {
		case len(ts) == 0: // first t block: collect x
			ts = append(ts, v[1])
			xs = append(xs, v[0])
		case len(ts) == 1 && v[1] == ts[0]:
			if v[0] <= xs[len(xs)-1] {
				return nil, nil, nil, fail("x = %v does not increase (previous %v)", v[0], xs[len(xs)-1])
			}
			xs = append(xs, v[0])
		default:
			nx := len(xs)
			i := row % nx
			if i == 0 {
				if v[1] <= ts[len(ts)-1] {
					return nil, nil, nil, fail("t = %v does not increase (previous block t = %v)", v[1], ts[len(ts)-1])
				}
				ts = append(ts, v[1])
			} else if v[1] != ts[len(ts)-1] {
				return nil, nil, nil, fail("t = %v inside the block of t = %v (x index %d of %d)", v[1], ts[len(ts)-1], i, nx)
			}
			if v[0] != xs[i] {
				return nil, nil, nil, fail("x = %v, want %v (x index %d of the t = %v block)", v[0], xs[i], i, v[1])
			}
		}
		tmp = append(tmp, v[2])
	}
	if err := sc.Err(); err != nil {
		return nil, nil, nil, fmt.Errorf("burgers: %s line %d: %w", path, line+1, err)
	}
	if !header {
		return nil, nil, nil, fmt.Errorf("burgers: %s: empty file", path)
	}
	if len(tmp) == 0 {
		return nil, nil, nil, fmt.Errorf("burgers: %s: no data rows", path)
	}
	nx, nt := len(xs), len(ts)
	if len(tmp) != nx*nt {
		return nil, nil, nil, fmt.Errorf("burgers: %s line %d: last t block has %d rows, want %d", path, line, len(tmp)-(nt-1)*nx, nx)
	}
	u = make([]float64, nx*nt)
	for j := range nt {
		for i := range nx {
			u[i*nt+j] = tmp[j*nx+i]
		}
	}
	return xs, ts, u, nil
}

// FindDataFile looks for a file of the shared data folder (shared/data/SOURCES.md): in
// $MLC_DATA if set, then in ../shared/data relative to the module root (the nearest
// directory holding go.mod, walking up from the working directory). It returns the first
// path that exists, or an error listing the places tried. Tests use it to skip when the data are absent.
func FindDataFile(name string) (string, error) {
	var dirs []string
	if d := os.Getenv("MLC_DATA"); d != "" {
		dirs = append(dirs, d)
	}
	if root, err := moduleRoot(); err == nil {
		dirs = append(dirs, filepath.Join(root, "..", "shared", "data"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("burgers: %s not found in %s", name, strings.Join(dirs, ", "))
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
