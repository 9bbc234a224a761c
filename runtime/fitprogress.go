package runtime

import (
	"math"
	"sort"
	"strconv"
	"time"
)

// Fit's progress lines: the loss and its terms, every so many steps.

// fmtG writes a tolerance as a reader writes it: 1e-4, 0.01, 5e-07 → 5e-7.
func fmtG(v float64) string {
	if v == 0 || (math.Abs(v) >= 1e-3 && math.Abs(v) < 1e4) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	s := strconv.FormatFloat(v, 'e', -1, 64) // 1e-04
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 'e' && (s[i+1] == '-' || s[i+1] == '+') && s[i+2] == '0' && i+3 < len(s) {
			s = s[:i+2] + s[i+3:]
			break
		}
	}
	return s
}

// fitStep redraws the fit's progress line in place (terminal only, throttled):
//
//	adam 1234/5000  loss 1.234e-03  boundary 1.0e-04  r 2.3e-04  12.30 s
func (p *progress) fitStep(opt string, k, steps int, loss float64, names []string, terms []float64, secs float64) {
	now := time.Now()
	if now.Sub(p.drawn) < barEvery {
		return
	}
	p.drawn = now
	b := append(p.buf[:0], '\r')
	b = p.appendFit(b, opt, k, steps, loss, names, terms, secs)
	b = append(b, "\x1b[K"...)
	p.buf = b
	p.w.Write(b)
}

// fitLine prints the progress line on a line of its own (plain output).
func (p *progress) fitLine(opt string, k, steps int, loss float64, names []string, terms []float64, secs float64) {
	b := p.appendFit(p.buf[:0], opt, k, steps, loss, names, terms, secs)
	b = append(b, '\n')
	p.buf = b
	p.w.Write(b)
}

// fitEnd prints a stage's last line with why it stopped, replacing the in-place line.
func (p *progress) fitEnd(opt string, k, steps int, loss float64, names []string, terms []float64, secs float64, stop string) {
	b := p.buf[:0]
	if p.tty {
		b = append(b, "\r\x1b[K"...)
	}
	b = p.appendFit(b, opt, k, steps, loss, names, terms, secs)
	b = append(b, "  ("...)
	b = append(b, stop...)
	b = append(b, ")\n"...)
	p.buf = b
	p.w.Write(b)
	p.drawn = time.Time{}
}

func (p *progress) appendFit(b []byte, opt string, k, steps int, loss float64, names []string, terms []float64, secs float64) []byte {
	b = append(b, opt...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(k), 10)
	if steps > 0 {
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(steps), 10)
	}
	b = append(b, "  loss "...)
	b = strconv.AppendFloat(b, loss, 'e', 3, 64)
	for i, n := range names {
		if i >= len(terms) {
			break
		}
		b = append(b, "  "...)
		b = append(b, n...)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, terms[i], 'e', 1, 64)
	}
	if h := p.hist; h != nil && len(h.Records) > 0 {
		if extra := h.Records[len(h.Records)-1].Extra; len(extra) > 0 {
			if len(p.extraKeys) != len(extra) {
				p.extraKeys = p.extraKeys[:0]
				for k := range extra {
					p.extraKeys = append(p.extraKeys, k)
				}
				sort.Strings(p.extraKeys)
			}
			for _, k := range p.extraKeys {
				b = append(b, "  "...)
				b = append(b, k...)
				b = append(b, ' ')
				b = strconv.AppendFloat(b, extra[k], 'e', 2, 64)
			}
		}
	}
	if c := p.coefs; c != nil {
		c.vals = c.m.Coefficients(c.vals[:0])
		for i, n := range c.names {
			b = append(b, "  "...)
			b = append(b, n...)
			b = append(b, " = "...)
			b = strconv.AppendFloat(b, c.vals[i], 'g', 5, 64)
		}
	}
	b = append(b, "  "...)
	return appendSeconds(b, secs)
}

// Coefficients is what a model with trainable coefficients (`param` statements) has: Fit
// records them and shows them in its progress lines.
type Coefficients interface {
	CoefficientNames() []string
	Coefficients(dst []float64) []float64
}

// coefReader reads a model's coefficients into a reused slice.
type coefReader struct {
	m     Coefficients
	names []string
	vals  []float64
}

func newCoefReader(m any) *coefReader {
	c, ok := m.(Coefficients)
	if !ok || len(c.CoefficientNames()) == 0 {
		return nil
	}
	names := c.CoefficientNames()
	return &coefReader{m: c, names: names, vals: make([]float64, 0, len(names))}
}

// count is "1 step", "3 steps".
func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
