package tests

import (
	"reflect"
	"testing"

	"github.com/mlc-go/mlc/generated/burgers"
	"github.com/mlc-go/mlc/generated/burgers32"
	"github.com/mlc-go/mlc/generated/cancer"
	"github.com/mlc-go/mlc/generated/solarwind"
)

// TestWorkersAligned checks that every worker's buffers of the generated examples start on
// a cache line, where a vector of a row ld values long never straddles two (the Burgers
// float32 step is 7 % slower when they start 56 bytes off one).
func TestWorkersAligned(t *testing.T) {
	for name, m := range map[string]any{"solarwind": solarwind.New(), "burgers": burgers.New(), "burgers32": burgers32.New(), "cancer": cancer.New()} {
		w := reflect.ValueOf(m).Elem().FieldByName("w")
		for i := 0; i < w.Len(); i++ {
			for _, f := range []string{"work", "scratch", "fft", "grads"} {
				v := w.Index(i).FieldByName(f)
				if !v.IsValid() {
					continue
				}
				if a := v.UnsafeAddr() % 64; a != 0 {
					t.Errorf("%s: worker %d's %s starts %d bytes after a cache line", name, i, f, a)
				}
			}
		}
	}
}
