package timeseries

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
)

// Series is a multichannel time series: sample i was taken at Times[i] and its channels are
// Values[i*Channels:(i+1)*Channels] (row-major [rows][channels], the layout a window of it
// takes as a model input: time-major, channel fastest). Times increase strictly.
type Series[T mlrt.Float] struct {
	Times    []time.Time
	Values   []T
	Channels int
	// Names names the channels (the CSV header's column names, or "field N").
	Names []string
	// Dropped counts the rows of the source left out because a value was missing.
	Dropped int
}

// Len is the number of samples.
func (s *Series[T]) Len() int { return len(s.Times) }

// Row returns sample i's channels, a view into Values.
func (s *Series[T]) Row(i int) []T { return s.Values[i*s.Channels : (i+1)*s.Channels] }

// Column returns channel c as float64 (a copy), for plots and statistics.
func (s *Series[T]) Column(c int) []float64 {
	v := make([]float64, s.Len())
	for i := range v {
		v[i] = float64(s.Values[i*s.Channels+c])
	}
	return v
}

// Between returns the samples with from ≤ time < to as a view sharing s's storage (a zero
// from or to leaves that side open).
func (s *Series[T]) Between(from, to time.Time) *Series[T] {
	lo, hi := 0, s.Len()
	if !from.IsZero() {
		lo = searchTime(s.Times, from)
	}
	if !to.IsZero() {
		hi = max(searchTime(s.Times, to), lo)
	}
	return s.Slice(lo, hi)
}

// Search is the index of the first sample at or after t (Len when there is none).
func (s *Series[T]) Search(t time.Time) int { return searchTime(s.Times, t) }

// Slice returns samples lo … hi−1 as a view sharing s's storage.
func (s *Series[T]) Slice(lo, hi int) *Series[T] {
	c := s.Channels
	return &Series[T]{
		Times:    s.Times[lo:hi:hi],
		Values:   s.Values[lo*c : hi*c : hi*c],
		Channels: c,
		Names:    s.Names,
	}
}

// Resample averages s onto a regular grid of the given step: bin k holds the samples with
// origin + k·step ≤ time < origin + (k+1)·step, where origin is the first time truncated to a
// multiple of step (since the zero time), and is stamped at its centre. Bins without a sample
// are left out (a gap). A series sampled more finely than step so becomes one at step.
func Resample[T mlrt.Float](s *Series[T], step time.Duration) (*Series[T], error) {
	if step <= 0 {
		return nil, fmt.Errorf("resample: step must be positive, got %v", step)
	}
	out := &Series[T]{Channels: s.Channels, Names: s.Names, Dropped: s.Dropped}
	if s.Len() == 0 {
		return out, nil
	}
	c := s.Channels
	sum := make([]float64, c)
	origin := s.Times[0].Truncate(step)
	for i := 0; i < s.Len(); {
		k := s.Times[i].Sub(origin) / step
		lo := origin.Add(k * step)
		hi := lo.Add(step)
		clear(sum)
		n := 0
		for ; i < s.Len() && s.Times[i].Before(hi); i++ {
			for j := range c {
				sum[j] += float64(s.Values[i*c+j])
			}
			n++
		}
		out.Times = append(out.Times, lo.Add(step/2))
		for j := range c {
			out.Values = append(out.Values, T(sum[j]/float64(n)))
		}
	}
	return out, nil
}

