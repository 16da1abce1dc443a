package progress

import "os"

// File is an output file whose writes and seeks move a bar to the file's offset: a media
// writer that streams an image of known size draws its progress through it. It forwards
// Truncate, so a writer that grows the file sparsely (zeros not written) still can, and the bar
// jumps with the seek that follows.
type File struct {
	f   *os.File
	bar *Bar
	off int64
}

// NewFile tracks the writes to f on bar, starting at f's current offset 0.
func NewFile(f *os.File, bar *Bar) *File { return &File{f: f, bar: bar} }

// Write writes p to the file and moves the bar to the new offset.
func (t *File) Write(p []byte) (int, error) {
	n, err := t.f.Write(p)
	t.off += int64(n)
	t.bar.Set(t.off)
	return n, err
}

// Seek moves the file's offset and the bar with it.
func (t *File) Seek(offset int64, whence int) (int64, error) {
	n, err := t.f.Seek(offset, whence)
	if err == nil {
		t.off = n
		t.bar.Set(n)
	}
	return n, err
}

// Truncate changes the file's size; the offset, and so the bar, stay.
func (t *File) Truncate(size int64) error { return t.f.Truncate(size) }
