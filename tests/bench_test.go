package tests

import (
	"os"
	"testing"

	"github.com/mlc-go/mlc/generated/cancer"
	mlrt "github.com/mlc-go/mlc/runtime"
)

const cancerCSV = "../examples/cancer/data/breast_cancer.csv"

func loadCancer(tb testing.TB) *mlrt.Table[cancer.T] {
	tb.Helper()
	if _, err := os.Stat(cancerCSV); err != nil {
		tb.Skipf("no cancer data at %s: %v", cancerCSV, err)
	}
	data, err := mlrt.LoadCancerCSV[cancer.T](cancerCSV)
	if err != nil {
		tb.Fatal(err)
	}
	train, _ := data.SplitLast(10)
	s := mlrt.FitStandardizer(train.X, train.Rows, train.Features)
	s.Apply(train.X, train.Rows)
	return train
}

// BenchmarkCancerEpoch is one training epoch as the tutorial runs it: 503 rows in
// shuffled batches of 32 with dropout and Adam, then validation on 56 rows.
func BenchmarkCancerEpoch(b *testing.B) {
	train := loadCancer(b)
	m := cancer.New()
	m.Init(mlrt.NewRNG(1))
	cfg := cancer.TrainConfig()
	cfg.Quiet = true
	cfg.Epochs = 20
	opt := cancer.NewOptimizer()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := mlrt.Train(m, opt, train, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*cfg.Epochs), "ns/epoch")
	reportGFLOPs(b, float64(CancerEpoch*cfg.Epochs))
}

// reportGFLOPs reports the benchmark's rate in GFLOP/s, given the FLOPs of one of its
// operations (flops.go).
func reportGFLOPs(b *testing.B, flopsPerOp float64) {
	b.ReportMetric(flopsPerOp*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkCancerLossGrad is one training batch of 32 rows: forward, loss, gradient.
func BenchmarkCancerLossGrad(b *testing.B) {
	train := loadCancer(b)
	m := cancer.New()
	rng := mlrt.NewRNG(1)
	m.Init(rng)
	for i := 0; i < b.N; i++ {
		m.LossGrad(train.X, train.Y, cancer.MaxBatch, rng, nil)
	}
	reportGFLOPs(b, CancerBatch)
}

// BenchmarkCancerPredict100k is inference over 100 000 rows (the data repeated).
func BenchmarkCancerPredict100k(b *testing.B) {
	train := loadCancer(b)
	const rows = 100000
	x := make([]cancer.T, rows*cancer.NumInputs)
	for i := 0; i < rows; i++ {
		copy(x[i*cancer.NumInputs:], train.X[(i%train.Rows)*cancer.NumInputs:][:cancer.NumInputs])
	}
	dst := make([]cancer.T, rows)
	m := cancer.New()
	m.Init(mlrt.NewRNG(1))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Predict(dst, x, rows)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	reportGFLOPs(b, rows*CancerFwdRow)
}

// BenchmarkCancerPredictRow is the latency of one row.
func BenchmarkCancerPredictRow(b *testing.B) {
	train := loadCancer(b)
	m := cancer.New()
	m.Init(mlrt.NewRNG(1))
	var dst [1]cancer.T
	for i := 0; i < b.N; i++ {
		m.Predict(dst[:], train.X[(i%train.Rows)*cancer.NumInputs:], 1)
	}
	reportGFLOPs(b, CancerFwdRow)
}
