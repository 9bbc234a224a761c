package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mlc-go/mlc/generated/solarwind"
	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/timeseries"
)

// member is one trained (or loaded) autoencoder with its errors over the training and test
// windows and its own threshold.
type member struct {
	seed              uint64
	file              string // the weights it was loaded from, if it was
	m                 *solarwind.Model
	hist              *mlrt.History
	trainMAE, testMAE []float64 // per window, per channel
	trainMax, testMax []float64 // per window, the largest channel
	threshold         float64
	trainSeconds      float64
	maeSeconds        float64
}

// memberSummary is a member in the -json line.
type memberSummary struct {
	Seed            uint64  `json:"seed,omitempty"`
	File            string  `json:"file,omitempty"`
	Threshold       float64 `json:"threshold"`
	Epochs          int     `json:"epochs,omitempty"`
	BestEpoch       int     `json:"best_epoch,omitempty"`
	Loss            float64 `json:"loss,omitempty"`
	ValLoss         float64 `json:"val_loss,omitempty"`
	TrainSeconds    float64 `json:"train_seconds,omitempty"`
	EpochSeconds    float64 `json:"epoch_seconds,omitempty"` // median
	FlaggedFraction float64 `json:"flagged_fraction"`        // alone, of the covered judged samples
	Intervals       int     `json:"intervals"`               // alone
	FirstFlag       string  `json:"first_flag,omitempty"`    // alone
}

// trainMember trains the autoencoder from seed on the training windows and measures it.
func trainMember(seed uint64, cfg mlrt.TrainConfig, wTrain, wTest *timeseries.Windows[solarwind.T], quantile, margin float64) (*member, error) {
	mb := &member{seed: seed, m: solarwind.New()}
	mb.m.Init(mlrt.NewRNG(seed))
	cfg.Seed = seed
	start := time.Now()
	hist, err := mlrt.Train(mb.m, solarwind.NewOptimizer(), wTrain, cfg)
	if err != nil {
		mb.m.Close()
		return nil, err
	}
	mb.hist, mb.trainSeconds = hist, time.Since(start).Seconds()
	if err := mb.measure(wTrain, wTest, quantile, margin); err != nil {
		mb.m.Close()
		return nil, err
	}
	return mb, nil
}

// loadMember reads a member's weights: mlrt.SaveWeights format (model SolarWind), or a
// .safetensors file (mlc train's, or a PyTorch replica's state_dict: see
// solarwind.Safetensors).
func loadMember(path string, wTrain, wTest *timeseries.Windows[solarwind.T], quantile, margin float64) (*member, error) {
	mb := &member{file: path, m: solarwind.New()}
	var err error
	if strings.HasSuffix(path, ".safetensors") {
		_, err = mlrt.LoadSafetensors(path, mb.m.Params(), &solarwind.Safetensors)
	} else {
		err = mlrt.LoadWeights(path, "SolarWind", mb.m.Params())
	}
	if err != nil {
		mb.m.Close()
		return nil, err
	}
	if err := mb.measure(wTrain, wTest, quantile, margin); err != nil {
		mb.m.Close()
		return nil, err
	}
	return mb, nil
}

// measure takes the member's window errors and its threshold: margin × the quantile of the
// training windows' largest channel errors.
func (mb *member) measure(wTrain, wTest *timeseries.Windows[solarwind.T], quantile, margin float64) error {
	start := time.Now()
	var err error
	if mb.trainMAE, err = timeseries.WindowMAE[solarwind.T](mb.m, wTrain); err != nil {
		return err
	}
	if mb.threshold, err = timeseries.Threshold(mb.trainMAE, channels, quantile); err != nil {
		return err
	}
	mb.threshold *= margin
	if mb.testMAE, err = timeseries.WindowMAE[solarwind.T](mb.m, wTest); err != nil {
		return err
	}
	mb.trainMax, mb.testMax = timeseries.RowMax(mb.trainMAE, channels), timeseries.RowMax(mb.testMAE, channels)
	mb.maeSeconds = time.Since(start).Seconds()
	return nil
}

// verdict is the detector's answer: one model's, or an ensemble's vote.
type verdict struct {
	an                    *timeseries.Anomalies
	score                 string    // what a window's score is
	trainScore, testScore []float64 // per window
	members               []memberSummary
	spread                [2]float64 // least and most flagged fraction of a member alone
	agreement             float64    // share of covered judged samples all members agree on
	quantile              float64
}

