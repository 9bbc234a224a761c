package trainer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Collect puts a mini-batch model's held-out figures in the table and judges the runs by the
// test loss, which is what a sweep over its settings is for.
func TestCollectBatchRuns(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("runs.tsv", "001\t1\twidth=8\tprog\n002\t1\twidth=16\tprog\n003\t2\twidth=16\tprog\n")
	write("run-001/summary.json", `{"final_loss": 0.1, "train_seconds": 1, "test_loss": 0.5, "test_metrics": {"accuracy": 0.9}, "val_loss": 0.4}`)
	write("run-002/summary.json", `{"final_loss": 0.3, "train_seconds": 2, "test_loss": 0.2, "test_metrics": {"accuracy": 0.97}, "val_loss": 0.6}`)
	tab, err := Collect(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"test_accuracy", "test_loss", "val_loss", "final_loss"}; !slices.Equal(tab.Metrics, want) {
		t.Errorf("columns %v, want %v", tab.Metrics, want)
	}
	if tab.Best != 1 || tab.Rows[1].Values["test_accuracy"] != 0.97 {
		t.Errorf("best row %d (want 1, the lower test loss), rows %+v", tab.Best, tab.Rows)
	}
	if !slices.Equal(tab.Missing, []string{"003"}) {
		t.Errorf("missing %v", tab.Missing)
	}
}
