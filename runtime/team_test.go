package runtime

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTeam runs many jobs back to back and with pauses long enough for the helpers to
// park, and checks every part ran exactly once per job, then closes and reuses the team.
func TestTeam(t *testing.T) {
	var t3 Team
	var counts [3]atomic.Int64
	t3.Init(3, func(k int) { counts[k].Add(1) })
	jobs := 0
	for round := 0; round < 3; round++ {
		for i := 0; i < 2000; i++ {
			t3.Run(true)
			jobs++
		}
		time.Sleep(20 * time.Millisecond) // long enough to park
		t3.Run(true)
		t3.Run(false)
		jobs += 2
		for k := range counts {
			if got := counts[k].Load(); got != int64(jobs) {
				t.Fatalf("round %d: part %d ran %d times in %d jobs", round, k, got, jobs)
			}
		}
		t3.Close()
	}
}

func TestTeamRunAllocatesNothing(t *testing.T) {
	var tm Team
	sum := 0
	tm.Init(2, func(k int) { sum += 0 })
	tm.Run(true)
	defer tm.Close()
	if a := testing.AllocsPerRun(100, func() { tm.Run(true) }); a != 0 {
		t.Fatalf("Run allocates %v times", a)
	}
}

// TestChunks deals a range to two goroutines at once: every chunk goes out exactly once.
func TestChunks(t *testing.T) {
	for _, tt := range []struct{ n, size int }{{0, 4}, {1, 4}, {10, 4}, {12, 4}, {100000, 640}} {
		var c Chunks
		c.Reset(tt.n, tt.size)
		got := make([]int, tt.n)
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					lo, hi, ok := c.Next()
					if !ok {
						return
					}
					for i := lo; i < hi; i++ {
						got[i]++
					}
				}
			}()
		}
		wg.Wait()
		for i, g := range got {
			if g != 1 {
				t.Fatalf("n=%d size=%d: row %d dealt %d times", tt.n, tt.size, i, g)
			}
		}
		if _, _, ok := c.Next(); ok {
			t.Errorf("n=%d: Next after the end says ok", tt.n)
		}
	}
}
