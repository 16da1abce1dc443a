// Package progress shows the engine's long transfers (image pulls, datastore uploads, NFC
// imports, media writes) as Packer progress bars. The engine in internal/ reports byte
// counts through plain callbacks, since it must not import the Packer SDK; this package turns
// those counts into ui.TrackProgress bars, Packer's convention for transfers, which the
// terminal draws and a log or CI run without a TTY leaves out.
package progress

import (
	"io"
	"sync"
	"time"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// minStep, minGap and minInterval bound how often a bar moves: each move is one synchronous
// call across the plugin's RPC connection, so a bar advances by at least 1% and at most every
// 50 ms, or every 200 ms whatever it moved, and always at the end. A write that takes 30 ms
// thus costs two calls, not a hundred.
const (
	minStep     = 100 // a bar moves at least total/minStep bytes at a time
	minGap      = 50 * time.Millisecond
	minInterval = 200 * time.Millisecond
	maxChunk    = 1 << 20 // bytes per Read of the tracked stream
)

// Bar is one progress bar of a transfer whose size is known up front.
type Bar struct {
	mu      sync.Mutex
	tracked io.ReadCloser
	src     *counter
	total   int64
	shown   int64 // bytes the bar shows
	last    time.Time
	closed  bool
	buf     []byte
}

// counter is the stream behind a bar: it yields as many bytes as the bar is to advance.
type counter struct{ n int64 }

func (c *counter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), c.n)
	c.n -= n
	return int(n), nil
}

func (c *counter) Close() error { return nil }

// New starts a bar named name for total bytes in ui.
func New(ui packersdk.Ui, name string, total int64) *Bar {
	b := &Bar{src: &counter{}, total: total}
	b.tracked = ui.TrackProgress(name, 0, total, b.src)
	return b
}

// Set moves the bar to done bytes of its total. Calls may come from any goroutine; moves
// backwards (a retried transfer) are ignored. Reaching the total closes the bar.
func (b *Bar) Set(done int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || done <= b.shown {
		return
	}
	done = min(done, b.total)
	final := done >= b.total
	since := time.Since(b.last)
	if !final && since < minInterval && (done-b.shown < b.total/minStep || since < minGap) {
		return
	}
	b.src.n = done - b.shown
	if b.buf == nil {
		b.buf = make([]byte, min(maxChunk, max(b.total, 1)))
	}
	for b.src.n > 0 {
		want := min(int64(len(b.buf)), b.src.n)
		if _, err := b.tracked.Read(b.buf[:want]); err != nil {
			break
		}
	}
	b.shown, b.last = done, time.Now()
	if final {
		b.closeLocked()
	}
}

// Close ends the bar wherever it stands; it is safe to call more than once.
func (b *Bar) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closeLocked()
}

func (b *Bar) closeLocked() {
	if !b.closed {
		b.closed = true
		_ = b.tracked.Close() // closing a bar only redraws the terminal; nothing to report
	}
}

// Set is a group of bars keyed by name, for transfers that run side by side (one bar per
// image of a pull).
type Set struct {
	ui   packersdk.Ui
	mu   sync.Mutex
	bars map[string]*Bar
}

// NewSet returns an empty group drawing in ui.
func NewSet(ui packersdk.Ui) *Set { return &Set{ui: ui, bars: map[string]*Bar{}} }

// Update moves the bar named name to done of total bytes, starting it on first use. A
// transfer of unknown size (total <= 0) gets no bar.
func (s *Set) Update(name string, done, total int64) {
	if total <= 0 {
		return
	}
	s.mu.Lock()
	b, ok := s.bars[name]
	if !ok {
		b = New(s.ui, name, total)
		s.bars[name] = b
	}
	s.mu.Unlock()
	b.Set(done)
}

// Close ends every bar still open (a cancelled or failed transfer).
func (s *Set) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.bars {
		b.Close()
	}
}
