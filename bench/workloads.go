package main

import (
	"github.com/mlc-go/mlc/tests"

	"fmt"
	"math"
	"strings"
)

// kind says how a workload's figure reads.
type kind int

const (
	// perTime figures are seconds per unit of work (an epoch, a step, a row): lower is better.
	perTime kind = iota
	// perSecond figures are units of work per second (rows/s): higher is better.
	perSecond
)

// The FLOP counts of the workloads are the benchmarks' own (tests/flops.go).

// workload is one row of the table.
type workload struct {
	name string // matched by -only
	desc string // shown in the table
	kind kind
	unit string // the unit of work: "epoch", "row", "step", "rows/s" …

	// Our side: a Go benchmark in ./tests and the metric it reports ("ns/op" or a custom
	// one). A workload whose benchmark the test binary does not list is "not yet in mlc".
	goBench  string
	goMetric string

	// The PyTorch side: a value read from the JSON of the group's torch run, converted to
	// seconds (perTime) or units per second (perSecond). nil: no torch counterpart.
	torchValue func(j map[string]any) (float64, string, error)

	flops float64 // per unit of work; 0 = not counted
	f64   bool    // element type float64 (selects the peak)
	// effective says that flops is the direct algorithm's count and mlc does fewer
	// multiply-adds (a conv layer through the FFT): its GFLOP/s says how fast the work goes,
	// not how busy the FMA units are, so the table gives no % of peak.
	effective bool
}

// group is a set of workloads measured by one torch invocation (its JSON has all their
// figures). Rounds alternate per group: our benchmarks, then the torch script.
type group struct {
	name      string
	script    string   // in the torch directory
	args      []string // besides --threads 1 --no-wait-idle --json F
	workloads []*workload
}

// field reads a number from the torch JSON at a dotted path and multiplies it by scale.
func field(path string, scale float64) func(map[string]any) (float64, string, error) {
	return func(j map[string]any) (float64, string, error) {
		v, err := lookup(j, path)
		return v * scale, "", err
	}
}

func lookup(j map[string]any, path string) (float64, error) {
	var cur any = j
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, fmt.Errorf("torch JSON: %s: %q is not an object", path, k)
		}
		if cur, ok = m[k]; !ok {
			return 0, fmt.Errorf("torch JSON has no field %s", path)
		}
	}
	f, ok := cur.(float64)
	if !ok || math.IsNaN(f) || f <= 0 {
		return 0, fmt.Errorf("torch JSON: %s = %v, not a positive number", path, cur)
	}
	return f, nil
}

