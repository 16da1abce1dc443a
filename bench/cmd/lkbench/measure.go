package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// stepTimeout bounds one measured command; nothing in the suite comes close.
const stepTimeout = 5 * time.Minute

// Measure is the outcome of one side (ours or the peer) of one operation:
// the median wall time over the repetitions, the highest peak RSS seen and
// the size of the output. Status is "" when it ran, else why it did not
// ("pending: ...", "skipped: ...", "failed: ...").
type Measure struct {
	Seconds  float64
	RSSKiB   int64
	OutBytes int64
	Status   string
}

// ok reports whether the measure holds numbers.
func (m Measure) ok() bool { return m.Status == "" }

// sample is one run: its wall time and peak RSS.
type sample struct {
	d      time.Duration
	rssKiB int64
}

// spawner is the rssspawn binary every measured process is started through
// (see bench/cmd/rssspawn); rssDir holds the files it reports into.
var spawner, rssDir string

// stage is one process of a pipeline: argv, working directory, extra env.
type stage struct {
	argv []string
	dir  string
	env  []string
}

// cmd is a one-process pipeline.
func cmd(argv ...string) []stage { return []stage{{argv: argv}} }

// runPipeline starts the stages connected stdout → stdin, the last one
// writing to out ("" discards), waits for all of them and returns the wall
// time and the sum of their peak RSS (an upper bound of the pipeline's
// peak: the stages run at the same time). Each stage runs under rssspawn,
// which reports its peak RSS. Stderr is kept for the error.
func runPipeline(stages []stage, out string) (sample, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	var cmds []*exec.Cmd
	var stderr []*strings.Builder
	var closeAfterStart []*os.File
	var rssFiles []string
	for i, s := range stages {
		rssFile := filepath.Join(rssDir, fmt.Sprintf("rss-%d", i))
		_ = os.Remove(rssFile)
		rssFiles = append(rssFiles, rssFile)
		c := exec.CommandContext(ctx, spawner, append([]string{rssFile}, s.argv...)...)
		c.Dir = s.dir
		c.Env = append(os.Environ(), s.env...)
		var eb strings.Builder
		c.Stderr = &eb
		stderr = append(stderr, &eb)
		if i > 0 {
			r, w, err := os.Pipe()
			if err != nil {
				return sample{}, fmt.Errorf("pipe: %w", err)
			}
			cmds[i-1].Stdout = w
			c.Stdin = r
			closeAfterStart = append(closeAfterStart, r, w)
		}
		cmds = append(cmds, c)
	}
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return sample{}, fmt.Errorf("create output: %w", err)
		}
		defer f.Close()
		cmds[len(cmds)-1].Stdout = f
	}
	start := time.Now()
	for i, c := range cmds {
		if err := c.Start(); err != nil {
			for _, prev := range cmds[:i] {
				_ = prev.Process.Kill()
				_ = prev.Wait()
			}
			return sample{}, fmt.Errorf("start %s: %w", stages[i].argv[0], err)
		}
	}
	for _, f := range closeAfterStart {
		f.Close()
	}
	var errs []error
	var rss int64
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w: %s", filepath.Base(stages[i].argv[0]), err, lastLine(stderr[i].String())))
		}
		if data, err := os.ReadFile(rssFiles[i]); err == nil {
			kib, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
			rss += kib
		}
	}
	d := time.Since(start)
	return sample{d: d, rssKiB: rss}, errors.Join(errs...)
}

// repeat runs one side reps times: prepare (if any) runs before each
// repetition, untimed, then the pipeline mk returns for that repetition,
// writing to out ("" when the command names its own output). The output of
// the last repetition is kept when keep is true, otherwise removed.
func repeat(reps int, mk func(rep int) []stage, out string, keep bool, prepare func() error) Measure {
	var samples []sample
	var size int64
	for i := 0; i < reps; i++ {
		if prepare != nil {
			if err := prepare(); err != nil {
				return Measure{Status: "failed: " + err.Error()}
			}
		}
		if out != "" {
			_ = os.Remove(out)
		}
		s, err := runPipeline(mk(i), out)
		if err != nil {
			return Measure{Status: "failed: " + firstLine(err.Error())}
		}
		samples = append(samples, s)
		if out != "" {
			size = fileSize(out)
		}
	}
	if out != "" && !keep {
		_ = os.Remove(out)
	}
	return summarize(samples, size)
}

// summarize takes the median time and the highest peak RSS.
func summarize(samples []sample, size int64) Measure {
	ds := make([]time.Duration, len(samples))
	var rss int64
	for i, s := range samples {
		ds[i] = s.d
		rss = max(rss, s.rssKiB)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return Measure{Seconds: ds[len(ds)/2].Seconds(), RSSKiB: rss, OutBytes: size}
}

// fileSize is the size of path in bytes, or -1.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size()
}

// firstLine keeps error tables on one line.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// lastLine is the last non-empty line of a tool's stderr, where its error is.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// copyFile copies src to dst (setup work, never timed).
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}
