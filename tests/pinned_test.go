package tests

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/mlc-go/mlc/generated/burgers"
	"github.com/mlc-go/mlc/generated/burgers32"
	"github.com/mlc-go/mlc/generated/cancer"
	"github.com/mlc-go/mlc/generated/solarwind"
	"github.com/mlc-go/mlc/kernels"
	mlrt "github.com/mlc-go/mlc/runtime"
)

// pinnedFile holds a digest of what the three examples' generated code computes on fixed
// inputs, one line per example and kernel path: a change to the compiler that is meant to
// change no number (a refactoring) must leave every digest as it is, to the last bit.
const pinnedFile = "testdata/pinned.txt"

// digest accumulates the bits of the values a model computes.
type digest struct{ h [32]byte }

func (d *digest) add(vals ...float64) {
	h := sha256.New()
	h.Write(d.h[:])
	for _, v := range vals {
		h.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)))
	}
	copy(d.h[:], h.Sum(nil))
}

func add32[S ~[]float32](d *digest, s S) {
	for _, v := range s {
		d.add(float64(v))
	}
}

func add64[S ~[]float64](d *digest, s S) { d.add(s...) }

// pinnedDigests runs Predict, Loss and LossGrad of each example on inputs drawn from a
// fixed seed.
func pinnedDigests(t *testing.T) map[string]string {
	out := map[string]string{}
	rng := rand.New(rand.NewPCG(7, 11))
	uniform := func(n int, lo, hi float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = lo + (hi-lo)*rng.Float64()
		}
		return v
	}
	to32 := func(v []float64) []float32 {
		w := make([]float32, len(v))
		for i, x := range v {
			w[i] = float32(x)
		}
		return w
	}

	{ // cancer: 100 rows through Predict, a batch of 32 through Loss and LossGrad
		var d digest
		m := cancer.New()
		defer m.Close()
		m.Init(mlrt.NewRNG(1))
		x := to32(uniform(100*cancer.NumInputs, -2, 2))
		y := to32(uniform(100, 0, 1))
		pred := make([]float32, 100)
		m.Predict(pred, x, 100)
		add32(&d, pred)
		d.add(m.Loss(x, y, 32, nil))
		d.add(m.LossGrad(x, y, 32, nil, nil))
		add32(&d, m.Grads())
		out["cancer"] = fmt.Sprintf("%x", d.h)
	}
	{ // solarwind: 130 windows through Predict, 128 through Loss and LossGrad
		var d digest
		m := solarwind.New()
		defer m.Close()
		m.Init(mlrt.NewRNG(2))
		x := to32(uniform(130*solarwind.NumInputs, -3, 3))
		pred := make([]float32, 130*solarwind.NumOutputs)
		m.Predict(pred, x, 130)
		add32(&d, pred)
		d.add(m.Loss(x, nil, 128, nil))
		d.add(m.LossGrad(x, nil, 128, nil, nil))
		add32(&d, m.Grads())
		out["solarwind"] = fmt.Sprintf("%x", d.h)
	}
	{ // burgers, float64: 300 boundary and 900 interior points
		var d digest
		m := burgers.New()
		defer m.Close()
		m.Init(mlrt.NewRNG(3))
		p := &burgers.Points{}
		p.Boundary.X, p.Boundary.T, p.Boundary.UBd = uniform(300, -1, 1), uniform(300, 0, 1), uniform(300, -1, 1)
		p.Interior.X, p.Interior.T = uniform(900, -1, 1), uniform(900, 0, 1)
		if err := m.SetPoints(p); err != nil {
			t.Fatal(err)
		}
		d.add(m.Loss())
		d.add(m.Terms()...)
		d.add(m.LossGrad())
		add64(&d, m.Grads())
		pred := make([]float64, 900)
		m.Predict(pred, p.Interior.X, p.Interior.T)
		add64(&d, pred)
		out["burgers"] = fmt.Sprintf("%x", d.h)
	}
	{ // burgers, float32
		var d digest
		m := burgers32.New()
		defer m.Close()
		m.Init(mlrt.NewRNG(3))
		p := &burgers32.Points{}
		p.Boundary.X, p.Boundary.T, p.Boundary.UBd = to32(uniform(300, -1, 1)), to32(uniform(300, 0, 1)), to32(uniform(300, -1, 1))
		p.Interior.X, p.Interior.T = to32(uniform(900, -1, 1)), to32(uniform(900, 0, 1))
		if err := m.SetPoints(p); err != nil {
			t.Fatal(err)
		}
		d.add(m.Loss())
		d.add(m.Terms()...)
		d.add(m.LossGrad())
		add32(&d, m.Grads())
		pred := make([]float32, 900)
		m.Predict(pred, p.Interior.X, p.Interior.T)
		add32(&d, pred)
		out["burgers32"] = fmt.Sprintf("%x", d.h)
	}
	return out
}

// TestExamplesPinned compares the digests with testdata/pinned.txt, for the kernel path in
// use (the assembly and the portable path round differently). With -update the lines of
// this path are rewritten: do that only for a change meant to change the numbers, and say
// why in the commit.
func TestExamplesPinned(t *testing.T) {
	path := "go"
	if kernels.UsingAsm() {
		path = "asm"
	}
	got := pinnedDigests(t)
	want := map[string]string{}
	if f, err := os.Open(pinnedFile); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if fields := strings.Fields(sc.Text()); len(fields) == 3 && !strings.HasPrefix(fields[0], "#") {
				want[fields[0]+" "+fields[1]] = fields[2]
			}
		}
		f.Close()
	}
	if *update {
		for name, h := range got {
			want[name+" "+path] = h
		}
		var lines []string
		for k, h := range want {
			lines = append(lines, k+" "+h)
		}
		sort.Strings(lines)
		text := "# example kernel-path sha256 of Predict, Loss, Terms, LossGrad and Grads on fixed inputs (tests/pinned_test.go)\n" + strings.Join(lines, "\n") + "\n"
		if err := os.WriteFile(pinnedFile, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for name, h := range got {
		w, ok := want[name+" "+path]
		if !ok {
			t.Errorf("%s (%s kernels): no digest in %s; run go test ./tests -run Pinned -update (and with MLC_NOASM=1)", name, path, pinnedFile)
			continue
		}
		if w != h {
			t.Errorf("%s (%s kernels): the generated code computes other numbers than before (digest %s, pinned %s)", name, path, h[:12], w[:12])
		}
	}
}
