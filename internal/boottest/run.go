package boottest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// TailLines is how many console lines a Failure's message shows.
const TailLines = 25

// Failure is a boot that did not show what was expected: QEMU exited, or
// the timeout passed first. Console is the whole log; the message shows its
// last TailLines lines.
type Failure struct {
	Reason  string
	Command string
	Console string
}

func (f *Failure) Error() string {
	return fmt.Sprintf("%s\ncommand: %s\nlast console lines:\n%s", f.Reason, f.Command, Tail(f.Console, TailLines))
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Result is a finished boot.
type Result struct {
	// Console is the whole cleaned console log.
	Console string
	// Duration is the time from QEMU's start to the match (or the failure).
	Duration time.Duration
	// Accel is the accelerator QEMU ran with.
	Accel string
	// Command is the command line, for logs.
	Command string
}

// Run boots opts, waits up to timeout for expect on the console, then kills
// QEMU. The Result is filled in even when the boot fails (a *Failure) as
// long as QEMU started, so the caller can save the console either way.
func Run(ctx context.Context, opts Options, expect *regexp.Regexp, timeout time.Duration) (Result, error) {
	c, err := Start(opts)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := c.WaitFor(ctx, expect)
	return Result{Console: out, Duration: time.Since(c.Started()), Accel: c.Accel(), Command: c.CommandLine()}, err
}
