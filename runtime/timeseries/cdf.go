package timeseries

import (
	"fmt"
	"strings"
	"time"

	mlrt "github.com/mlc-go/mlc/runtime"
	"github.com/mlc-go/mlc/runtime/cdf"
)

// LoadCDF reads a time series from a CDF file (ISTP conventions, as CDAWeb and the missions
// write them). opts.Columns names the value variables, each giving all its components as
// channels; by default the first variable with VAR_TYPE "data" that is numeric and varies by
// record (ACE's and Wind's BGSM, PSP's psp_fld_l2_mag_RTN_1min). The times are the values'
// DEPEND_0 variable (or opts.TimeColumn): CDF_EPOCH, CDF_EPOCH16 or CDF_TIME_TT2000. A value
// equal to the variable's FILLVAL or one of opts.Fill, NaN, or of magnitude ≥ 1e30 (unless
// opts.KeepHuge) is missing, and a record with a missing value or a fill time is dropped, as
// ReadSeriesCSV drops rows. Channel names come from the LABL_PTR_1 labels when there are.
func LoadCDF[T mlrt.Float](path string, opts SeriesOptions) (*Series[T], error) {
	f, err := cdf.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var vars []*cdf.Var
	if opts.Columns == nil {
		for _, v := range f.Variables() {
			if vt, _ := v.Attr("VAR_TYPE"); vt.Text == "data" && v.RecVary && !v.Type.IsText() && v.Type != cdf.Epoch && v.Type != cdf.Epoch16 && v.Type != cdf.TT2000 {
				vars = append(vars, v)
				break
			}
		}
		if vars == nil {
			return nil, fmt.Errorf("%s: no record-varying numeric variable with VAR_TYPE \"data\"; choose variables by name (%s)", path, cdfNames(f))
		}
	}
	for _, name := range opts.Columns {
		v, err := f.Variable(strings.TrimSpace(name))
		if err != nil {
			return nil, fmt.Errorf("%s: no variable %q (the file has %s)", path, name, cdfNames(f))
		}
		vars = append(vars, v)
	}
	timeName := strings.TrimSpace(opts.TimeColumn)
	if timeName == "" {
		d0, ok := vars[0].Attr("DEPEND_0")
		if !ok || d0.Text == "" {
			return nil, fmt.Errorf("%s: variable %q has no DEPEND_0 naming its times; choose the time variable", path, vars[0].Name)
		}
		timeName = d0.Text
	}
	tv, err := f.Variable(timeName)
	if err != nil {
		return nil, fmt.Errorf("%s: no time variable %q (the file has %s)", path, timeName, cdfNames(f))
	}
	times, err := tv.Times()
	if err != nil {
		return nil, err
	}
	s := &Series[T]{}
	var cols [][]float64 // per variable: its values, record-major
	var widths []int
	for _, v := range vars {
		if v.Type.IsText() {
			return nil, fmt.Errorf("%s: variable %q holds text, not numbers", path, v.Name)
		}
		vals, err := v.MaskedFloat64s()
		if err != nil {
			return nil, err
		}
		if v.NumRecords != len(times) {
			return nil, fmt.Errorf("%s: variable %q has %d records, its times %q %d", path, v.Name, v.NumRecords, tv.Name, len(times))
		}
		w := 1
		for _, d := range v.Shape() {
			w *= d
		}
		if w < 1 || len(vals) != w*len(times) {
			return nil, fmt.Errorf("%s: variable %q: %d values for %d records", path, v.Name, len(vals), len(times))
		}
		cols, widths = append(cols, vals), append(widths, w)
		labels := cdfLabels(f, v, w)
		s.Names = append(s.Names, labels...)
		s.Channels += w
	}
	var prev time.Time
	for r, t := range times {
		missing := t.IsZero()
		n := len(s.Values)
		for i, vals := range cols {
			for _, x := range vals[r*widths[i] : (r+1)*widths[i]] {
				if opts.missing(x) {
					missing = true
				}
				s.Values = append(s.Values, T(x))
			}
		}
		if missing {
			s.Values = s.Values[:n]
			s.Dropped++
			continue
		}
		if s.Len() > 0 && !t.After(prev) {
			return nil, fmt.Errorf("%s: record %d: time %s is not after the previous record's %s: records must be in time order, without repeats",
				path, r, t.Format(time.RFC3339Nano), prev.Format(time.RFC3339Nano))
		}
		prev = t
		s.Times = append(s.Times, t)
	}
	if s.Len()+s.Dropped == 0 {
		return nil, fmt.Errorf("%s: no records", path)
	}
	return s, nil
}

// cdfLabels names a variable's w components: its LABL_PTR_1 labels, or NAME[i].
func cdfLabels(f *cdf.File, v *cdf.Var, w int) []string {
	if w == 1 {
		return []string{v.Name}
	}
	if lp, ok := v.Attr("LABL_PTR_1"); ok {
		if lv, err := f.Variable(lp.Text); err == nil {
			if l, err := lv.Strings(); err == nil && len(l) == w {
				out := make([]string, w)
				for i, x := range l {
					out[i] = strings.TrimSpace(x)
				}
				return out
			}
		}
	}
	out := make([]string, w)
	for i := range out {
		out[i] = fmt.Sprintf("%s[%d]", v.Name, i)
	}
	return out
}

// cdfNames lists a file's variables for a message.
func cdfNames(f *cdf.File) string {
	var n []string
	for _, v := range f.Variables() {
		n = append(n, v.Name)
	}
	return mlrt.ClipText(strings.Join(n, ", "))
}
