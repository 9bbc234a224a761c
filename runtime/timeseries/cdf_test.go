package timeseries

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The CDF files in the shared folder read as their derived CSVs: the same times, the same
// values (to float32), the same records dropped for fill. The CSVs of ACE 16 s and Wind are
// the CDFs' values as they are; PSP's CSV has its first three columns.
func TestLoadCDFMatchesCSV(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "solar_wind")
	for _, c := range []struct {
		cdf, csv string
		cols     []string
		names    []string
	}{
		{"ac_h0s_mfi_20011105.cdf", "ace_mfi_16s_gsm_20011105-08.csv", nil, nil},
		{"wi_h0s_mfi_20240510000030_20240512115930_copy.cdf", "wind_mfi_1min_gsm_20240510-12.csv", nil, nil},
		{"psp_fld_l2_mag_rtn_1min_20200104_v02.cdf", "psp_mag_rtn_1min_20200104.csv", []string{"B_R_nT", "B_T_nT", "B_N_nT"}, nil},
	} {
		p := filepath.Join(dir, c.cdf)
		if _, err := os.Stat(p); err != nil {
			t.Logf("%s: not present (%v), skipped", c.cdf, err)
			continue
		}
		s, err := LoadCDF[float32](p, SeriesOptions{})
		if err != nil {
			t.Errorf("%s: %v", c.cdf, err)
			continue
		}
		want, err := LoadSeriesCSV[float32](filepath.Join(dir, c.csv), SeriesOptions{Columns: c.cols})
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != want.Len() || s.Dropped != want.Dropped || s.Channels != 3 {
			t.Errorf("%s: %d records (%d dropped) of %d channels; the CSV %d (%d)", c.cdf, s.Len(), s.Dropped, s.Channels, want.Len(), want.Dropped)
			continue
		}
		for i := range s.Times {
			if d := s.Times[i].Sub(want.Times[i]); d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("%s: record %d at %v, the CSV %v", c.cdf, i, s.Times[i], want.Times[i])
				break
			}
		}
		for i := range s.Values {
			if s.Values[i] != want.Values[i] {
				t.Errorf("%s: value %d: %v, the CSV %v", c.cdf, i, s.Values[i], want.Values[i])
				break
			}
		}
		t.Logf("%s: %d records, %d dropped, channels %q, from %v", c.cdf, s.Len(), s.Dropped, s.Names, s.Times[0])
	}
}
