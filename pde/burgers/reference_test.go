package burgers

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ref.csv")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadReferenceLayout(t *testing.T) {
	// for each t all x; u = 10·j + i so the layout is visible.
	p := writeTemp(t, "x,t,u\r\n-1,0,0\r\n0,0,1\r\n1,0,2\r\n\n-1,0.5,10\n0,0.5,11\n1,0.5,12\n")
	xs, ts, u, err := LoadReference(p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(xs, []float64{-1, 0, 1}) || !slices.Equal(ts, []float64{0, 0.5}) {
		t.Fatalf("grid %v %v", xs, ts)
	}
	// [len(xs)][len(ts)]
	if want := []float64{0, 10, 1, 11, 2, 12}; !slices.Equal(u, want) {
		t.Fatalf("u = %v, want %v", u, want)
	}
}

func TestLoadReferenceErrors(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"empty", "", "empty file"},
		{"header", "a,b,c\n1,2,3\n", "line 1: header"},
		{"noRows", "x,t,u\n", "no data rows"},
		{"fields", "x,t,u\n1,2\n", "line 2: 2 fields"},
		{"extra", "x,t,u\n1,2,3,4\n", "line 2: more than 3 fields"},
		{"float", "x,t,u\n-1,0,0\n0,0,zz\n", "line 3: field 3 (u)"},
		{"nan", "x,t,u\n-1,0,0\n0,NaN,1\n", "line 3: field 2 (t) is NaN"},
		{"xorder", "x,t,u\n0,0,0\n-1,0,1\n", "line 3: x = -1 does not increase"},
		{"xmismatch", "x,t,u\n-1,0,0\n1,0,0\n-1,1,0\n0.5,1,0\n", "line 5: x = 0.5, want 1"},
		{"tmix", "x,t,u\n-1,0,0\n1,0,0\n-1,1,0\n1,2,0\n", "line 5: t = 2 inside the block of t = 1"},
		{"torder", "x,t,u\n-1,1,0\n1,1,0\n-1,0.5,0\n1,0.5,0\n", "line 4: t = 0.5 does not increase"},
		{"short", "x,t,u\n-1,0,0\n1,0,0\n-1,1,0\n", "line 4: last t block has 1 rows, want 2"},
	} {
		_, _, _, err := LoadReference(writeTemp(t, c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, _, _, err := LoadReference(filepath.Join(t.TempDir(), "missing.csv")); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

func TestReferenceGrid(t *testing.T) {
	xs, ts := ReferenceGrid()
	if len(xs) != 256 || len(ts) != 100 || xs[0] != -1 || xs[255] != 1 || ts[0] != 0 || ts[99] != 0.99 {
		t.Fatalf("grid %d×%d [%v, %v] × [%v, %v]", len(xs), len(ts), xs[0], xs[255], ts[0], ts[99])
	}
	// numpy.linspace(0, 0.99, 100)[57] and numpy.linspace(-1, 1, 256)[128].
	if ts[57] != 0.5700000000000001 || xs[128] != 0.0039215686274509665 {
		t.Fatalf("not numpy's linspace: %.17g %.17g", ts[57], xs[128])
	}
}

func TestFindDataFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.csv"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MLC_DATA", dir)
	if p, err := FindDataFile("f.csv"); err != nil || p != filepath.Join(dir, "f.csv") {
		t.Errorf("FindDataFile = %q, %v", p, err)
	}
	if _, err := FindDataFile("no-such-file.csv"); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("missing: %v", err)
	}
}
