package timeseries

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
)

// OMNIWeb listings: a fixed-width text file (.lst) and, beside it, its format description
// (.fmt) — one line per column with its number, its name and a Fortran format:
//
//	 1 Year                          I4
//	 2 Day                           I4
//	 3 Hour                          I3
//	 4 Minute                        I3
//	 5 BX, nT (GSE, GSM)             F8.2
//
// The time is the columns named Year, Day (of the year), Hour, Minute and, if present, Second.
// A missing value is written as the column's largest all-nines number (9999.99 for F8.2,
// 99999 for I6), OMNI's convention.

// omniColumn is one column of a listing.
type omniColumn struct {
	name  string
	width int
	fill  float64
}

var omniFormatLine = regexp.MustCompile(`^\s*(\d+)\s+(.*\S)\s+([IFE])(\d+)(?:\.(\d+))?\s*$`)

// readOMNIFormat reads a .fmt file's columns.
func readOMNIFormat(path string) ([]omniColumn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("an OMNI listing needs its format file beside it: %w", err)
	}
	defer f.Close()
	var cols []omniColumn
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		m := omniFormatLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue // the title and blank lines
		}
		if k, _ := strconv.Atoi(m[1]); k != len(cols)+1 {
			return nil, fmt.Errorf("%s:%d: column %s where column %d was expected", path, line, m[1], len(cols)+1)
		}
		w, _ := strconv.Atoi(m[4])
		d, _ := strconv.Atoi(m[5]) // 0 when absent (an I format)
		if w < 1 || w > 40 || d >= w {
			return nil, fmt.Errorf("%s:%d: format %s%s.%s is not a fixed-width number", path, line, m[3], m[4], m[5])
		}
		// The largest all-nines number the field holds, with room for a sign (and the point).
		digits := w - 1
		if m[3] != "I" {
			digits--
		}
		fill := (math.Pow(10, float64(digits)) - 1) / math.Pow(10, float64(d))
		cols = append(cols, omniColumn{name: strings.TrimSpace(m[2]), width: w, fill: fill})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%s: no column lines like \" 5 BX, nT (GSE, GSM)   F8.2\"", path)
	}
	return cols, nil
}

