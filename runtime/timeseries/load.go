package timeseries

import (
	"path/filepath"
	"strings"

	mlrt "github.com/mlc-go/mlc/runtime"
)

// LoadSeries reads a time series in any format this package reads, chosen by the file's
// extension: an OMNIWeb listing (.lst, with its .fmt beside it; LoadOMNI), a CDF file (.cdf;
// LoadCDF) or else CSV (LoadSeriesCSV). opts.Columns chooses the value columns — CDF
// variables for a CDF file.
func LoadSeries[T mlrt.Float](path string, opts SeriesOptions) (*Series[T], error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".lst":
		return LoadOMNI[T](path, opts)
	case ".cdf":
		return LoadCDF[T](path, opts)
	}
	return LoadSeriesCSV[T](path, opts)
}
