// Command rssspawn runs a program and reports its peak RSS: `rssspawn
// RSSFILE PROG ARGS...` runs PROG with this process's standard files, waits
// for it, writes PROG's peak RSS in KiB (rusage maxrss) to RSSFILE and exits
// with PROG's status. lkbench starts every measured command through it.
//
// It exists because Linux charges a new program the peak RSS of the image
// that exec'ed it (exec_mmap folds the old mm's high-water mark into
// maxrss), and Go starts children with vfork semantics, sharing its own mm
// until exec: a child of the benchmark driver would report at least the
// driver's own peak. Started from this small stdlib-only process instead, a
// program's figure has a floor of about 2 MiB, the spawner's own RSS.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

func main() { os.Exit(run(os.Args[1:])) }

// run is the command; it returns the exit status.
func run(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "rssspawn: want RSSFILE PROG [ARGS...]")
		return 2
	}
	prog, err := exec.LookPath(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "rssspawn:", err)
		return 127
	}
	pid, err := syscall.ForkExec(prog, args[1:], &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{os.Stdin.Fd(), os.Stdout.Fd(), os.Stderr.Fd()},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "rssspawn:", err)
		return 127
	}
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		_, err = syscall.Wait4(pid, &ws, 0, &ru)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rssspawn: wait:", err)
		return 1
	}
	if err := os.WriteFile(args[0], []byte(strconv.FormatInt(ru.Maxrss, 10)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "rssspawn:", err)
		return 1
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
