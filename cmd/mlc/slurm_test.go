package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// slurmCluster starts a single-node Slurm cluster on this machine for the test (munge,
// slurmctld and slurmd, with a configuration written here), and stops its daemons when the
// test ends. It skips the test where Slurm is not installed or the test does not run as
// root (.ci/run installs Debian's slurm-wlm and munge).
func slurmCluster(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Slurm cluster: skipped in -short mode")
	}
	for _, cmd := range []string{"slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo", "munged", "munge"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("Slurm is not installed (no %s; .ci/run installs slurm-wlm and munge)", cmd)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("a test cluster runs its daemons as root")
	}
	if exec.Command("sh", "-c", "munge -n | unmunge").Run() != nil {
		key := "/etc/munge/munge.key"
		if _, err := os.Stat(key); err != nil {
			k := make([]byte, 1024)
			f, _ := os.Open("/dev/urandom")
			f.Read(k)
			f.Close()
			if err := os.WriteFile(key, k, 0o400); err != nil {
				t.Fatal(err)
			}
			exec.Command("chown", "munge:munge", key).Run()
		}
		os.MkdirAll("/run/munge", 0o755)
		exec.Command("chown", "munge:munge", "/run/munge").Run()
		if out, err := exec.Command("runuser", "-u", "munge", "--", "munged").CombinedOutput(); err != nil {
			t.Fatalf("munged: %v\n%s", err, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	host = strings.Split(host, ".")[0]
	dir := t.TempDir()
	ports := freePorts(t, 2)
	conf := filepath.Join(dir, "slurm.conf")
	cfg := fmt.Sprintf(`ClusterName=mlctest
SlurmctldHost=%[1]s
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=%[2]s/state
SlurmdSpoolDir=%[2]s/spool
SlurmctldPidFile=%[2]s/slurmctld.pid
SlurmdPidFile=%[2]s/slurmd.pid
SlurmctldLogFile=%[2]s/slurmctld.log
SlurmdLogFile=%[2]s/slurmd.log
SlurmctldPort=%[3]d
SlurmdPort=%[4]d
ReturnToService=2
MpiDefault=none
NodeName=%[1]s CPUs=%[5]d RealMemory=2000 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
`, host, dir, ports[0], ports[1], runtime.NumCPU())
	for _, d := range []string{"state", "spool"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLURM_CONF", conf)
	for _, daemon := range []string{"slurmctld", "slurmd"} {
		c := exec.Command(daemon, "-D", "-f", conf)
		var log bytes.Buffer
		c.Stdout, c.Stderr = &log, &log
		if err := c.Start(); err != nil {
			t.Fatalf("%s: %v", daemon, err)
		}
		t.Cleanup(func() {
			c.Process.Kill()
			c.Wait()
		})
	}
	for start := time.Now(); ; time.Sleep(300 * time.Millisecond) {
		out, _ := exec.Command("sinfo", "-h", "-o", "%t").Output()
		if strings.TrimSpace(string(out)) == "idle" {
			return
		}
		if time.Since(start) > 30*time.Second {
			logs, _ := os.ReadFile(filepath.Join(dir, "slurmctld.log"))
			t.Fatalf("the test cluster's node is not idle after 30 s (sinfo: %q)\n%s", out, logs)
		}
	}
}

func freePorts(t *testing.T, n int) []int {
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// TestSweepOnSlurm runs an 8-run Burgers sweep (2 widths × 4 seeds, a short step budget) on
// a real single-node Slurm cluster and on this machine: the tables are the same, bit for bit.
// Then a sweep on Slurm is cancelled once a run has finished, and re-running the command
// submits only the runs left, with the same table at the end.
func TestSweepOnSlurm(t *testing.T) {
	slurmCluster(t)
	dir := t.TempDir()
	t.Setenv("MLC_CACHE", filepath.Join(dir, "cache"))
	ml, err := filepath.Abs("../../examples/burgers/burgers.ml")
	if err != nil {
		t.Fatal(err)
	}
	sweep := func(on, out string, extra ...string) (int, string) {
		args := []string{"sweep", "-on", on, "-set", "width=4,6", "-seeds", "1-4", "-adam", "20", "-lbfgs", "10", "-noplots", "-out", out}
		if on == "slurm" {
			args = append(args, "-sbatch-mem", "200M", "-sbatch-cpus", fmt.Sprint(min(2, runtime.NumCPU())))
		}
		args = append(args, extra...)
		code, _, stderr := mlc(t, append(args, ml)...)
		return code, stderr
	}
	table := func(out string) string {
		b, err := os.ReadFile(filepath.Join(out, "table.csv"))
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			rows = append(rows, l[:strings.LastIndex(l, ",")]) // without the training time
		}
		return strings.Join(rows, "\n")
	}
	local, onSlurm := filepath.Join(dir, "local"), filepath.Join(dir, "slurm")
	if code, stderr := sweep("local", local, "-jobs", "2"); code != 0 {
		t.Fatalf("-on local: exit %d\n%s", code, stderr)
	}
	if code, stderr := sweep("slurm", onSlurm); code != 0 {
		t.Fatalf("-on slurm: exit %d\n%s", code, stderr)
	}
	want := table(local)
	if got := table(onSlurm); got != want || strings.Count(want, "\n") != 8 {
		t.Errorf("-on slurm gave\n%s\n-on local\n%s", got, want)
	}

	// Cancelled midway, then resumed.
	resumed := filepath.Join(dir, "resumed")
	done := make(chan string)
	go func() {
		_, stderr := sweep("slurm", resumed, "-sbatch-max", "1")
		done <- stderr
	}()
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(resumed, "run-002", "summary.json")); err == nil {
			break
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatal("no run of the second sweep finished in 2 minutes")
		}
	}
	exec.Command("scancel", "--name=mlc-sweep").Run()
	first := <-done
	if !strings.Contains(first, "did not finish") {
		t.Errorf("the cancelled sweep did not say which runs are missing:\n%s", first)
	}
	code, stderr := sweep("slurm", resumed)
	if code != 0 {
		t.Fatalf("resumed: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, " 8 to run") || !strings.Contains(stderr, "to run on Slurm") {
		t.Errorf("the resumed sweep did not submit only the missing runs:\n%s", stderr)
	}
	if got := table(resumed); got != want {
		t.Errorf("resumed sweep gave\n%s\nwant\n%s", got, want)
	}
}
