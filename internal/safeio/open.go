package safeio

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// OpenRegular opens path for reading only when it is a regular file (or a
// symlink to one), naming what it is in the error ("spec file", "files[0]
// source"). A FIFO, a device or a socket is refused before any read, since
// reading one can block forever or never end (mkfifo, /dev/zero). The open
// itself does not block on a FIFO: it uses O_NONBLOCK, which regular files
// ignore.
func OpenRegular(path, what string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s %s is not a regular file (%s); give the path of a file", what, path, kind(fi.Mode()))
	}
	return f, nil
}

// ReadRegular reads the regular file path whole, refusing anything that is
// not a regular file (see OpenRegular) and any file larger than limit bytes.
func ReadRegular(path, what string, limit int64) ([]byte, error) {
	f, err := OpenRegular(path, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s %s: %w", what, path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s %s is larger than %d bytes", what, path, limit)
	}
	return data, nil
}

// kind names a non-regular file mode for messages.
func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	default:
		return "not a regular file"
	}
}
