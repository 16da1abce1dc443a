package sbom

import (
	"context"
	"io"
)

// StreamScanner is an io.Writer that scans what is written to it, so the
// builder can catalogue the root filesystem while it writes it
// (io.MultiWriter(initrd, scanner)) instead of reading it twice.
type StreamScanner struct {
	pw   *io.PipeWriter
	done chan struct{}
	res  *Result
	err  error
}

// NewStreamScanner starts a Scan of everything written to the returned
// scanner; Close ends the stream and returns the result.
func NewStreamScanner(ctx context.Context, lim Limits) *StreamScanner {
	pr, pw := io.Pipe()
	s := &StreamScanner{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.res, s.err = Scan(ctx, pr, lim)
		// Whatever Scan did not read (after an error, or after the
		// end-of-archive blocks) is drained, so writers never block.
		_, _ = io.Copy(io.Discard, pr)
	}()
	return s
}

// Write feeds the scan. It never fails because of what the scan found: a
// malformed stream is reported by Close, and the bytes are drained.
func (s *StreamScanner) Write(p []byte) (int, error) { return s.pw.Write(p) }

// Close ends the stream, waits for the scan and returns its result.
func (s *StreamScanner) Close() (*Result, error) {
	_ = s.pw.Close() // a PipeWriter's Close always returns nil
	<-s.done
	return s.res, s.err
}
