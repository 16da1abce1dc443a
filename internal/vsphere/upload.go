package vsphere

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// SidecarSuffix is appended to an uploaded file's name to name its sidecar: a one-line text
// file "<sha256 hex> <size in bytes>\n" written after the upload completes. A rebuild that
// finds a sidecar matching its file, beside a file of that size, skips the upload.
const SidecarSuffix = ".sha256"

// SidecarPath returns the sidecar's datastore path for an uploaded file's path.
func SidecarPath(dsPath string) string { return dsPath + SidecarSuffix }

// FileInfo describes a file on a datastore.
type FileInfo struct {
	// Path is the full datastore path, "[datastore] folder/file".
	Path string
	// Exists is false when the file (or its folder) is missing.
	Exists bool
	// Size is the file's size in bytes, when it exists.
	Size int64
}

// ProgressFunc receives the bytes sent so far and the total. It is called at most about a
// hundred times per transfer, and always once with done == total at the end.
type ProgressFunc func(done, total int64)

// DatastorePath returns the full "[datastore] path" form of a path relative to the target's
// datastore. A path that already names its datastore is returned unchanged.
func (t *Target) DatastorePath(p string) string {
	var dp object.DatastorePath
	if dp.FromString(p) {
		return dp.String()
	}
	return t.Datastore.Path(strings.TrimPrefix(p, "/"))
}

