package main

// mlc sweep -on slurm: the runs as a Slurm job array, submitted with sbatch and followed with
// squeue. The cluster's nodes must see the sweep directory, the .ml file's directory and mlc's
// cache (MLC_CACHE) at the same paths: a shared file system, as clusters have.

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mlc-go/mlc/runtime/trainer"
)

type sbatchOptions struct {
	time, mem, partition string
	max, cpus            int
}

// slurmPoll is how often squeue is asked whether the array is done.
const slurmPoll = 2 * time.Second

// runSlurm submits the runs todo (of all runs) as one job array and waits for it to leave
// the queue. Task i of the array runs line i of out/commands.txt, which holds every run's
// command, so the array indexes are the runs' positions.
func runSlurm(todo, all []trainer.SweepRun, out, mlDir string, pass []string, sb sbatchOptions, stderr io.Writer) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	var cmds strings.Builder
	index := map[string]int{}
	for i, r := range all {
		index[r.ID] = i
		dir := filepath.Join(abs, "run-"+r.ID)
		words := []string{"mkdir", "-p", shellQuote(dir), "&&", "exec", shellQuote(r.Program)}
		for _, a := range runArgs(r, abs, mlDir, pass) {
			words = append(words, shellQuote(a))
		}
		words = append(words, ">", shellQuote(filepath.Join(dir, "log.txt")), "2>&1")
		cmds.WriteString(strings.Join(words, " ") + "\n")
	}
	if err := os.WriteFile(filepath.Join(abs, "commands.txt"), []byte(cmds.String()), 0o644); err != nil {
		return err
	}
	var ids []string
	for _, r := range todo {
		ids = append(ids, strconv.Itoa(index[r.ID]))
	}
	var script strings.Builder
	fmt.Fprintf(&script, "#!/bin/bash\n# Written by mlc sweep: task i runs line i+1 of commands.txt, one run of the sweep.\n")
	fmt.Fprintf(&script, "#SBATCH --job-name=mlc-sweep\n#SBATCH --array=%s%%%d\n", strings.Join(ids, ","), max(1, sb.max))
	fmt.Fprintf(&script, "#SBATCH --output=%s\n", filepath.Join(abs, "slurm-%A_%a.txt"))
	fmt.Fprintf(&script, "#SBATCH --time=%s\n#SBATCH --mem=%s\n#SBATCH --cpus-per-task=%d\n", sb.time, sb.mem, max(1, sb.cpus))
	if sb.partition != "" {
		fmt.Fprintf(&script, "#SBATCH --partition=%s\n", sb.partition)
	}
	fmt.Fprintf(&script, "eval \"$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" %s)\"\n", shellQuote(filepath.Join(abs, "commands.txt")))
	path := filepath.Join(abs, "sweep.sbatch")
	if err := os.WriteFile(path, []byte(script.String()), 0o755); err != nil {
		return err
	}
	var outb, errb bytes.Buffer
	c := exec.Command("sbatch", "--parsable", path)
	c.Stdout, c.Stderr = &outb, &errb
	if err := c.Run(); err != nil {
		return fmt.Errorf("sbatch %s: %v: %s", path, err, strings.TrimSpace(errb.String()))
	}
	job := strings.TrimSpace(strings.Split(outb.String(), ";")[0])
	fmt.Fprintf(stderr, "mlc sweep: submitted job %s (%s); waiting for it to finish\n", job, path)
	last := -1
	for {
		done := 0
		for _, r := range todo {
			if trainer.Done(out, r) {
				done++
			}
		}
		if done != last {
			fmt.Fprintf(stderr, "  %d of %d runs done\n", done, len(todo))
			last = done
		}
		q := exec.Command("squeue", "-h", "-j", job, "-o", "%i")
		b, err := q.Output()
		if err != nil || len(bytes.TrimSpace(b)) == 0 {
			// Out of the queue (squeue forgets a finished job, or says it is invalid).
			return nil
		}
		time.Sleep(slurmPoll)
	}
}

// shellQuote quotes s for bash.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
