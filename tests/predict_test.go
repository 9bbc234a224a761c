package tests

import (
	"runtime"
	"testing"

	"github.com/mlc-go/mlc/generated/burgers"
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

	// 37 rows at a time (no call of a single row: that path sums in another order).
	few := make([]cancer.T, rows*cancer.NumOutputs)
	for i := 0; i < rows; i += 37 {
		m.Predict(few[i*cancer.NumOutputs:], x[i*cancer.NumInputs:], min(37, rows-i))
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

// TestPINNPredictManyPoints does the same for a point-set model, whose Predict deals tiles.
func TestPINNPredictManyPoints(t *testing.T) {
	const points = 40*burgers.MaxBatch + 7
	rng := mlrt.NewRNG(12)
	xs, ts := make([]float64, points), make([]float64, points)
	for i := range xs {
		xs[i], ts[i] = 2*rng.Float64()-1, rng.Float64()
	}
	m := burgers.New()
	defer m.Close()
	m.Init(mlrt.NewRNG(4))
	all := make([]float64, points)
	m.Predict(all, xs, ts)
	few := make([]float64, points)
	for i := 0; i < points; i += 50 {
		e := min(i+50, points)
		m.Predict(few[i:e], xs[i:e], ts[i:e])
	}
	one := make([]float64, points)
	prev := runtime.GOMAXPROCS(1)
	m.Predict(one, xs, ts)
	runtime.GOMAXPROCS(prev)
	for i := range all {
		if all[i] != few[i] || all[i] != one[i] {
			t.Fatalf("point %d: %v in one call, %v 50 points at a time, %v on one core", i, all[i], few[i], one[i])
		}
	}
}