// FillGaps fills every data gap of at most maxMissing missing samples (a step of up to
// maxMissing+1 cadences, rounded) with samples interpolated linearly between its two sides,
// so that a window may span a dropout of a sample or two instead of being lost with all the
// windows over it. It returns the filled series (s itself when nothing was filled) and the
// number of samples it inserted.
func FillGaps[T mlrt.Float](s *Series[T], cadence time.Duration, maxMissing int) (*Series[T], int) {
	if maxMissing < 1 || cadence <= 0 || s.Len() < 2 {
		return s, 0
	}
	c := s.Channels
	var out *Series[T]
	inserted := 0
	for i := 1; i < s.Len(); i++ {
		d := s.Times[i].Sub(s.Times[i-1])
		k := int(math.Round(float64(d)/float64(cadence))) - 1 // missing samples
		if !IsGap(d, cadence) || k < 1 || k > maxMissing {
			if out != nil {
				out.Times = append(out.Times, s.Times[i])
				out.Values = append(out.Values, s.Row(i)...)
			}
			continue
		}
		if out == nil {
			out = &Series[T]{Channels: c, Names: s.Names, Dropped: s.Dropped}
			out.Times = append(out.Times, s.Times[:i]...)
			out.Values = append(out.Values, s.Values[:i*c]...)
		}
		a, b := s.Row(i-1), s.Row(i)
		for j := 1; j <= k; j++ {
			f := float64(j) / float64(k+1)
			out.Times = append(out.Times, s.Times[i-1].Add(time.Duration(f*float64(d))))
			for ch := range c {
				out.Values = append(out.Values, T(float64(a[ch])+f*(float64(b[ch])-float64(a[ch]))))
			}
		}
		inserted += k
		out.Times = append(out.Times, s.Times[i])
		out.Values = append(out.Values, b...)
	}
	if out == nil {
		return s, 0
	}
	return out, inserted
}

// Clone returns a deep copy (a normalised copy must not rescale the series it came from).
func (s *Series[T]) Clone() *Series[T] {
	c := *s
	c.Times = append([]time.Time(nil), s.Times...)
	c.Values = append([]T(nil), s.Values...)
	c.Names = append([]string(nil), s.Names...)
	return &c
}

// searchTime is the first index with times[i] ≥ t.
func searchTime(times []time.Time, t time.Time) int {
	lo, hi := 0, len(times)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if times[m].Before(t) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// Cadence is the most common spacing between consecutive times (the smaller on a tie), the
// sampling interval of a series with gaps; 0 with fewer than two times.
func Cadence(times []time.Time) time.Duration {
	count := map[time.Duration]int{}
	best, bestN := time.Duration(0), 0
	for i := 1; i < len(times); i++ {
		d := times[i].Sub(times[i-1])
		if d <= 0 {
			continue
		}
		count[d]++
		if n := count[d]; n > bestN || n == bestN && d < best {
			best, bestN = d, n
		}
	}
	return best
}

// SeriesOptions says how ReadSeriesCSV reads a file. The zero value reads the shared CSVs:
// '#' comment lines, a header line, the time in the first column, every other column a value.
type SeriesOptions struct {
	// TimeColumn is the time column, by header name or by field number counted from 1 ("1",
	// as cut(1) counts); "" is the first field.
	TimeColumn string
	// Columns are the value columns in the order wanted, by header name or field number from
	// 1; nil means every column after the time column.
	Columns []string
	// Fill lists values that mark a missing sample besides NaN and an empty field: -1e31 (the
	// CDF FILLVAL), 9999.99 (OMNI's B fill), ... A field equal to one of them as parsed is
	// missing.
	Fill []float64
	// KeepHuge keeps values with |v| ≥ 1e30. By default they are missing: that is where CDF
	// fill values (−1e31) live, and no magnetometer measures them.
	KeepHuge bool
	// Comma is the field separator; 0 means ','.
	Comma rune
	// TimeLayouts are time.Parse layouts tried before the built-in ones (see parseTime). A
	// time without a zone is UTC.
	TimeLayouts []string
}

// hugeFill is the magnitude from which a value counts as a fill value unless KeepHuge is set.
const hugeFill = 1e30

// missing says whether a value as read marks a missing sample, in every format: NaN, ±Inf (as
// written, or a magnitude beyond float64), one of Fill, or (unless KeepHuge) of magnitude
// ≥ 1e30.
func (o *SeriesOptions) missing(v float64) bool {
	return math.IsNaN(v) || math.IsInf(v, 0) || slices.Contains(o.Fill, v) || !o.KeepHuge && math.Abs(v) >= hugeFill
}

// timeLayouts are the ISO-8601 forms ReadSeriesCSV accepts (fractional seconds are accepted
// after the seconds of any of them): RFC 3339 as in the shared CSVs (2001-11-05T00:00:30Z),
// with a space for the T, without a zone (UTC), to the minute, a bare date, and CDAWeb's
// year–day-of-year form (2001-309T00:00:30Z).
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006-002T15:04:05Z07:00",
	"2006-002T15:04:05",
	"2006-002 15:04:05",
	"2006-002T15:04Z07:00",
	"2006-002T15:04",
	"2006-002 15:04",
	"2006-002",
}