// LoadOMNI reads an OMNIWeb listing (path ends in .lst; its .fmt is beside it). opts.Columns
// chooses value columns by their name in the .fmt (or its start: "BX"; case ignored) or
// number from 1; by default every column after the time columns. A column's fill value marks a
// missing value, as do what ReadSeriesCSV takes for one (NaN, opts.Fill, …); a row with a
// missing value is dropped.
func LoadOMNI[T mlrt.Float](path string, opts SeriesOptions) (*Series[T], error) {
	cols, err := readOMNIFormat(strings.TrimSuffix(path, ".lst") + ".fmt")
	if err != nil {
		return nil, err
	}
	timeCol := map[string]int{}
	for i, c := range cols {
		switch n := strings.ToLower(c.name); n {
		case "year", "day", "hour", "minute", "second":
			timeCol[n] = i
		}
	}
	for _, n := range []string{"year", "day", "hour", "minute"} {
		if _, ok := timeCol[n]; !ok {
			return nil, fmt.Errorf("%s: the format has no %q column: an OMNI listing starts with Year, Day, Hour, Minute", path, n)
		}
	}
	var use []int
	if opts.Columns == nil {
		for i := range cols {
			if _, isTime := timeCol[strings.ToLower(cols[i].name)]; !isTime {
				use = append(use, i)
			}
		}
	}
	for _, sel := range opts.Columns {
		i, err := omniSelect(cols, sel)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		use = append(use, i)
	}
	if len(use) == 0 {
		return nil, fmt.Errorf("%s: no value columns", path)
	}
	s := &Series[T]{Channels: len(use)}
	for _, i := range use {
		s.Names = append(s.Names, cols[i].name)
	}

	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	fields := make([]string, len(cols))
	var prev time.Time
	rows := 0
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" {
			continue
		}
		if err := omniFields(text, cols, fields); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		num := func(i int) (float64, error) {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return 0, fmt.Errorf("%s:%d: column %d (%s): %q is not a number", path, line, i+1, cols[i].name, mlrt.ClipText(fields[i]))
			}
			return v, nil
		}
		var tv [5]float64
		for k, n := range []string{"year", "day", "hour", "minute", "second"} {
			i, ok := timeCol[n]
			if !ok {
				continue
			}
			if tv[k], err = num(i); err != nil {
				return nil, err
			}
		}
		if tv[1] < 1 || tv[1] > 366 || tv[2] < 0 || tv[2] > 23 || tv[3] < 0 || tv[3] > 59 || tv[4] < 0 || tv[4] >= 61 {
			return nil, fmt.Errorf("%s:%d: time %v-%v %v:%v:%v is not a year, day of year, hour, minute (and second)", path, line, tv[0], tv[1], tv[2], tv[3], tv[4])
		}
		t := time.Date(int(tv[0]), 1, int(tv[1]), int(tv[2]), int(tv[3]), 0, 0, time.UTC).Add(time.Duration(tv[4] * float64(time.Second)))
		if rows > 0 && !t.After(prev) {
			return nil, fmt.Errorf("%s:%d: time %s is not after the previous row's %s: rows must be in time order, without repeats",
				path, line, t.Format(time.RFC3339), prev.Format(time.RFC3339))
		}
		prev = t
		rows++
		n := len(s.Values)
		missing := false
		for _, i := range use {
			v, err := num(i)
			if err != nil {
				return nil, err
			}
			if v == cols[i].fill || opts.missing(v) {
				missing = true
			}
			s.Values = append(s.Values, T(v))
		}
		if missing {
			s.Values = s.Values[:n]
			s.Dropped++
			continue
		}
		s.Times = append(s.Times, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if rows == 0 {
		return nil, fmt.Errorf("%s: no data rows", path)
	}
	return s, nil
}

// omniFields cuts a listing line into its fixed-width fields; a line whose length does not
// fit the widths is split at white space instead.
func omniFields(line string, cols []omniColumn, fields []string) error {
	width := 0
	for _, c := range cols {
		width += c.width
	}
	if len(strings.TrimRight(line, " \r")) <= width && len(line) >= width-cols[len(cols)-1].width+1 {
		at := 0
		for i, c := range cols {
			end := min(at+c.width, len(line))
			fields[i] = strings.TrimSpace(line[at:end])
			at = end
		}
		return nil
	}
	f := strings.Fields(line)
	if len(f) != len(cols) {
		return fmt.Errorf("%d fields, the format has %d columns", len(f), len(cols))
	}
	copy(fields, f)
	return nil
}

// omniSelect finds a column by number from 1, by name, or by the start of its name.
func omniSelect(cols []omniColumn, sel string) (int, error) {
	sel = strings.TrimSpace(sel)
	if k, err := strconv.Atoi(sel); err == nil {
		if k < 1 || k > len(cols) {
			return 0, fmt.Errorf("column %d: the format has columns 1 to %d", k, len(cols))
		}
		return k - 1, nil
	}
	for i, c := range cols {
		if strings.EqualFold(c.name, sel) {
			return i, nil
		}
	}
	found := -1
	for i, c := range cols {
		if len(c.name) >= len(sel) && strings.EqualFold(c.name[:len(sel)], sel) {
			if found >= 0 {
				return 0, fmt.Errorf("column %q is ambiguous: %q and %q", sel, cols[found].name, c.name)
			}
			found = i
		}
	}
	if found < 0 {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.name
		}
		return 0, fmt.Errorf("no column %q (the format has %s)", sel, mlrt.ClipText(strings.Join(names, "; ")))
	}
	return found, nil
}
