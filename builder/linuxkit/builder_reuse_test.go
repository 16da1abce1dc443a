package linuxkit

import (
	"fmt"

	"bytes"
	"context"
	"encoding/json"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/resolve"
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

// TestInputsKeyOptions: the inputs key is computed from the decoded
// configuration, so every option that shapes the outputs changes it, however
// packer handed the configuration over (HCL2 gives cty values, which do not
// encode as JSON); packer's own settings (-force, -on-error) do not.
func TestInputsKeyOptions(t *testing.T) {
	r := newRunRig(t)
	res := &resolve.Resolved{Digest: "sha256:" + strings.Repeat("a", 64), Images: map[string]string{"kernel": "k@sha256:" + strings.Repeat("b", 64)}}
	key := func(extra map[string]interface{}) string {
		t.Helper()
		var b Builder
		if _, _, err := b.Prepare(r.raw("key", []string{FormatTar, FormatVMDK}, extra)); err != nil {
			t.Fatalf("Prepare %v: %v", extra, err)
		}
		k, err := inputsKey(&b.config, res, map[string]string{"isolinux.bin": "x"})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := key(nil)
	if k := key(map[string]interface{}{"packer_force": true, "packer_on_error": "abort", "packer_debug": true}); k != base {
		t.Error("packer's -force, -on-error or -debug changed the inputs key")
	}
	seen := map[string]string{base: "base"}
	for _, extra := range []map[string]interface{}{
		{"formats": []string{FormatTar}},
		{"output_name": "other"},
		{"disk_size": "2G"},
		{"vmdk_subformat": "streamOptimized"},
		{"sbom": false},
		{"arch": "arm64", "formats": []string{FormatTar}},
		{"output_directory": filepath.Join(r.dir, "elsewhere")},
		{"ovf_cpus": 4},
	} {
		k := key(extra)
		if prev, ok := seen[k]; ok {
			t.Errorf("%v gives the same inputs key as %v", extra, prev)
		}
		seen[k] = fmt.Sprint(extra)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	if key(nil) == base {
		t.Error("SOURCE_DATE_EPOCH did not change the inputs key")
	}
}

// TestRunReuseUncleanDir: an output_directory written with "./" and a
// trailing slash is kept like any other.
func TestRunReuseUncleanDir(t *testing.T) {
	r := newRunRig(t)
	t.Chdir(r.dir)
	raw := r.raw("", []string{FormatTar}, map[string]interface{}{"packer_force": true, "output_directory": "./unclean/"})
	for i, want := range []string{"Assembled", "Kept the outputs"} {
		var log uiLog
		if _, err := r.build(context.Background(), t, log.ui(), raw); err != nil {
			t.Fatalf("build %d: %v\n%s", i, err, log.String())
		}
		if !strings.Contains(log.String(), want) {
			t.Errorf("build %d: no %q:\n%s", i, want, log.String())
		}
	}
}

// TestRunReuseNotWithBootTest: boot_test is a gate, so a build with it never
// keeps outputs (Prepare's side: the reuse step is left out of the list).
func TestRunReuseNotWithBootTest(t *testing.T) {
	r := newRunRig(t)
	var b Builder
	raw := r.raw("bt", []string{FormatISOBIOS}, map[string]interface{}{"boot_test": map[string]interface{}{"expect": "x"}})
	if _, _, err := b.Prepare(raw); err != nil {
		t.Fatal(err)
	}
	if reuseOn(&b.config) {
		t.Error("reuse_outputs applies to a build with boot_test")
	}
	var b2 Builder
	if _, _, err := b2.Prepare(r.raw("bt", []string{FormatISOBIOS}, nil)); err != nil || !reuseOn(&b2.config) {
		t.Errorf("reuse_outputs is off by default: %v", err)
	}
}

// TestRunReuseHostileRecord: a build record that is not a regular file, is
// too big, or names files outside the folder or a format file it does not
// list is never trusted; the build writes the outputs again.
func TestRunReuseHostileRecord(t *testing.T) {
	r := newRunRig(t)
	dir := filepath.Join(r.dir, "hostile")
	raw := r.raw("hostile", []string{FormatTar}, map[string]interface{}{"packer_force": true})
	build := func() string {
		t.Helper()
		var log uiLog
		if _, err := r.build(context.Background(), t, log.ui(), raw); err != nil {
			t.Fatalf("build: %v\n%s", err, log.String())
		}
		return log.String()
	}
	build()
	recPath := filepath.Join(dir, buildRecordName)
	good := readBytes(t, recPath)
	var rec buildRecord
	if err := json.Unmarshal(good, &rec); err != nil {
		t.Fatal(err)
	}
	outside := rec
	outside.Artifact = &Artifact{}
	*outside.Artifact = *rec.Artifact
	outside.Artifact.Paths = append([]string{filepath.Join(r.dir, "elsewhere.tar")}, rec.Artifact.Paths[1:]...)
	stray := rec
	stray.Artifact = &Artifact{}
	*stray.Artifact = *rec.Artifact
	stray.Artifact.Formats = map[string]string{FormatTar: "/etc/passwd"}
	enc := func(v buildRecord) []byte { b, _ := json.Marshal(v); return b }
	for name, content := range map[string][]byte{
		"outside": enc(outside),
		"stray":   enc(stray),
		"huge":    append(bytes.Repeat([]byte(" "), maxBuildRecord), good...),
		"garbage": []byte("{"),
	} {
		if err := os.WriteFile(recPath, content, 0o644); err != nil {
			t.Fatal(err)
		}
		if log := build(); strings.Contains(log, "Kept the outputs") || !strings.Contains(log, "Building again") {
			t.Errorf("%s record: the outputs were kept or no reason was given:\n%s", name, log)
		}
	}
	if log := build(); !strings.Contains(log, "Kept the outputs") {
		t.Errorf("after the rewritten record: not kept:\n%s", log)
	}
}