// ParseTime reads an ISO-8601 time in one of the forms ReadSeriesCSV accepts; a time without
// a zone is UTC, and the result is in UTC.
func ParseTime(s string) (time.Time, error) {
	var tp timeParser
	return tp.parse(strings.TrimSpace(s))
}

// timeParser remembers the layout that worked last, so a file costs one attempt per row.
type timeParser struct {
	extra []string
	last  string
}

func (tp *timeParser) parse(s string) (time.Time, error) {
	if tp.last != "" {
		if t, err := time.ParseInLocation(tp.last, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	for _, ls := range [][]string{tp.extra, timeLayouts} {
		for _, l := range ls {
			if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
				tp.last = l
				return t.UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO-8601 time like 2001-11-05T00:00:30Z", mlrt.ClipText(s))
}

// LoadSeriesCSV reads the time series in path; see ReadSeriesCSV. Errors name path.
func LoadSeriesCSV[T mlrt.Float](path string, opts SeriesOptions) (*Series[T], error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadSeriesCSV[T](f, path, opts)
}

// ReadSeriesCSV reads a time series from CSV: lines starting with '#' are comments; the first
// other line is a header of column names unless its time field already parses as a time (then
// the columns are called "field N"). Each row has a time (see ParseTime, or opts.TimeLayouts)
// and the value columns opts chooses. A value that is empty, NaN, ±Inf, one of opts.Fill or
// (unless opts.KeepHuge) of magnitude ≥ 1e30 is missing, and a row with a missing value is
// dropped (counted in Dropped), as the tutorial's dropna does. Times must increase strictly.
//
// Numbers are parsed as float64 and converted to T. Errors read "name:LINE: ...", fields
// counted from 1.
func ReadSeriesCSV[T mlrt.Float](r io.Reader, name string, opts SeriesOptions) (*Series[T], error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	p := seriesParser[T]{CSVRecords: mlrt.NewCSVRecords(cr, name), opts: &opts, tp: timeParser{extra: opts.TimeLayouts}}
	return p.parse()
}

// seriesParser holds the state of one ReadSeriesCSV call.
type seriesParser[T mlrt.Float] struct {
	mlrt.CSVRecords
	opts *SeriesOptions
	tp   timeParser

	timeCol int   // field index from 0
	cols    []int // value field indices from 0
	width   int   // fields a row must have at least: max of the above + 1
	s       *Series[T]
	prev    time.Time
	rows    int // data rows read, kept or not
}

func (p *seriesParser[T]) parse() (*Series[T], error) {
	rec, err := p.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: no header and no rows: expected a header like \"time_utc,B_R_nT,B_T_nT,B_N_nT\" then rows", p.Name())
	}
	if err != nil {
		return nil, err
	}
	rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
	header := append([]string(nil), rec...)
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	// A header or already a row? It is a row if the time column holds a time.
	isRow := false
	if tc, err := p.column(p.opts.TimeColumn, header, false, "time"); err == nil && tc < len(header) {
		if _, err := p.tp.parse(header[tc]); err == nil {
			isRow = true
		}
	}
	var names []string
	if isRow {
		names = make([]string, len(header))
		for i := range names {
			names[i] = fmt.Sprintf("field %d", i+1)
		}
	} else {
		names = header
	}
	if p.timeCol, err = p.column(p.opts.TimeColumn, names, !isRow, "time"); err != nil {
		return nil, err
	}
	if p.opts.Columns == nil {
		for i := p.timeCol + 1; i < len(names); i++ {
			p.cols = append(p.cols, i)
		}
		if len(p.cols) == 0 {
			return nil, p.Errorf("no value columns after the time column %q", names[p.timeCol])
		}
	} else {
		if len(p.opts.Columns) == 0 {
			return nil, p.Errorf("no value columns chosen")
		}
		for _, c := range p.opts.Columns {
			i, err := p.column(c, names, !isRow, "value")
			if err != nil {
				return nil, err
			}
			if i == p.timeCol {
				return nil, p.Errorf("value column %q is the time column", c)
			}
			p.cols = append(p.cols, i)
		}
	}
	p.width = p.timeCol + 1
	for _, c := range p.cols {
		p.width = max(p.width, c+1)
	}
	p.s = &Series[T]{Channels: len(p.cols)}
	for _, c := range p.cols {
		n := fmt.Sprintf("field %d", c+1)
		if c < len(names) {
			n = names[c]
		}
		p.s.Names = append(p.s.Names, n)
	}
	if isRow {
		if err := p.row(rec); err != nil {
			return nil, err
		}
	}
	for {
		rec, err := p.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := p.row(rec); err != nil {
			return nil, err
		}
	}
	if p.rows == 0 {
		return nil, fmt.Errorf("%s: no data rows", p.Name())
	}
	return p.s, nil
}

// column resolves a column chosen by header name or field number from 1; "" is field 1 for
// the time column. byName says whether names may be used (there is a header).
func (p *seriesParser[T]) column(sel string, names []string, byName bool, what string) (int, error) {
	sel = strings.TrimSpace(sel)
	if sel == "" {
		return 0, nil
	}
	if byName {
		for i, n := range names {
			if n == sel {
				return i, nil
			}
		}
		for i, n := range names { // forgive the case: "bx_gsm_nt"
			if strings.EqualFold(n, sel) {
				return i, nil
			}
		}
	}
	if k, err := strconv.Atoi(sel); err == nil {
		if k < 1 {
			return 0, p.Errorf("%s column %d: fields are counted from 1", what, k)
		}
		return k - 1, nil
	}
	if !byName {
		return 0, p.Errorf("%s column %q: the file has no header, choose columns by number (from 1)", what, sel)
	}
	return 0, p.Errorf("%s column %q is not in the header (%s)", what, sel, mlrt.ClipText(strings.Join(names, ",")))
}

func (p *seriesParser[T]) row(rec []string) error {
	if len(rec) < p.width {
		return p.Errorf("expected at least %d fields, found %d", p.width, len(rec))
	}
	t, err := p.tp.parse(strings.TrimSpace(rec[p.timeCol]))
	if err != nil {
		return p.Errorf("field %d: %v", p.timeCol+1, err)
	}
	if p.rows > 0 && !t.After(p.prev) {
		return p.Errorf("time %s is not after the previous row's %s: rows must be in time order, without repeats",
			t.Format(time.RFC3339Nano), p.prev.Format(time.RFC3339Nano))
	}
	p.prev = t
	p.rows++
	n := len(p.s.Values)
	missing := false
	for _, c := range p.cols {
		s := strings.TrimSpace(rec[c])
		v, ok, err := p.value(s)
		if err != nil {
			p.s.Values = p.s.Values[:n]
			return p.Errorf("field %d: %v", c+1, err)
		}
		if !ok {
			missing = true
		}
		p.s.Values = append(p.s.Values, v)
	}
	if missing {
		p.s.Values = p.s.Values[:n]
		p.s.Dropped++
		return nil
	}
	p.s.Times = append(p.s.Times, t)
	return nil
}

// value parses one field: ok is false when it marks a missing sample.
func (p *seriesParser[T]) value(s string) (v T, ok bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false, fmt.Errorf("%q is not a number", mlrt.ClipText(s))
	}
	if p.opts.missing(f) {
		return 0, false, nil
	}
	v = T(f)
	if math.IsInf(float64(v), 0) {
		return 0, false, fmt.Errorf("%q is beyond the %s range", mlrt.ClipText(s), mlrt.DTypeName[T]())
	}
	return v, true, nil
}
