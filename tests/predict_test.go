package tests

import (
	"runtime"
	"testing"

	"github.com/mlc-go/mlc/generated/cancer"
	mlrt "github.com/mlc-go/mlc/runtime"
)

// TestPredictManyRows runs Predict over many batches, where the workers are dealt batches
// as they finish, and checks each row against the same rows predicted a few at a time and
// on one core: a row's outputs must not depend on who computed them or with which rows.
func TestPredictManyRows(t *testing.T) {
	for _, rows := range []int{301, 7*cancer.PredictBatch + 13} {
		testPredictRows(t, rows)
	}
}

func testPredictRows(t *testing.T, rows int) {
	rng := mlrt.NewRNG(11)
	x := make([]cancer.T, rows*cancer.NumInputs)
	for i := range x {
		x[i] = cancer.T(4*rng.Float64() - 2)
	}
	m := cancer.New()
	defer m.Close()
	m.Init(mlrt.NewRNG(3))

	all := make([]cancer.T, rows*cancer.NumOutputs)
	m.Predict(all, x, rows)

	few := make([]cancer.T, rows*cancer.NumOutputs)
	for i := 0; i < rows; i += 37 {
		n := min(37, rows-i)
		if n == 1 {
			n = 2 // one row takes the single-row path, which sums in another order
			i--
		}
		m.Predict(few[i*cancer.NumOutputs:], x[i*cancer.NumInputs:], n)
	}

	one := make([]cancer.T, rows*cancer.NumOutputs)
	prev := runtime.GOMAXPROCS(1)
	m.Predict(one, x, rows)
	runtime.GOMAXPROCS(prev)

	for i := range all {
		if all[i] != few[i] || all[i] != one[i] {
			t.Fatalf("%d rows: output %d: %v in one call, %v 37 rows at a time, %v on one core", rows, i, all[i], few[i], one[i])
		}
	}
}
