package progress

import (
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// recordingTracker is a progress tracker that counts the bytes read through each bar, as
// Packer's terminal bar does.
type recordingTracker struct {
	mu     sync.Mutex
	read   map[string]int64
	total  map[string]int64
	closed map[string]bool
}

func (r *recordingTracker) TrackProgress(src string, _, total int64, stream io.ReadCloser) io.ReadCloser {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total[src] = total
	return &trackedStream{r: r, name: src, stream: stream}
}

type trackedStream struct {
	r      *recordingTracker
	name   string
	stream io.ReadCloser
}

func (s *trackedStream) Read(p []byte) (int, error) {
	n, err := s.stream.Read(p)
	s.r.mu.Lock()
	s.r.read[s.name] += int64(n)
	s.r.mu.Unlock()
	return n, err
}

func (s *trackedStream) Close() error {
	s.r.mu.Lock()
	s.r.closed[s.name] = true
	s.r.mu.Unlock()
	return s.stream.Close()
}

func newUI() (*packersdk.BasicUi, *recordingTracker) {
	rt := &recordingTracker{read: map[string]int64{}, total: map[string]int64{}, closed: map[string]bool{}}
	return &packersdk.BasicUi{Writer: io.Discard, ErrorWriter: io.Discard, PB: rt}, rt
}

func TestBarReachesTotalAndCloses(t *testing.T) {
	ui, rt := newUI()
	const total = 10 << 20
	b := New(ui, "kernel", total)
	for done := int64(0); done <= total; done += 300 << 10 {
		b.Set(done)
	}
	b.Set(total - 1) // a late, smaller count is ignored
	b.Set(total)
	if rt.read["kernel"] != total || !rt.closed["kernel"] || rt.total["kernel"] != total {
		t.Errorf("bar read %d of %d, closed %v", rt.read["kernel"], rt.total["kernel"], rt.closed["kernel"])
	}
	b.Set(total + 5) // after the end: nothing
	if rt.read["kernel"] != total {
		t.Errorf("read %d after the end", rt.read["kernel"])
	}
}

func TestSetOneBarPerNameAndCloseOnFailure(t *testing.T) {
	ui, rt := newUI()
	s := NewSet(ui)
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := int64(0); done <= 1000; done += 10 {
				s.Update(name, done, 1000)
			}
		}()
	}
	wg.Wait()
	s.Update("c", 5, 100) // a transfer that fails part way
	s.Update("unknown", 5, 0)
	s.Close()
	if rt.read["a"] != 1000 || rt.read["b"] != 1000 || !rt.closed["a"] || !rt.closed["b"] {
		t.Errorf("bars a, b: %v closed %v", rt.read, rt.closed)
	}
	if !rt.closed["c"] || rt.read["c"] != 5 {
		t.Errorf("bar c: read %d closed %v", rt.read["c"], rt.closed["c"])
	}
	if _, ok := rt.total["unknown"]; ok {
		t.Errorf("a bar for a transfer of unknown size")
	}
}

// TestFileMovesBarWithWritesAndSeeks writes part of a file, grows it sparsely (Truncate, then a
// seek to the end, as the raw disk writers do) and checks that the bar followed to the end.
func TestFileMovesBarWithWritesAndSeeks(t *testing.T) {
	ui, rt := newUI()
	const total = 8 << 20
	f, err := os.Create(filepath.Join(t.TempDir(), "disk.img"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf := NewFile(f, New(ui, "disk.img", total))
	if _, err := pf.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if rt.read["disk.img"] != 1<<20 {
		t.Errorf("after 1 MiB written the bar shows %d bytes", rt.read["disk.img"])
	}
	if err := pf.Truncate(total); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.Seek(total, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if fi, _ := f.Stat(); fi.Size() != total || rt.read["disk.img"] != total || !rt.closed["disk.img"] {
		t.Errorf("file %d bytes, bar %d of %d, closed %v", fi.Size(), rt.read["disk.img"], total, rt.closed["disk.img"])
	}
}