// judge applies the detector. One model: the tutorial's rule, a window is anomalous when its
// largest channel MAE exceeds the threshold. Several: a window's score is the median over the
// models of (its largest channel MAE / that model's threshold), and it is anomalous when the
// score exceeds 1 — the majority's vote, each model measured by its own yardstick.
func judge(members []*member, wTrain, wTest *timeseries.Windows[solarwind.T], opts timeseries.DetectOptions, quantile float64) (*verdict, error) {
	v := &verdict{spread: [2]float64{1, 0}, quantile: quantile}
	alone := make([]*timeseries.Anomalies, len(members))
	for k, mb := range members {
		a, err := timeseries.Detect(wTest, mb.testMAE, mb.threshold, opts)
		if err != nil {
			return nil, err
		}
		alone[k] = a
		s := memberSummary{Seed: mb.seed, File: mb.file, Threshold: mb.threshold, Intervals: len(a.Intervals),
			FlaggedFraction: float64(a.Flagged) / float64(max(a.Covered, 1)), TrainSeconds: mb.trainSeconds}
		if mb.hist != nil {
			last := mb.hist.Epochs[len(mb.hist.Epochs)-1]
			s.Epochs, s.BestEpoch, s.Loss, s.ValLoss, s.EpochSeconds = len(mb.hist.Epochs), mb.hist.BestEpoch, last.Loss, last.ValLoss, mb.hist.MedianEpochSeconds()
		}
		if len(a.Intervals) > 0 {
			s.FirstFlag = stamp(a.Intervals[0].Start)
		}
		v.spread[0], v.spread[1] = min(v.spread[0], s.FlaggedFraction), max(v.spread[1], s.FlaggedFraction)
		v.members = append(v.members, s)
	}
	if len(members) == 1 {
		mb := members[0]
		v.an, v.trainScore, v.testScore = alone[0], mb.trainMax, mb.testMax
		v.score = "largest channel MAE (standardized units)"
		v.agreement = 1
		return v, nil
	}
	r := make([]float64, len(members))
	ratio := func(w int, maxes func(*member) []float64) float64 {
		for k, mb := range members {
			r[k] = maxes(mb)[w] / mb.threshold
		}
		return timeseries.Quantile(r, 0.5)
	}
	v.trainScore = make([]float64, wTrain.NumRows())
	for w := range v.trainScore {
		v.trainScore[w] = ratio(w, func(mb *member) []float64 { return mb.trainMax })
	}
	v.testScore = make([]float64, wTest.NumRows())
	flags := make([]bool, wTest.NumRows())
	for w := range v.testScore {
		v.testScore[w] = ratio(w, func(mb *member) []float64 { return mb.testMax })
		flags[w] = v.testScore[w] > 1
	}
	an, err := timeseries.DetectWindows(wTest, flags, opts)
	if err != nil {
		return nil, err
	}
	an.Threshold, an.Max = 1, v.testScore
	v.an = an
	v.score = "median over the models of largest channel MAE / the model's threshold"
	agree, covered := 0, 0
	first := alone[0]
	for k := opts.From; k < opts.From+an.Judged; k++ {
		if !an.Seen[k] {
			continue
		}
		covered++
		same := true
		for _, a := range alone[1:] {
			same = same && a.Sample[k] == first.Sample[k]
		}
		if same {
			agree++
		}
	}
	v.agreement = float64(agree) / float64(max(covered, 1))
	return v, nil
}

// describe says how the threshold was set.
func (v *verdict) describe(trainWindows int) string {
	if len(v.members) == 1 {
		return fmt.Sprintf("threshold %.4f (quantile %g of the %d training windows' largest channel MAE, standardized units; median %.4f)",
			v.an.Threshold, v.quantile, trainWindows, timeseries.Quantile(v.trainScore, 0.5))
	}
	lo, hi := v.members[0].Threshold, v.members[0].Threshold
	for _, m := range v.members {
		lo, hi = min(lo, m.Threshold), max(hi, m.Threshold)
	}
	return fmt.Sprintf("ensemble of %d models: a window's score is the median over them of its largest channel MAE / the model's threshold (thresholds %.4f … %.4f, quantile %g of the %d training windows); anomalous above 1; median training score %.3f",
		len(v.members), lo, hi, v.quantile, trainWindows, timeseries.Quantile(v.trainScore, 0.5))
}

// saveMembers writes each member's weights (solarwind.weights for one, solarwind-seedN.weights
// for several) and checks that a fresh model loaded from them rebuilds the test windows bit for
// bit.
func saveMembers(dir string, members []*member, wTest *timeseries.Windows[solarwind.T]) ([]string, bool, error) {
	var files []string
	for _, mb := range members {
		name := "solarwind.weights"
		if len(members) > 1 {
			name = fmt.Sprintf("solarwind-seed%d.weights", mb.seed)
		}
		p := filepath.Join(dir, name)
		if err := mlrt.SaveWeights(p, "SolarWind", mb.m.Params()); err != nil {
			return nil, false, err
		}
		m2 := solarwind.New()
		err := mlrt.LoadWeights(p, "SolarWind", m2.Params())
		var mae []float64
		if err == nil {
			mae, err = timeseries.WindowMAE[solarwind.T](m2, wTest)
		}
		m2.Close()
		if err != nil {
			return nil, false, err
		}
		if !slices.Equal(mae, mb.testMAE) {
			return nil, false, fmt.Errorf("weights reloaded from %s predict differently", p)
		}
		files = append(files, p)
	}
	return files, true, nil
}
