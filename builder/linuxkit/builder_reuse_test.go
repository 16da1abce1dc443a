package linuxkit

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
)

// TestRunReuseOutputs: `-force` of unchanged inputs keeps the outputs (same
// artifact, files not rewritten); a changed output, option or boot file, or
// reuse_outputs = false, builds again, and the rebuilt files are the
// originals byte for byte; without -force an existing folder is still an
// error.
func TestRunReuseOutputs(t *testing.T) {
	r := newRunRig(t)
	dir := filepath.Join(r.dir, "reuse")
	raw := func(extra map[string]interface{}) map[string]interface{} {
		m := r.raw("reuse", []string{FormatTar, FormatISOBIOS}, map[string]interface{}{"packer_force": true})
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	build := func(extra map[string]interface{}) (*Artifact, string) {
		t.Helper()
		var log uiLog
		a, err := r.build(context.Background(), t, log.ui(), raw(extra))
		if err != nil {
			t.Fatalf("build: %v\n%s", err, log.String())
		}
		return a.(*Artifact), log.String()
	}
	first, _ := build(nil)
	want := map[string][]byte{}
	mtimes := map[string]time.Time{}
	for _, p := range first.Files() {
		want[p] = readBytes(t, p)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		mtimes[p] = fi.ModTime()
	}
	var rec buildRecord
	if err := json.Unmarshal(readBytes(t, filepath.Join(dir, buildRecordName)), &rec); err != nil || len(rec.Sums) != len(first.Files()) {
		t.Fatalf("build record: %v, %d sums for %d files", err, len(rec.Sums), len(first.Files()))
	}

	kept, log := build(nil)
	if !strings.Contains(log, "Kept the outputs in "+dir) || strings.Contains(log, "Assembled") {
		t.Fatalf("unchanged -force did not keep the outputs:\n%s", log)
	}
	if !reflect.DeepEqual(kept, first) {
		t.Errorf("kept artifact %+v, want %+v", kept, first)
	}
	for _, name := range []string{artifact.StateFormats, artifact.StateBootFiles, artifact.StateSpecDigest, artifact.StateFirmware} {
		if !reflect.DeepEqual(kept.State(name), first.State(name)) {
			t.Errorf("state %s: %v, want %v", name, kept.State(name), first.State(name))
		}
	}
	for p, m := range mtimes {
		if fi, err := os.Stat(p); err != nil || !fi.ModTime().Equal(m) {
			t.Errorf("%s was rewritten (%v)", p, err)
		}
	}

	rebuilt := func(what, log string) {
		t.Helper()
		if strings.Contains(log, "Kept the outputs") || !strings.Contains(log, "Assembled") {
			t.Errorf("%s: the outputs were kept:\n%s", what, log)
		}
		for p, b := range want {
			if !bytes.Equal(readBytes(t, p), b) {
				t.Errorf("%s: %s differs from the first build", what, filepath.Base(p))
			}
		}
	}
	tarPath := first.Formats[FormatTar]
	if err := os.WriteFile(tarPath, append(want[tarPath], 0), 0o644); err != nil {
		t.Fatal(err)
	}
	_, log = build(nil)
	if !strings.Contains(log, "Building again: lk.tar changed since it was written") {
		t.Errorf("no reason given for a changed output:\n%s", log)
	}
	rebuilt("a changed output", log)

	_, log = build(map[string]interface{}{"disk_size": "2G"})
	if !strings.Contains(log, "Building again: the spec, the options, the boot files or the plugin changed") {
		t.Errorf("no reason given for a changed option:\n%s", log)
	}
	rebuilt("a changed option", log)
	_, log = build(nil) // back to the first options: rebuilt once more, then kept
	rebuilt("the first options again", log)

	_, log = build(map[string]interface{}{"reuse_outputs": false})
	rebuilt("reuse_outputs = false", log)
	if !strings.Contains(log, "Deleting the previous output directory") {
		t.Errorf("reuse_outputs = false did not replace the folder:\n%s", log)
	}

	ldlinux := filepath.Join(r.bootDir, media.LdlinuxC32Name)
	if err := os.WriteFile(ldlinux, append(readBytes(t, ldlinux), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, log = build(nil)
	if strings.Contains(log, "Kept the outputs") {
		t.Errorf("a changed boot file kept the outputs:\n%s", log)
	}
	if _, log = build(nil); !strings.Contains(log, "Kept the outputs") {
		t.Errorf("unchanged after the boot file build: not kept:\n%s", log)
	}

	var l uiLog
	noForce := raw(nil)
	delete(noForce, "packer_force")
	if _, err := r.build(context.Background(), t, l.ui(), noForce); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("without -force into an existing folder: %v", err)
	}
}
