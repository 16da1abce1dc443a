package image

import (
	"io"
	"sync"
)

// Progress reports how many layer bytes of one image are in the cache.
// Complete counts bytes already cached plus bytes copied so far; when
// Complete == Total the image's layers are all in place.
type Progress struct {
	// Ref is the normalized image reference.
	Ref string
	// Complete is the number of layer bytes in the cache so far.
	Complete int64
	// Total is the size of all the image's layers.
	Total int64
}

// reporter serializes calls to the user's progress callback across every
// image a Store is pulling.
type reporter struct {
	mu sync.Mutex
	fn func(Progress)
}

// tracker counts the progress of one image.
type tracker struct {
	rep      *reporter
	ref      string
	total    int64
	complete int64 // guarded by rep.mu
}

// newTracker starts counting for ref, whose layers total total bytes.
func (r *reporter) newTracker(ref string, total int64) *tracker {
	return &tracker{rep: r, ref: ref, total: total}
}

// add records n more bytes and reports the new state.
func (t *tracker) add(n int64) {
	if t == nil || t.rep == nil || t.rep.fn == nil {
		return
	}
	t.rep.mu.Lock()
	defer t.rep.mu.Unlock()
	t.complete += n
	t.rep.fn(Progress{Ref: t.ref, Complete: t.complete, Total: t.total})
}

// countingReader calls add with the size of every read.
type countingReader struct {
	r   io.Reader
	add func(int64)
}

// Read implements io.Reader.
func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 && c.add != nil {
		c.add(int64(n))
	}
	return n, err
}
