package cdf

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead checks that no input makes the reader panic, hang or allocate
// without bound: Read and every read method must return or fail cleanly.
// The seeds are the real files (when present) and small synthetic files
// in every layout; crashers found are kept in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	for _, name := range []string{pspCDF, aceCDF, windCDF} {
		if b, err := os.ReadFile(filepath.Join(dataDir, name)); err == nil {
			f.Add(b)
		}
	}
	for _, v2 := range []bool{false, true} {
		for _, cType := range []int32{cNone, cGZIP, cRLE} {
			s := synSample(v2, IBMPC, false, cType, cType == cGZIP)
			f.Add(s.bytes())
			s.fileComp = cType
			f.Add(s.bytes())
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		readAll(b)
	})
}
