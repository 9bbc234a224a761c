package runtime

import (
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"
)

// progress prints the training loop's report: on a terminal a bar redrawn in place during
// the epoch, then one line per epoch; elsewhere (a file, a pipe, a test buffer) only the
// epoch lines, so logs stay readable.
type progress struct {
	w      io.Writer
	tty    bool
	epochs int
	buf    []byte    // reused, so redrawing the bar does not allocate
	drawn  time.Time // last redraw, to throttle it
	// coefs, when set, reports a model's trainable coefficients after the loss terms.
	coefs *coefReader
	// hist, when set, is the fit whose last record's Extra values (the error against a
	// reference, set by Observe) end each line; extraKeys are their names, sorted once.
	hist      *FitHistory
	extraKeys []string
}

// barEvery throttles the bar: a small model runs thousands of batches a second, and a
// terminal that redraws for each would cost more than the training.
const barEvery = 50 * time.Millisecond

const barWidth = 30

// newProgress returns nil when nothing is to be printed, so callers test p != nil.
func newProgress(w io.Writer, quiet bool, epochs int) *progress {
	if quiet {
		return nil
	}
	if w == nil {
		w = os.Stderr
	}
	p := &progress{w: w, epochs: epochs, buf: make([]byte, 0, 256)}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

// batch redraws the bar after done of total batches of epoch; only on a terminal.
func (p *progress) batch(epoch, done, total int, loss float64) {
	if !p.tty {
		return
	}
	now := time.Now()
	if done < total && now.Sub(p.drawn) < barEvery {
		return
	}
	p.drawn = now
	b := append(p.buf[:0], '\r')
	b = p.appendEpoch(b, epoch)
	b = append(b, " ["...)
	fill := barWidth * done / max(total, 1)
	for i := range barWidth {
		switch {
		case i < fill:
			b = append(b, '=')
		case i == fill:
			b = append(b, '>')
		default:
			b = append(b, ' ')
		}
	}
	b = append(b, "] "...)
	b = strconv.AppendInt(b, int64(done), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, "  loss "...)
	b = appendNum(b, loss)
	b = append(b, "\x1b[K"...) // clear what a longer previous line left
	p.buf = b
	p.w.Write(b)
}

// epochEnd prints the epoch's line, replacing the bar on a terminal:
//
//	epoch 3/100  loss 0.1234  binary_accuracy 0.9500  val_loss 0.1234  val_binary_accuracy 0.9500  (1.2 ms)
func (p *progress) epochEnd(s *EpochStats, names []string, hasVal bool) {
	b := p.buf[:0]
	if p.tty {
		b = append(b, "\r\x1b[K"...)
	}
	b = p.appendEpoch(b, s.Epoch)
	b = appendField(b, "loss", s.Loss)
	for _, n := range names {
		b = appendField(b, n, s.Metrics[n])
	}
	if hasVal {
		b = appendField(b, "val_loss", s.ValLoss)
		for _, n := range names {
			b = appendField(b, "val_"+n, s.ValMetrics[n])
		}
	}
	if s.LR > 0 {
		b = appendField(b, "lr", s.LR)
	}
	b = append(b, "  ("...)
	b = appendSeconds(b, s.Seconds)
	b = append(b, ")\n"...)
	p.buf = b
	p.w.Write(b)
}

// line prints a message on its own line.
func (p *progress) line(msg string) {
	io.WriteString(p.w, msg+"\n")
}

func (p *progress) appendEpoch(b []byte, epoch int) []byte {
	b = append(b, "epoch "...)
	b = strconv.AppendInt(b, int64(epoch), 10)
	b = append(b, '/')
	return strconv.AppendInt(b, int64(p.epochs), 10)
}

func appendField(b []byte, name string, v float64) []byte {
	b = append(b, "  "...)
	b = append(b, name...)
	b = append(b, ' ')
	return appendNum(b, v)
}

// appendNum formats as Keras does: four decimals, or four significant digits in exponent
// form for small values (a PINN loss of 3e-5 should not print as 0.0000).
func appendNum(b []byte, v float64) []byte {
	if v != 0 && math.Abs(v) < 1e-3 {
		return strconv.AppendFloat(b, v, 'e', 4, 64)
	}
	return strconv.AppendFloat(b, v, 'f', 4, 64)
}

// appendSeconds writes a duration in the unit a reader takes in at a glance.
func appendSeconds(b []byte, s float64) []byte {
	switch {
	case s < 1e-3:
		b = strconv.AppendFloat(b, s*1e6, 'f', 0, 64)
		return append(b, " µs"...)
	case s < 1:
		b = strconv.AppendFloat(b, s*1e3, 'f', 1, 64)
		return append(b, " ms"...)
	default:
		b = strconv.AppendFloat(b, s, 'f', 2, 64)
		return append(b, " s"...)
	}
}

// abort ends a half-drawn bar so that the caller's error starts on its own line.
func (p *progress) abort() {
	if p.tty {
		io.WriteString(p.w, "\n")
	}
}