// datastore returns the datastore a path lives on (the target's, unless the path names
// another one in the same datacenter) and the path relative to it.
func (d *Driver) datastore(ctx context.Context, t *Target, p string) (*object.Datastore, string, error) {
	var dp object.DatastorePath
	if !dp.FromString(p) {
		if strings.HasPrefix(p, "[") {
			return nil, "", fmt.Errorf("datastore path %q: malformed", p)
		}
		return t.Datastore, strings.TrimPrefix(p, "/"), nil
	}
	if t.Datastore != nil && dp.Datastore == t.Datastore.Name() {
		return t.Datastore, dp.Path, nil
	}
	f := find.NewFinder(d.vc, true).SetDatacenter(t.Datacenter)
	var ds *object.Datastore
	err := d.retry(ctx, "find datastore", func() (err error) {
		ds, err = f.Datastore(ctx, dp.Datastore)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("datastore path %q: %w", p, err)
	}
	return ds, dp.Path, nil
}

// FileInfo reports whether a datastore file exists and its size.
func (d *Driver) FileInfo(ctx context.Context, t *Target, dsPath string) (FileInfo, error) {
	ds, rel, err := d.datastore(ctx, t, dsPath)
	if err != nil {
		return FileInfo{}, err
	}
	fi := FileInfo{Path: ds.Path(rel)}
	var info types.BaseFileInfo
	err = d.retry(ctx, "stat "+fi.Path, func() (err error) {
		info, err = ds.Stat(ctx, rel)
		return err
	})
	switch {
	case errors.As(err, new(object.DatastoreNoSuchFileError)), errors.As(err, new(object.DatastoreNoSuchDirectoryError)):
		return fi, nil
	case err != nil:
		return fi, fmt.Errorf("stat %s: %w", fi.Path, err)
	}
	fi.Exists, fi.Size = true, info.GetFileInfo().FileSize
	return fi, nil
}

// MakeDirectory creates a datastore folder and its parents; an existing folder is fine.
func (d *Driver) MakeDirectory(ctx context.Context, t *Target, dir string) error {
	ds, rel, err := d.datastore(ctx, t, dir)
	if err != nil {
		return err
	}
	rel = strings.Trim(rel, "/")
	if rel == "" || rel == "." {
		return nil
	}
	fm := object.NewFileManager(d.vc)
	err = d.retry(ctx, "create folder", func() error {
		return fm.MakeDirectory(ctx, ds.Path(rel), t.Datacenter, true)
	})
	if err != nil && !fault.Is(err, &types.FileAlreadyExists{}) {
		return fmt.Errorf("create folder %s: %w", ds.Path(rel), err)
	}
	return nil
}

// UploadFile copies a local file to the datastore (overwriting), creating its folder first.
// It streams the file; progress may be nil.
func (d *Driver) UploadFile(ctx context.Context, t *Target, localPath, dsPath string, progress ProgressFunc) error {
	f, err := os.Open(localPath)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	return d.upload(ctx, t, f, st.Size(), dsPath, progress)
}

func (d *Driver) upload(ctx context.Context, t *Target, r io.Reader, size int64, dsPath string, progress ProgressFunc) error {
	ds, rel, err := d.datastore(ctx, t, dsPath)
	if err != nil {
		return err
	}
	if err := d.MakeDirectory(ctx, t, ds.Path(path.Dir(rel))); err != nil {
		return err
	}
	p := soap.DefaultUpload
	p.ContentLength = size
	if err := ds.Upload(ctx, newProgressReader(r, size, progress), rel, &p); err != nil {
		return fmt.Errorf("upload to %s: %w", ds.Path(rel), err)
	}
	return nil
}

// UploadIfChanged uploads localPath unless the datastore already holds it: a sidecar
// (SidecarPath) recording the same sha256 and size beside a file of that size. sha256hex
// is the file's digest when the caller knows it (the builder's .sha256 file); empty means
// compute it here.
//
// uploaded reports whether this call wrote to dsPath, and it is true on error too once the
// transfer began: the caller records such a path so that a cleanup can remove a partial
// file, and never records a path it did not write. The old sidecar is removed before the
// transfer and the new one written after it, so a partial file never looks complete.
func (d *Driver) UploadIfChanged(ctx context.Context, t *Target, localPath, dsPath, sha256hex string, progress ProgressFunc) (uploaded bool, err error) {
	st, err := os.Stat(localPath)
	if err != nil {
		return false, fmt.Errorf("upload: %w", err)
	}
	if sha256hex == "" {
		if sha256hex, err = fileSHA256(localPath); err != nil {
			return false, fmt.Errorf("upload: %w", err)
		}
	}
	sha256hex = strings.ToLower(sha256hex)
	if b, err := hex.DecodeString(sha256hex); err != nil || len(b) != sha256.Size {
		return false, fmt.Errorf("upload %s: %q is not a sha256 digest", localPath, sha256hex)
	}
	sidecar := SidecarPath(dsPath)
	want := fmt.Sprintf("%s %d\n", sha256hex, st.Size())
	if d.readSidecar(ctx, t, sidecar) == want {
		fi, err := d.FileInfo(ctx, t, dsPath)
		if err != nil {
			return false, err
		}
		if fi.Exists && fi.Size == st.Size() {
			d.logf("vSphere: %s is already on the datastore (sha256 %s), not uploading it again", fi.Path, sha256hex[:12])
			return false, nil
		}
	}
	if err := d.DeleteFile(ctx, t, sidecar); err != nil {
		return false, err
	}
	if err := d.UploadFile(ctx, t, localPath, dsPath, progress); err != nil {
		return true, err
	}
	if err := d.upload(ctx, t, strings.NewReader(want), int64(len(want)), sidecar, nil); err != nil {
		return true, err
	}
	return true, nil
}

// readSidecar returns the sidecar's content, or "" when it is missing or unreadable (the
// file is then uploaded again, which is always safe).
func (d *Driver) readSidecar(ctx context.Context, t *Target, sidecar string) string {
	ds, rel, err := d.datastore(ctx, t, sidecar)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	err = d.retry(ctx, "read "+ds.Path(rel), func() error {
		buf.Reset()
		rc, _, err := ds.Download(ctx, rel, &soap.DefaultDownload)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(&buf, io.LimitReader(rc, 256))
		return err
	})
	if err != nil {
		return ""
	}
	return buf.String()
}

// DeleteFile removes a datastore file. A file that is already gone is not an error, so it
// is safe to call again (and it is retried on transient faults).
func (d *Driver) DeleteFile(ctx context.Context, t *Target, dsPath string) error {
	ds, rel, err := d.datastore(ctx, t, dsPath)
	if err != nil {
		return err
	}
	full := ds.Path(rel)
	fm := object.NewFileManager(d.vc)
	err = d.retry(ctx, "delete "+full, func() error {
		task, err := fm.DeleteDatastoreFile(ctx, full, t.Datacenter)
		if err != nil {
			return err
		}
		return task.Wait(ctx)
	})
	if err != nil && !fault.Is(err, &types.FileNotFound{}) {
		return fmt.Errorf("delete %s: %w", full, err)
	}
	return nil
}

// fileSHA256 streams a file through sha256.
func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// progressReader counts the bytes read through it and reports them about every 1%.
type progressReader struct {
	r                 io.Reader
	done, total, next int64
	reported          int64
	fn                ProgressFunc
}

func newProgressReader(r io.Reader, total int64, fn ProgressFunc) io.Reader {
	if fn == nil {
		return r
	}
	return &progressReader{r: r, total: total, fn: fn, reported: -1}
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	if p.done != p.reported && (p.done >= p.next || p.done == p.total || err == io.EOF) {
		p.fn(p.done, p.total)
		p.reported, p.next = p.done, p.done+max(p.total/100, 1)
	}
	return n, err
}
