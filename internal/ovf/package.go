package ovf

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
)

// File is one file of an OVF package: its name in the package, its size and
// a way to read it (called once per pass, so a disk is streamed, never held
// in memory).
type File struct {
	Name string
	Size int64
	Open func() (io.ReadCloser, error)
}

// Bytes is a File of in-memory content (the descriptor, the manifest).
func Bytes(name string, b []byte) File {
	return File{Name: name, Size: int64(len(b)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

// copyTo copies f's content to w, checking that it has f.Size bytes.
func (f File) copyTo(w io.Writer) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	n, err := io.Copy(w, rc)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	if n != f.Size {
		return fmt.Errorf("%s: read %d bytes, want %d", f.Name, n, f.Size)
	}
	return nil
}

// Manifest returns the package's manifest (the .mf file) for files, in
// their order: one `SHA256(<name>)= <hex>` line each, as VMware's tools
// write it and `sha256sum -c` reads it.
func Manifest(files ...File) ([]byte, error) {
	var b strings.Builder
	for _, f := range files {
		h := sha256.New()
		if err := f.copyTo(h); err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		fmt.Fprintf(&b, "SHA256(%s)= %s\n", f.Name, hex.EncodeToString(h.Sum(nil)))
	}
	return []byte(b.String()), nil
}

// WriteOVA writes files as an OVA to w: a ustar archive holding them in the
// order given (the OVF specification puts the descriptor first, then the
// manifest, then the disks), each a regular file of mode 0644 owned by 0:0
// with modification time modTime (whole seconds) and no PAX records, so the
// same files give the same bytes.
func WriteOVA(w io.Writer, modTime time.Time, files ...File) error {
	tw := tar.NewWriter(w)
	for _, f := range files {
		if f.Name == "" || len(f.Name) > 100 || strings.ContainsAny(f.Name, "/\\") {
			return fmt.Errorf("ova: member name %q must be a file name of at most 100 bytes", f.Name)
		}
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     f.Name,
			Size:     f.Size,
			Mode:     0o644,
			ModTime:  modTime.UTC().Truncate(time.Second),
			Format:   tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("ova: %s: %w", f.Name, err)
		}
		if err := f.copyTo(tw); err != nil {
			return fmt.Errorf("ova: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("ova: %w", err)
	}
	return nil
}
