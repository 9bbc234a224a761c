package runtime

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgressPlain(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, false, 100)
	if p.tty {
		t.Fatal("a buffer taken for a terminal")
	}
	p.batch(3, 1, 16, 0.5) // no bar off a terminal
	s := EpochStats{Epoch: 3, Loss: 0.12344, ValLoss: 2.5e-5, Seconds: 0.0012,
		Metrics: map[string]float64{"binary_accuracy": 0.95}, ValMetrics: map[string]float64{"binary_accuracy": 1}}
	p.epochEnd(&s, []string{"binary_accuracy"}, true)
	want := "epoch 3/100  loss 0.1234  binary_accuracy 0.9500  val_loss 2.5000e-05  val_binary_accuracy 1.0000  (1.2 ms)\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, tty: true, epochs: 100}
	p.batch(3, 8, 16, 0.1234)
	want := "\repoch 3/100 [===============>              ] 8/16  loss 0.1234\x1b[K"
	if b.String() != want {
		t.Errorf("bar\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	p.batch(3, 9, 16, 0.1234) // within the throttle interval: not redrawn
	if b.Len() != 0 {
		t.Errorf("redrawn within %v: %q", barEvery, b.String())
	}
	p.batch(3, 16, 16, 0.1) // the last batch always draws
	if !strings.Contains(b.String(), "[==============================] 16/16") {
		t.Errorf("full bar: %q", b.String())
	}
	b.Reset()
	p.epochEnd(&EpochStats{Epoch: 3, Loss: 0.1, Seconds: 2}, nil, false)
	if want := "\r\x1b[Kepoch 3/100  loss 0.1000  (2.00 s)\n"; b.String() != want {
		t.Errorf("epoch line on a terminal %q, want %q", b.String(), want)
	}
}

func TestProgressFormats(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{0, "0.0000"}, {0.5, "0.5000"}, {1234.5, "1234.5000"}, {3e-5, "3.0000e-05"}, {-2e-4, "-2.0000e-04"}} {
		if got := string(appendNum(nil, c.v)); got != c.want {
			t.Errorf("appendNum(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		s    float64
		want string
	}{{42e-6, "42 µs"}, {0.0123, "12.3 ms"}, {61.5, "61.50 s"}} {
		if got := string(appendSeconds(nil, c.s)); got != c.want {
			t.Errorf("appendSeconds(%v) = %q, want %q", c.s, got, c.want)
		}
	}
}

func TestTrainQuietPrintsNothing(t *testing.T) {
	var b bytes.Buffer
	m := newLinReg(3, 8)
	if _, err := Train[float64](m, NewAdam[float64](0), lineData(20), TrainConfig{Epochs: 2, Out: &b, Quiet: true, Patience: 1}); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 {
		t.Errorf("Quiet printed %q", b.String())
	}
}
