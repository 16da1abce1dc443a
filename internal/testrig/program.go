package testrig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
)

// Program lets a command (the `make demo` program) drive the rigs, whose functions take a
// testing.TB, outside `go test`: Fatal ends the current Run with an error instead of failing a
// test, Log goes to a writer, and Cleanup functions run when Close is called. It is not safe to
// call Fatal from goroutines other than the one inside Run, as for testing.T.
type Program struct {
	testing.TB // nil: only the methods below may be called

	name string
	log  io.Writer
	ctx  context.Context

	mu       sync.Mutex
	cleanups []func()
	failed   bool
	tmp      []string
}

// errFatal unwinds Run after Fatal or Skip; the message was recorded before.
type errFatal struct{ msg string }

// NewProgram returns a Program named name whose Log output goes to log (io.Discard when nil)
// and whose Context is ctx.
func NewProgram(ctx context.Context, name string, log io.Writer) *Program {
	if log == nil {
		log = io.Discard
	}
	return &Program{name: name, log: log, ctx: ctx}
}

// Run calls fn and returns the message of a Fatal or Skip inside it as an error.
func (p *Program) Run(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(errFatal)
			if !ok {
				panic(r)
			}
			err = errors.New(f.msg)
		}
	}()
	fn()
	return nil
}

// Close runs the registered cleanups, last registered first, and removes the temporary
// directories; it is safe to call more than once.
func (p *Program) Close() {
	p.mu.Lock()
	fns, dirs := p.cleanups, p.tmp
	p.cleanups, p.tmp = nil, nil
	p.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
	for _, d := range dirs {
		_ = os.RemoveAll(d) // best effort: a leftover temp dir is harmless and reported by nothing
	}
}

// Cleanup registers f to run at Close.
func (p *Program) Cleanup(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cleanups = append(p.cleanups, f)
}

// Context returns the program's context (cancelled on Ctrl-C by the caller).
func (p *Program) Context() context.Context { return p.ctx }

// Helper does nothing: there is no test output to attribute lines in.
func (p *Program) Helper() {}

// Name returns the program's name; rigs use it in temporary names.
func (p *Program) Name() string { return p.name }

// Log writes its arguments to the program's log.
func (p *Program) Log(args ...any) { fmt.Fprintln(p.log, args...) }

// Logf writes a formatted line to the program's log.
func (p *Program) Logf(format string, args ...any) {
	fmt.Fprintf(p.log, format+"\n", args...)
}

// Error records a failure; Run still returns normally.
func (p *Program) Error(args ...any) { p.fail(fmt.Sprint(args...)) }

// Errorf records a formatted failure; Run still returns normally.
func (p *Program) Errorf(format string, args ...any) { p.fail(fmt.Sprintf(format, args...)) }

// Fail marks the program failed.
func (p *Program) Fail() { p.fail("") }

// Failed reports whether Error, Fail or Fatal was called.
func (p *Program) Failed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

// FailNow ends the current Run.
func (p *Program) FailNow() { p.stop("failed") }

// Fatal records a failure and ends the current Run with it.
func (p *Program) Fatal(args ...any) { p.stop(fmt.Sprint(args...)) }

// Fatalf records a formatted failure and ends the current Run with it.
func (p *Program) Fatalf(format string, args ...any) { p.stop(fmt.Sprintf(format, args...)) }

// Skip ends the current Run: for a program a missing part is a failure too.
func (p *Program) Skip(args ...any) { p.stop(fmt.Sprint(args...)) }

// Skipf ends the current Run with the formatted reason.
func (p *Program) Skipf(format string, args ...any) { p.stop(fmt.Sprintf(format, args...)) }

// SkipNow ends the current Run.
func (p *Program) SkipNow() { p.stop("skipped") }

// Skipped reports false: a program never skips.
func (p *Program) Skipped() bool { return false }

// Setenv sets an environment variable until Close.
func (p *Program) Setenv(key, value string) {
	old, had := os.LookupEnv(key)
	if err := os.Setenv(key, value); err != nil {
		p.Fatalf("setenv %s: %v", key, err)
	}
	p.Cleanup(func() {
		if had {
			_ = os.Setenv(key, old) // restoring a value that was set before cannot fail
		} else {
			_ = os.Unsetenv(key)
		}
	})
}

// TempDir returns a new temporary directory that Close removes.
func (p *Program) TempDir() string {
	d, err := os.MkdirTemp("", p.name+"-")
	if err != nil {
		p.Fatalf("temporary directory: %v", err)
	}
	p.mu.Lock()
	p.tmp = append(p.tmp, d)
	p.mu.Unlock()
	return d
}

func (p *Program) fail(msg string) {
	p.mu.Lock()
	p.failed = true
	p.mu.Unlock()
	if msg != "" {
		p.Logf("%s", msg)
	}
}

func (p *Program) stop(msg string) {
	p.mu.Lock()
	p.failed = true
	p.mu.Unlock()
	panic(errFatal{msg: msg})
}
