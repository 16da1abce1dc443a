package vsphere

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vim25/soap"
)

// download reads a datastore file back.
func download(t *testing.T, tg *Target, p string) []byte {
	t.Helper()
	rc, _, err := tg.Datastore.Download(context.Background(), p, &soap.DefaultDownload)
	if err != nil {
		t.Fatalf("download %s: %v", p, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUploadIfChanged(t *testing.T) {
	s := sharedSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	const size = 3<<20 + 123
	local, sum := writeFile(t, "lk-0123456789ab.iso", size, 1)
	const dsPath = "linuxkit/sub/lk-0123456789ab.iso"

	fi, err := d.FileInfo(ctx, tg, dsPath)
	if err != nil || fi.Exists || fi.Path != "[LocalDS_0] "+dsPath {
		t.Fatalf("FileInfo before upload: %+v, %v", fi, err)
	}

	var calls int
	var last [2]int64
	progress := func(done, total int64) { calls++; last = [2]int64{done, total} }
	up, err := d.UploadIfChanged(ctx, tg, local, dsPath, "", progress)
	if err != nil || !up {
		t.Fatalf("first upload: uploaded=%v, %v", up, err)
	}
	if last != [2]int64{size, size} || calls < 2 || calls > 102 {
		t.Errorf("progress: %d calls, last %v", calls, last)
	}
	got := download(t, tg, dsPath)
	if h := sha256.Sum256(got); hex.EncodeToString(h[:]) != sum {
		t.Fatalf("datastore bytes differ from the local file (%d bytes)", len(got))
	}
	if side := string(download(t, tg, SidecarPath(dsPath))); side != sum+" 3145851\n" {
		t.Errorf("sidecar = %q", side)
	}
	fi, err = d.FileInfo(ctx, tg, "[LocalDS_0] "+dsPath)
	if err != nil || !fi.Exists || fi.Size != size {
		t.Errorf("FileInfo after upload: %+v, %v", fi, err)
	}

	// Same file, digest given by the caller: skipped, nothing sent.
	calls = 0
	up, err = d.UploadIfChanged(ctx, tg, local, dsPath, strings.ToUpper(sum), progress)
	if err != nil || up || calls != 0 {
		t.Fatalf("second upload: uploaded=%v, %d progress calls, %v", up, calls, err)
	}

	// Different content of the same size: uploaded again.
	local2, sum2 := writeFile(t, "other.iso", size, 2)
	if err := os.Rename(local2, local); err != nil {
		t.Fatal(err)
	}
	up, err = d.UploadIfChanged(ctx, tg, local, dsPath, "", nil)
	if err != nil || !up {
		t.Fatalf("changed file: uploaded=%v, %v", up, err)
	}
	if h := sha256.Sum256(download(t, tg, dsPath)); hex.EncodeToString(h[:]) != sum2 {
		t.Error("the changed file did not reach the datastore")
	}

	// A sidecar beside a truncated file does not fool it.
	if err := d.upload(ctx, tg, bytes.NewReader([]byte("short")), 5, dsPath, nil); err != nil {
		t.Fatal(err)
	}
	if up, err = d.UploadIfChanged(ctx, tg, local, dsPath, sum2, nil); err != nil || !up {
		t.Fatalf("truncated remote file: uploaded=%v, %v", up, err)
	}

	// A wrong digest is refused before anything happens.
	if _, err := d.UploadIfChanged(ctx, tg, local, dsPath, "abc", nil); err == nil || !strings.Contains(err.Error(), "not a sha256") {
		t.Errorf("bad digest: %v", err)
	}

	// Delete is idempotent, and removes only what it is given.
	for range 2 {
		if err := d.DeleteFile(ctx, tg, dsPath); err != nil {
			t.Fatalf("DeleteFile: %v", err)
		}
	}
	if fi, _ := d.FileInfo(ctx, tg, dsPath); fi.Exists {
		t.Error("file still exists after DeleteFile")
	}
	if fi, _ := d.FileInfo(ctx, tg, SidecarPath(dsPath)); !fi.Exists {
		t.Error("DeleteFile removed the sidecar too")
	}
}

func TestUploadFileErrors(t *testing.T) {
	s := sharedSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	if err := d.UploadFile(ctx, tg, "/nonexistent/file.iso", "x/file.iso", nil); err == nil {
		t.Error("upload of a missing local file succeeded")
	}
	local, _ := writeFile(t, "a.iso", 10, 0)
	if err := d.UploadFile(ctx, tg, local, "[NoSuchDS] a.iso", nil); err == nil || !strings.Contains(err.Error(), "NoSuchDS") {
		t.Errorf("upload to an unknown datastore: %v", err)
	}
	if err := d.UploadFile(ctx, tg, local, "[LocalDS_0] x/a.iso", nil); err != nil {
		t.Errorf("upload with an explicit datastore: %v", err)
	}
}
