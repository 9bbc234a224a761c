package main

import (
	"github.com/mlc-go/mlc/tests"

	"encoding/json"
	"math"
	"testing"
)

func TestParseBench(t *testing.T) {
	out := []byte(`goos: linux
BenchmarkCancerEpoch       	      51	  21246337 ns/op	   1062314 ns/epoch
BenchmarkCancerPredict100k-2 	      12	  84943051 ns/op	   1177265 rows/s
--- SKIP: BenchmarkCancerPredictRow
    bench_test.go:17: no cancer data at ../examples/cancer/data/breast_cancer.csv
--- FAIL: BenchmarkCancerLossGrad
PASS
`)
	res := parseBench(out)
	if got := res["BenchmarkCancerEpoch"].metrics["ns/epoch"]; got != 1062314 {
		t.Errorf("ns/epoch = %v", got)
	}
	if got := res["BenchmarkCancerPredict100k"].metrics["rows/s"]; got != 1177265 {
		t.Errorf("rows/s = %v (the -2 suffix must be stripped)", got)
	}
	if p := res["BenchmarkCancerPredictRow"].problem; p != "skip: bench_test.go:17: no cancer data at ../examples/cancer/data/breast_cancer.csv" {
		t.Errorf("skip = %q", p)
	}
	if p := res["BenchmarkCancerLossGrad"].problem; p != "fail" {
		t.Errorf("fail = %q", p)
	}
}

func TestTorchFields(t *testing.T) {
	var j map[string]any
	if err := json.Unmarshal([]byte(`{"epoch_time_median_over_seeds_ms": 6.2,
		"inference": {"batch_rows_per_s": 5.8e6, "32": {"windows_per_s": 100}},
		"x": "s"}`), &j); err != nil {
		t.Fatal(err)
	}
	if v, _, err := field("epoch_time_median_over_seeds_ms", 1e-3)(j); err != nil || math.Abs(v-6.2e-3) > 1e-12 {
		t.Errorf("epoch = %v, %v", v, err)
	}
	if v, _, err := field("inference.batch_rows_per_s", 1)(j); err != nil || v != 5.8e6 {
		t.Errorf("rows/s = %v, %v", v, err)
	}
	for _, bad := range []string{"nope", "x", "inference.nope", "x.y"} {
		if _, _, err := field(bad, 1)(j); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if v, note, err := convAEInfer(j); err != nil || v != 100 || note != "torch batch 32" {
		t.Errorf("convae = %v %q %v", v, note, err)
	}
}

func TestFLOPs(t *testing.T) {
	if tests.CancerFwdRow != 1784 || tests.CancerEpoch != 2791960 || tests.CancerBatch != 171264 {
		t.Errorf("cancer FLOPs %d %d %d", tests.CancerFwdRow, tests.CancerEpoch, tests.CancerBatch)
	}
	if tests.ConvAEFwdWindow != 1866240 {
		t.Errorf("convae FLOPs %d (torch_conv_ae.py says 1866240)", tests.ConvAEFwdWindow)
	}
}

func TestFigures(t *testing.T) {
	m := &machineInfo{peak32: 220, peak64: 110}
	w := &workload{kind: perTime, unit: "epoch", flops: tests.CancerEpoch}
	r := &row{w: w, ours: []float64{1e-3, 2e-3, 1.1e-3}, torch: []float64{6e-3}}
	f := r.figures(m)
	if f.ours != 1.1e-3 || math.Abs(f.ratio-6/1.1) > 1e-9 || math.Abs(f.gflops-2.79196/1.1) > 1e-6 {
		t.Errorf("%+v", f)
	}
	w = &workload{kind: perSecond, unit: "rows/s", flops: tests.CancerFwdRow}
	r = &row{w: w, ours: []float64{2e6}, torch: []float64{4e6}}
	if f := r.figures(m); f.ratio != 0.5 || math.Abs(f.gflops-3.568) > 1e-9 {
		t.Errorf("%+v", f)
	}
}
