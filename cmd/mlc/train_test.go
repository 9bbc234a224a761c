package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const trainModel = `# a small heat equation with an unknown coefficient, its points and references declared
model Tiny
dtype float64
input  x, t
dense  6, tanh
dense  1 -> u
param  k = 0.5, positive
points initial(x, t; u0) = grid(x in [0, 1] : 11, t = 0), u0 = sin(pi * x)
points data(x, t; u_obs) = csv("data.csv")
points interior(x, t)    = sample(30, x in [0, 1], t in [0, 1])
reference u = exp(-0.1 * pi^2 * t) * sin(pi * x) on grid(x in [0, 1] : 6, t in [0, 1] : 5)
reference k = 0.1
residual r = d(u, t) - k * d(u, x, x)
loss mean(initial, (u - u0)^2) + mean(data, (u - u_obs)^2) + mean(interior, r^2) as pde
optimizer adam(lr = 1e-2, steps = 20) then lbfgs(steps = 10)
`

// TestTrainAndPredict runs mlc train as a user would: the driver is built into a fresh cache,
// trains, writes its files and a JSON line; a second run reuses the build; mlc predict reads
// the weights back.
func TestTrainAndPredict(t *testing.T) {
	dir := trainDir(t)
	ml := filepath.Join(dir, "tiny.ml")
	files := map[string]string{
		"tiny.ml":    trainModel,
		"data.csv":   "x,t,u_obs\n0.5,0.5,0.61\n0.25,0.75,0.34\n",
		"points.csv": "t,x\n0,0.5\n0.5,0.25\n1,1\n",
	}
	writeFiles(t, dir, files)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := mlc(t, "train", "-quiet", "-json", "-out", out, ml)
	if code != 0 {
		t.Fatalf("mlc train: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "building the training program") {
		t.Errorf("the first run did not say it builds the program:\n%s", stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var sum struct {
		RelL2        *float64           `json:"rel_l2"`
		TrainSeconds float64            `json:"train_seconds"`
		FinalLoss    float64            `json:"final_loss"`
		Params       map[string]float64 `json:"params"`
		ParamErrors  map[string]float64 `json:"param_errors"`
		Steps        int                `json:"steps"`
		Files        []string           `json:"files"`
		Terms        map[string]float64 `json:"terms"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatalf("the last line is not the JSON summary: %v\n%s", err, stdout)
	}
	if sum.RelL2 == nil || !(*sum.RelL2 > 0) || sum.Steps != 30 || sum.Params["k"] <= 0 || sum.ParamErrors["k"] <= 0 {
		t.Errorf("summary %+v: want rel_l2 > 0, 30 steps, k > 0 with its error", sum)
	}
	if _, ok := sum.Terms["pde"]; !ok {
		t.Errorf("terms %v: want the term named pde", sum.Terms)
	}
	for _, want := range []string{"tiny.weights", "tiny.safetensors", "summary.json", "tiny_training.png", "tiny_params.png", "tiny_u.png"} {
		found := false
		for _, f := range sum.Files {
			if filepath.Base(f) == want {
				found = true
				if _, err := os.Stat(f); err != nil {
					t.Errorf("%s listed but not written: %v", f, err)
				}
			}
		}
		if !found {
			t.Errorf("files %v: no %s", sum.Files, want)
		}
	}

	// A second run of the unchanged model starts from the cached program.
	start := time.Now()
	code, _, stderr = mlc(t, "train", "-quiet", "-nofiles", "-adam", "1", "-lbfgs", "1", ml)
	if code != 0 || strings.Contains(stderr, "building") {
		t.Errorf("second run: exit %d, stderr %q: want 0 and no build", code, stderr)
	}
	t.Logf("second run: %v", time.Since(start))

	code, stdout, stderr = mlc(t, "predict", "-weights", filepath.Join(out, "tiny.weights"), "-csv", filepath.Join(dir, "points.csv"), ml)
	if code != 0 {
		t.Fatalf("mlc predict: exit %d\n%s%s", code, stdout, stderr)
	}
	rows := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(rows) != 4 || rows[0] != "x,t,u" || !strings.HasPrefix(rows[1], "0.5,0,") {
		t.Errorf("mlc predict wrote\n%s\nwant a header x,t,u and 3 rows, the inputs first", stdout)
	}
	// The safetensors file holds the same weights, and training can start from it.
	code, fromTensors, stderr := mlc(t, "predict", "-weights", filepath.Join(out, "tiny.safetensors"), "-csv", filepath.Join(dir, "points.csv"), ml)
	if code != 0 || fromTensors != stdout {
		t.Errorf("mlc predict -weights tiny.safetensors: exit %d, %s\n%s\nwant what tiny.weights gives:\n%s", code, stderr, fromTensors, stdout)
	}
	code, _, stderr = mlc(t, "train", "-quiet", "-nofiles", "-adam", "1", "-lbfgs", "0", "-init", filepath.Join(out, "tiny.safetensors"), ml)
	if code != 0 {
		t.Errorf("mlc train -init tiny.safetensors: exit %d, %s", code, stderr)
	}
	code, _, stderr = mlc(t, "train", "-quiet", "-nofiles", "-adam", "1", "-lbfgs", "0", "-init", filepath.Join(dir, "points.csv"), ml)
	if code != 1 || !strings.Contains(stderr, "points.csv: not a safetensors file") {
		t.Errorf("mlc train -init points.csv: exit %d, %q; want 1 and a refusal", code, stderr)
	}

	// The same weights do not load into another network of the same size.
	other := filepath.Join(dir, "other.ml")
	if err := os.WriteFile(other, []byte(strings.Replace(trainModel, "dense  6, tanh", "dense  6, sin", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = mlc(t, "predict", "-weights", filepath.Join(out, "tiny.weights"), "-csv", filepath.Join(dir, "points.csv"), other)
	if code != 1 || !strings.Contains(stderr, "mlc predict: ") || !strings.Contains(stderr, "weights are for model") {
		t.Errorf("weights of another network: exit %d, %q; want 1 and a refusal", code, stderr)
	}
	code, _, stderr = mlc(t, "predict", "-weights", filepath.Join(out, "tiny.safetensors"), "-csv", filepath.Join(dir, "points.csv"), other)
	if code != 1 || !strings.Contains(stderr, "mlc predict: ") || !strings.Contains(stderr, "weights are for Tiny@") {
		t.Errorf("safetensors of another network: exit %d, %q; want 1 and a refusal", code, stderr)
	}
}

// TestTrainRefusals: what mlc train cannot run says why, at a position, before building.
func TestTrainRefusals(t *testing.T) {
	noSource := strings.Replace(trainModel, `points interior(x, t)    = sample(30, x in [0, 1], t in [0, 1])`, `points interior(x, t)`, 1)
	for _, tc := range []struct{ name, src, want string }{
		{"a set without a source", noSource, "tiny.ml:10:8: mlc train needs the points of interior"},
		{"a mini-batch model without data", goodModel, "mlc train needs the rows a mini-batch model trains on"},
		{"a syntax error", "model M\npoints p(x) = grid(x in [0, 1)\n", "tiny.ml:2:30: expected ']'"},
		{"a missing CSV file", trainModel, "tiny.ml:9:28: cannot read data.csv: no such file or directory"},
		{"a CSV file without a column", trainModel, `tiny.ml:9:28: data.csv has no column "u_obs" (its header: x, t, u)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("MLC_CACHE", filepath.Join(dir, "cache"))
			ml := filepath.Join(dir, "tiny.ml")
			if err := os.WriteFile(ml, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(tc.name, "without a column") {
				if err := os.WriteFile(filepath.Join(dir, "data.csv"), []byte("x,t,u\n1,2,3\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, _, stderr := mlc(t, "train", ml)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "cache")); err == nil {
				t.Error("a refused model made a cache directory")
			}
		})
	}
}

// TestTrainBatch: a mini-batch model with data statements trains from its CSV file, with a
// validation split and test rows, and writes its weights, curves and summary.
func TestTrainBatch(t *testing.T) {
	dir := trainDir(t)
	var csv strings.Builder
	csv.WriteString("a,b,c,label\n")
	for i := range 60 {
		a, b, c := float64(i%7)/7, float64(i%5)/5, float64(i%3)/3
		label := 0
		if a+b > c+0.4 {
			label = 1
		}
		csv.WriteString(strings.Join([]string{ftoa(a), ftoa(b), ftoa(c), ftoa(float64(label))}, ",") + "\n")
	}
	model := goodModel + `data train = csv("rows.csv", skip = 1, rows = 0:50, x = 0:3, y = 3, standardize = true)
data test  = csv("rows.csv", skip = 1, rows = 50:60, x = 0:3, y = 3)
metric mae
`
	model = strings.Replace(model, "train  batch = 8", "train  batch = 8, epochs = 5, validation_split = 0.2", 1)
	writeFiles(t, dir, map[string]string{"tiny.ml": model, "rows.csv": csv.String()})
	code, stdout, stderr := mlc(t, "train", "-quiet", "-json", "-out", filepath.Join(dir, "out"), filepath.Join(dir, "tiny.ml"))
	if code != 0 {
		t.Fatalf("mlc train: exit %d\n%s%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var sum struct {
		Epochs       int                `json:"epochs"`
		TrainRows    int                `json:"train_rows"`
		ValRows      int                `json:"val_rows"`
		TestRows     int                `json:"test_rows"`
		TestLoss     *float64           `json:"test_loss"`
		TestMetrics  map[string]float64 `json:"test_metrics"`
		Standardized bool               `json:"standardized"`
		Files        []string           `json:"files"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatalf("the last line is not the JSON summary: %v\n%s", err, stdout)
	}
	if sum.Epochs != 5 || sum.TrainRows != 40 || sum.ValRows != 10 || sum.TestRows != 10 || sum.TestLoss == nil || !sum.Standardized {
		t.Errorf("summary %+v: want 5 epochs, 40 + 10 rows, 10 test rows with a loss, standardized", sum)
	}
	if _, ok := sum.TestMetrics["mae"]; !ok {
		t.Errorf("test metrics %v: want mae", sum.TestMetrics)
	}
	if len(sum.Files) != 4 || !strings.HasSuffix(sum.Files[1], "tiny.safetensors") {
		t.Errorf("files %v: want the weights (.weights and .safetensors), the curves and the summary", sum.Files)
	}
	code, _, stderr = mlc(t, "train", "-quiet", "-nofiles", "-epochs", "1", "-init", sum.Files[1], filepath.Join(dir, "tiny.ml"))
	if code != 0 {
		t.Errorf("mlc train -init tiny.safetensors: exit %d, %s", code, stderr)
	}
	code, _, stderr = mlc(t, "predict", "-weights", "w", "-csv", "p.csv", filepath.Join(dir, "tiny.ml"))
	if code != 1 || !strings.Contains(stderr, "mlc predict runs models trained on point sets") {
		t.Errorf("mlc predict of a mini-batch model: exit %d, %q", code, stderr)
	}
}

// trainDir skips where a training program cannot be built (-short, no go command), points
// MLC_CACHE into a fresh directory, and returns that directory for the model's files.
func trainDir(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a training program with the go command: skipped in -short mode")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	t.Setenv("MLC_CACHE", filepath.Join(dir, "cache"))
	return dir
}

// writeFiles writes each name's contents into dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, s := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestTrainSeries trains an autoencoder on the windows of a time series, as the solar-wind
// model does: data train and data test = series(...), with ranges of times.
func TestTrainSeries(t *testing.T) {
	dir := trainDir(t)
	var csv strings.Builder
	csv.WriteString("# two channels, one minute apart, minute 30 missing\ntime,a,b\n")
	t0 := time.Date(2024, 5, 10, 0, 0, 30, 0, time.UTC)
	for i := range 120 {
		if i == 30 {
			continue
		}
		csv.WriteString(t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339) + "," + ftoa(float64(i%7)) + "," + ftoa(float64(i%5)) + "\n")
	}
	model := `model Auto
input  x[8, 2]
conv1d 3, kernel = 3, padding = same, tanh
conv1d 2, kernel = 3, padding = same -> xhat
loss   mse(xhat, x)
optimizer adam(lr = 1e-2)
train  epochs = 3, batch = 16, validation_split = 0.1, shuffle = true
data train = series("s.csv", columns = "a,b", range = "/2024-05-10T01:20:00Z", standardize = true)
data test  = series("s.csv", columns = "a,b", range = "2024-05-10T01:20:00Z/")
`
	writeFiles(t, dir, map[string]string{"auto.ml": model, "s.csv": csv.String()})
	code, stdout, stderr := mlc(t, "train", "-quiet", "-json", "-out", filepath.Join(dir, "out"), filepath.Join(dir, "auto.ml"))
	if code != 0 {
		t.Fatalf("mlc train: exit %d\n%s%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var sum struct {
		Epochs       int      `json:"epochs"`
		TrainRows    int      `json:"train_rows"`
		ValRows      int      `json:"val_rows"`
		TestRows     int      `json:"test_rows"`
		TestLoss     *float64 `json:"test_loss"`
		Standardized bool     `json:"standardized"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatalf("the last line is not the JSON summary: %v\n%s", err, stdout)
	}
	// Training: minutes 0..79, the missing minute 30 filled by interpolation: 80 samples, 73
	// windows of 8 (8 for validation, as mlrt.ValidationRows counts). Test: minutes 80..119, 33 windows.
	if sum.Epochs != 3 || sum.TrainRows != 65 || sum.ValRows != 8 || sum.TestRows != 33 || sum.TestLoss == nil || !sum.Standardized {
		t.Errorf("summary %+v: want 3 epochs, 65 + 8 windows, 33 test windows with a loss, standardized", sum)
	}
	bad := strings.Replace(model, `range = "/2024-05-10T01:20:00Z"`, `range = "2024-05-10T01:20:00Z"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "auto.ml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = mlc(t, "train", "-quiet", filepath.Join(dir, "auto.ml"))
	if code == 0 || !strings.Contains(stderr, `auto.ml:8:55: range = "2024-05-10T01:20:00Z": expected "START/END"`) {
		t.Errorf("a range without a slash: exit %d, %q", code, stderr)
	}
}

// TestTrainClassifier: a softmax classifier of class labels, read from a gzipped CSV file,
// cross-validated over the folds its .ml file asks for, under a learning-rate schedule:
// the summary holds the folds' accuracies, the confusion matrix of the held-out rows and
// each epoch's rate, and the confusion matrix is drawn.
func TestTrainClassifier(t *testing.T) {
	dir := trainDir(t)
	var rows bytes.Buffer
	zw := gzip.NewWriter(&rows)
	for i := range 60 {
		class := i % 3
		a, b := float64(class)+0.1*float64(i%5), float64(2-class)-0.1*float64(i%7)
		fmt.Fprintf(zw, "%s,%s,%d\n", ftoa(a), ftoa(b), class)
	}
	zw.Close()
	model := `model Three
input  x[2]
dense  8, tanh
dense  3, softmax -> p
target y[1]
loss   categorical_crossentropy(p, y)
metric accuracy
data train = csv("rows.csv.gz", x = 0:2, y = 2)
optimizer adam(lr = 0.02, schedule = step(rate = 0.5, every = 2))
train  epochs = 4, batch = 8, folds = 3
`
	writeFiles(t, dir, map[string]string{"three.ml": model, "rows.csv.gz": rows.String()})
	code, stdout, stderr := mlc(t, "train", "-quiet", "-json", "-out", filepath.Join(dir, "out"), filepath.Join(dir, "three.ml"))
	if code != 0 {
		t.Fatalf("mlc train: exit %d\n%s%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var sum struct {
		CV struct {
			Folds      int  `json:"folds"`
			Stratified bool `json:"stratified"`
			Metrics    map[string]struct {
				Mean  float64   `json:"mean"`
				Folds []float64 `json:"folds"`
			} `json:"metrics"`
		} `json:"cross_validation"`
		Confusion struct {
			Data   string  `json:"data"`
			Counts [][]int `json:"counts"`
		} `json:"confusion_matrix"`
		History []struct {
			LR float64 `json:"lr"`
		} `json:"history"`
		Files []string `json:"files"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatalf("the last line is not the JSON summary: %v\n%s", err, stdout)
	}
	if sum.CV.Folds != 3 || !sum.CV.Stratified || len(sum.CV.Metrics["accuracy"].Folds) != 3 {
		t.Errorf("cross-validation %+v: want 3 stratified folds with an accuracy each", sum.CV)
	}
	total := 0
	for _, row := range sum.Confusion.Counts {
		for _, n := range row {
			total += n
		}
	}
	if sum.Confusion.Data != "held-out folds" || len(sum.Confusion.Counts) != 3 || total != 60 {
		t.Errorf("confusion matrix %+v: want the 60 rows, each predicted with its fold held out", sum.Confusion)
	}
	if len(sum.History) != 4 || sum.History[0].LR != 0.02 || sum.History[3].LR != 0.01 {
		t.Errorf("history %+v: want 4 epochs at rates 0.02, 0.02, 0.01, 0.01", sum.History)
	}
	if !slices.ContainsFunc(sum.Files, func(f string) bool { return strings.HasSuffix(f, "three_confusion.png") }) {
		t.Errorf("files %v: want three_confusion.png", sum.Files)
	}
	// -folds 0 turns the cross-validation off; -lr sets the schedule's base rate.
	code, stdout, _ = mlc(t, "train", "-quiet", "-json", "-nofiles", "-folds", "0", "-lr", "0.004", filepath.Join(dir, "three.ml"))
	if code != 0 || strings.Contains(stdout, "cross_validation") {
		t.Errorf("-folds 0: exit %d, %s", code, stdout)
	}
	lines = strings.Split(strings.TrimSpace(stdout), "\n")
	sum.History = nil
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.History) != 4 || sum.History[0].LR != 0.004 || sum.History[3].LR != 0.002 {
		t.Errorf("-lr 0.004: history %+v, want rates 0.004, 0.004, 0.002, 0.002", sum.History)
	}
}

// TestTrainAugment trains a classifier whose training images move at random (augment =
// shift), and refuses augmentation together with cross-validation, which does not augment.
func TestTrainAugment(t *testing.T) {
	dir := trainDir(t)
	var rows strings.Builder
	for i := range 40 {
		class := i % 2
		px := []string{"0", "0", "0", "0"}
		px[class*3] = "1" // class 0 lights the top left pixel, class 1 the bottom right
		rows.WriteString(strings.Join(px, ",") + "," + strconv.Itoa(class) + "\n")
	}
	model := `model Shifted
input  x[4]
dense  2, softmax -> p
target y[1]
loss   categorical_crossentropy(p, y)
metric accuracy
data train = csv("rows.csv", x = 0:4, y = 4, augment = shift(1, rows = 2))
optimizer adam(lr = 0.05)
train  epochs = 3, batch = 8, validation_split = 0.25
`
	writeFiles(t, dir, map[string]string{"m.ml": model, "rows.csv": rows.String()})
	code, stdout, stderr := mlc(t, "train", "-quiet", "-json", "-nofiles", filepath.Join(dir, "m.ml"))
	if code != 0 {
		t.Fatalf("mlc train: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, `"epochs":3`) || !strings.Contains(stdout, `"val_rows":10`) {
		t.Errorf("summary: %s", stdout)
	}
	code, _, stderr = mlc(t, "train", "-quiet", "-nofiles", "-folds", "2", filepath.Join(dir, "m.ml"))
	if code == 0 || !strings.Contains(stderr, "augment with folds") {
		t.Errorf("augment with -folds 2: exit %d, %q", code, stderr)
	}
}

// TestTrainSet: -set overrides a const of the .ml file before it is compiled (a width of 0
// is refused where the const is used), one value at a time, and only a const the file has.
func TestTrainSet(t *testing.T) {
	dir := trainDir(t)
	ml := filepath.Join(dir, "wide.ml")
	writeFiles(t, dir, map[string]string{"wide.ml": strings.Replace(trainModel, "dense  6, tanh", "const width = 6\ndense  width, tanh", 1)})
	for _, c := range []struct {
		set  string
		code int
		want string
	}{
		{"width=0", 1, "wide.ml:6:8: expected a number of units"},
		{"width=3,6", 2, "-set width: one value (mlc sweep tries several)"},
		{"depth=2", 1, "wide.ml declares no const depth (its consts: width)"},
	} {
		code, _, stderr := mlc(t, "train", "-set", c.set, ml)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("-set %s: exit %d, stderr %q; want %d and %q", c.set, code, stderr, c.code, c.want)
		}
	}
}