// groups lists every workload. The Go benchmark names of the workloads mlc does not have
// yet are the contract for whoever adds them: add a benchmark of that name to ./tests,
// reporting the given metric, and this program picks it up.
func groups() []*group {
	return []*group{
		{
			name:   "cancer-train",
			script: "torch_cancer.py",
			// one seed, 50 epochs: the per-epoch median needs no more
			args: []string{"--standardize", "--no-infer", "--seeds", "1", "--epochs", "50"},
			workloads: []*workload{{
				name: "cancer/epoch", desc: "cancer: one training epoch (503 rows, batch 32, + validation)",
				kind: perTime, unit: "epoch",
				goBench: "BenchmarkCancerEpoch", goMetric: "ns/epoch",
				torchValue: field("epoch_time_median_over_seeds_ms", 1e-3),
				flops:      tests.CancerEpoch,
			}, {
				name: "cancer/lossgrad", desc: "cancer: forward+loss+gradient, one batch of 32",
				kind: perTime, unit: "batch",
				goBench: "BenchmarkCancerLossGrad", goMetric: "ns/op",
				flops: tests.CancerBatch,
			}},
		},
		{
			name:   "cancer-infer",
			script: "torch_cancer.py",
			// the script always trains first: one seed, one epoch keeps that short; its
			// inference then runs on the standardized fit rows, as our benchmark does
			args: []string{"--standardize", "--seeds", "1", "--epochs", "1"},
			workloads: []*workload{{
				name: "cancer/predict-100k", desc: "cancer: inference, 100 000 rows in one call",
				kind: perSecond, unit: "rows/s",
				goBench: "BenchmarkCancerPredict100k", goMetric: "rows/s",
				torchValue: field("inference.batch_rows_per_s", 1),
				flops:      tests.CancerFwdRow,
			}, {
				name: "cancer/predict-row", desc: "cancer: inference, one row per call (latency)",
				kind: perTime, unit: "call",
				goBench: "BenchmarkCancerPredictRow", goMetric: "ns/op",
				torchValue: field("inference.single_row_latency_median_us", 1e-6),
				flops:      tests.CancerFwdRow,
			}},
		},
		{
			name:   "pinn-adam-f32",
			script: "torch_burgers.py",
			args:   []string{"--grad2", "full", "--epochs", "30", "--warmup", "5"},
			workloads: []*workload{{
				name: "pinn/adam-f32", desc: "Burgers PINN: one full-batch Adam step, float32, true gradient",
				kind: perTime, unit: "step",
				goBench: "BenchmarkBurgersAdamF32", goMetric: "ns/op",
				torchValue: field("step_time_median_s", 1),
				flops:      tests.BurgersEval,
			}},
		},
		{
			name:   "pinn-adam-f64",
			script: "torch_burgers.py",
			args:   []string{"--grad2", "full", "--dtype", "float64", "--epochs", "30", "--warmup", "5"},
			workloads: []*workload{{
				name: "pinn/adam-f64", desc: "Burgers PINN: one full-batch Adam step, float64, true gradient",
				kind: perTime, unit: "step",
				goBench: "BenchmarkBurgersAdamF64", goMetric: "ns/op",
				torchValue: field("step_time_median_s", 1),
				flops:      tests.BurgersEval,
				f64:        true,
			}},
		},
		{
			name:   "pinn-lbfgs",
			script: "torch_burgers.py",
			// 2 Adam + 2 L-BFGS warm-up steps, 2 timed outer steps (~22 evaluations each)
			// float64 on both sides, as the example's L-BFGS stage runs.
			args: []string{"--grad2", "full", "--dtype", "float64", "--optimizer", "lbfgs", "--epochs", "2", "--warmup", "2"},
			workloads: []*workload{{
				name: "pinn/lbfgs-eval", desc: "Burgers PINN: one L-BFGS loss+gradient evaluation, float64",
				kind: perTime, unit: "eval",
				goBench: "BenchmarkBurgersLBFGSEval", goMetric: "ns/op",
				torchValue: field("time_per_closure_eval_s", 1),
				flops:      tests.BurgersEval,
				f64:        true,
			}},
		},
		{
			name:   "convae",
			script: "torch_conv_ae.py",
			// 20 000 samples (19 761 windows) instead of 110 000: the same per-batch and
			// per-window cost, a fifth of the data preparation and inference time;
			// --max-epoch-s 0 makes it time 5 + 30 batches instead of a whole epoch
			args: []string{"--samples", "20000", "--probe", "5", "--batches", "30", "--max-epoch-s", "0", "--infer-reps", "2"},
			workloads: []*workload{{
				name: "convae/train-batch", desc: "Conv1D AE: one training batch of 128 windows 240×3",
				kind: perTime, unit: "batch",
				goBench: "BenchmarkConvAETrainBatch", goMetric: "ns/op",
				torchValue: field("batch_time_median_s", 1),
				flops:      tests.ConvAETrainBatch,
			}, {
				name: "convae/predict", desc: "Conv1D AE: inference, windows/s",
				kind: perSecond, unit: "windows/s",
				goBench: "BenchmarkConvAEPredict", goMetric: "windows/s",
				torchValue: convAEInfer,
				flops:      tests.ConvAEFwdWindow,
				effective:  true,
			}},
		},
	}
}

// convAEInfer takes torch's faster batch size (it times batch 32, Keras' predict default,
// and --infer-batch 1024); which one won goes into the notes.
func convAEInfer(j map[string]any) (float64, string, error) {
	best, note := 0.0, ""
	var firstErr error
	for _, b := range []string{"32", "1024"} {
		v, err := lookup(j, "inference."+b+".windows_per_s")
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if v > best {
			best, note = v, "torch batch "+b
		}
	}
	if best == 0 {
		return 0, "", firstErr
	}
	return best, note, nil
}
