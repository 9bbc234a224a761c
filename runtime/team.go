package runtime

import (
	goruntime "runtime"
	"sync/atomic"
)

// Team runs the parts of one job of a generated model on a fixed set of goroutines: part 0
// on the caller's goroutine, parts 1 … n-1 on helper goroutines started on first use.
//
// It exists because handing work to a parked goroutine costs a thread wake-up by the
// operating system — measured at about 100 µs per call here (a VM), as much as a 5000-row
// prediction takes. So a helper that finishes a part spins for a while (spinChecks loads
// of the job counter, some tens of microseconds) before it parks, and the caller spins
// while it waits for the helpers: back-to-back calls (a training loop, batched inference)
// never sleep. Parking is by a one-slot channel per helper, so a helper that is asleep is
// woken and one that is spinning finds its token later and just spins once more.
//
// Results do not depend on the number of cores: the parts are fixed by the caller, and
// Run with parallel false (or with GOMAXPROCS 1) runs them in order on the caller's
// goroutine. A Team is used by one goroutine at a time, like the model that owns it. Run
// allocates nothing once the helpers have started.
type Team struct {
	n       int
	part    func(k int)
	seq     atomic.Uint64 // bumped by Run for each parallel job
	done    atomic.Int32  // helpers finished with the current job
	stop    *atomic.Bool  // set by Close for the helpers of this start
	wake    []chan struct{}
	started bool
}

// spinChecks is how many times an idle helper checks for a new job before it parks.
const spinChecks = 1 << 16

// Init sets the team's size and the function that runs part k of the current job.
func (t *Team) Init(n int, part func(k int)) {
	t.n, t.part = n, part
}

// Run runs part(0) … part(n-1): in parallel when parallel is true and there is more
// than one core to use, else one after the other on the caller's goroutine.
func (t *Team) Run(parallel bool) {
	if !parallel || t.n == 1 || goruntime.GOMAXPROCS(0) == 1 {
		for k := range t.n {
			t.part(k)
		}
		return
	}
	if !t.started {
		t.start()
	}
	t.done.Store(0)
	t.seq.Add(1)
	for _, c := range t.wake[1:] {
		select {
		case c <- struct{}{}:
		default: // a token is already waiting
		}
	}
	t.part(0)
	for i := 0; t.done.Load() != int32(t.n-1); i++ {
		if i&1023 == 1023 {
			goruntime.Gosched() // let a helper that shares this core finish
		}
	}
}

func (t *Team) start() {
	t.started = true
	t.stop = new(atomic.Bool)
	t.wake = make([]chan struct{}, t.n)
	for k := 1; k < t.n; k++ {
		t.wake[k] = make(chan struct{}, 1)
		go t.helper(k, t.seq.Load(), t.stop, t.wake[k])
	}
}

// helper runs part k of each job from the one after last on, until stop is set.
func (t *Team) helper(k int, last uint64, stop *atomic.Bool, wake chan struct{}) {
	for {
		for i := 0; ; i++ {
			if stop.Load() {
				return
			}
			if s := t.seq.Load(); s != last {
				if stop.Load() {
					return // a job of the team's next start (Close stored stop first)
				}
				last = s
				break
			}
			if i == spinChecks {
				<-wake
				i = 0
			}
		}
		t.part(k)
		t.done.Add(1)
	}
}

// Close stops the helpers; Run starts new ones if it is called again.
func (t *Team) Close() {
	if !t.started {
		return
	}
	t.stop.Store(true)
	for _, c := range t.wake[1:] {
		select {
		case c <- struct{}{}:
		default:
		}
	}
	t.started = false
}

// Chunks deals the chunks of a range out to the workers of a Team as they ask, for jobs
// whose result does not depend on who computes which chunk (inference: each row's output
// is its own). A static split makes the call wait for its slowest part; on a machine where
// another process or a neighbouring VM slows one core, dealing chunks on demand lets the
// other core take more of them. It allocates nothing.
type Chunks struct {
	next atomic.Int64
	n    int64
	size int64
}

// Reset starts dealing [0, n) in chunks of size ≥ 1.
func (c *Chunks) Reset(n, size int) {
	c.n, c.size = int64(n), int64(size)
	c.next.Store(0)
}

// Next returns a chunk [lo, hi) not dealt yet, or ok false when none is left.
func (c *Chunks) Next() (lo, hi int, ok bool) {
	i := c.next.Add(c.size) - c.size
	return int(i), int(min(i+c.size, c.n)), i < c.n
}
