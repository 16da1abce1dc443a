package linuxkit

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

// TestRunFormats builds tar and iso-bios in process against the loopback
// registry: the files are there and listed in order, the folder holds nothing
// else but the ownership marker, the checksums match, the artifact's state
// is the contract, and a second build into another folder is byte-identical.
func TestRunFormats(t *testing.T) {
	r := newRunRig(t)
	for _, tc := range []struct {
		format    string
		files     []string // outputs, in Files() order
		bootFiles int
		check     func(t *testing.T, path string)
	}{
		{FormatTar, []string{"lk.tar", "lk.spdx.json", "lk.sha256"}, 0, checkTarHasBootKernel},
		{FormatISOBIOS, []string{"lk.iso", "lk.spdx.json", "lk.sha256"}, 3, checkISO9660},
		{FormatRawBIOS, []string{"lk-bios.img", "lk.spdx.json", "lk.sha256"}, 3, checkISO9660},
		{FormatVMDK, []string{"lk.vmdk", "lk.spdx.json", "lk.sha256"}, 3, checkVMDK},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var arts [2]*Artifact
			for i, out := range []string{tc.format + "-a", tc.format + "-b"} {
				var log uiLog
				bars := &barLog{}
				a, err := r.build(context.Background(), t, log.uiWith(bars), r.raw(out, []string{tc.format}, nil))
				if err != nil {
					t.Fatalf("build %s: %v\n%s", out, err, log.String())
				}
				arts[i] = a.(*Artifact)
				checkOutputs(t, arts[i], tc.files)
				checkRunState(t, arts[i], tc.format, tc.bootFiles)
				if tc.bootFiles > 0 {
					bars.checkComplete(t, tc.files[0])
				}
			}
			tc.check(t, arts[0].Formats[tc.format])
			if arts[0].Id() != arts[1].Id() {
				t.Errorf("ids differ: %s, %s", arts[0].Id(), arts[1].Id())
			}
			for i, p := range arts[0].Files() {
				if x, y := readBytes(t, p), readBytes(t, arts[1].Files()[i]); !bytes.Equal(x, y) {
					t.Errorf("%s differs between two builds of the same spec", filepath.Base(p))
				}
			}
		})
	}
}

// checkOutputs checks that the artifact lists exactly want in its folder, that
// the folder holds them and the marker only, and that <name>.sha256 holds the
// sums of every other output.
func checkOutputs(t *testing.T, a *Artifact, want []string) {
	t.Helper()
	var got []string
	for _, p := range a.Files() {
		if filepath.Dir(p) != a.Dir {
			t.Errorf("%s is not in the output directory %s", p, a.Dir)
		}
		got = append(got, filepath.Base(p))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Files() = %v, want %v", got, want)
	}
	entries, err := os.ReadDir(a.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	inDir := append([]string{safeio.OwnedMarker, buildRecordName}, want...)
	sort.Strings(inDir)
	if strings.Join(names, " ") != strings.Join(inDir, " ") {
		t.Errorf("the output directory holds %v, want %v", names, inDir)
	}
	var sums strings.Builder
	for _, p := range a.Files()[:len(want)-1] {
		h := sha256.Sum256(readBytes(t, p))
		sums.WriteString(hex.EncodeToString(h[:]) + "  " + filepath.Base(p) + "\n")
	}
	if got := string(readBytes(t, a.Files()[len(want)-1])); got != sums.String() {
		t.Errorf("%s:\n%s\nwant:\n%s", want[len(want)-1], got, sums.String())
	}
}

// checkRunState checks the artifact's state as post-processors read it.
func checkRunState(t *testing.T, a *Artifact, format string, bootFiles int) {
	t.Helper()
	if a.BuilderId() != artifact.BuilderID {
		t.Errorf("BuilderId = %s", a.BuilderId())
	}
	digest, _ := a.State(artifact.StateSpecDigest).(string)
	if !strings.HasPrefix(digest, "sha256:") || a.Id() != digest {
		t.Errorf("id %q, spec_digest %q", a.Id(), digest)
	}
	if a.State(artifact.StateName) != "lk" || a.State(artifact.StateFirmware) != artifact.FirmwareBIOS || a.State(artifact.StateCmdline) != runCmdline {
		t.Errorf("name %v, firmware %v, cmdline %v", a.State(artifact.StateName), a.State(artifact.StateFirmware), a.State(artifact.StateCmdline))
	}
	formats, _ := a.State(artifact.StateFormats).(map[string]string)
	if len(formats) != 1 || formats[format] != a.Files()[0] {
		t.Errorf("formats = %v, want %s → %s", formats, format, a.Files()[0])
	}
	images, _ := a.State(artifact.StateImages).(map[string]string)
	for _, k := range []string{"kernel", "init/0"} {
		if !strings.Contains(images[k], "@sha256:") {
			t.Errorf("images[%s] = %q, want a pinned reference", k, images[k])
		}
	}
	if sums, _ := a.State(artifact.StateBootFiles).(map[string]string); len(sums) != bootFiles {
		t.Errorf("boot_files = %v, want %d sums", sums, bootFiles)
	}
	if hcp, ok := a.State(registryimage.ArtifactStateURI).(*registryimage.Image); !ok || hcp.ImageID != digest || hcp.ProviderName != "linuxkit" {
		t.Errorf("HCP metadata = %+v", a.State(registryimage.ArtifactStateURI))
	}
}

// checkTarHasBootKernel checks that the tar holds the kernel image's binary at
// boot/kernel and the init image's files.
func checkTarHasBootKernel(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen[strings.TrimPrefix(h.Name, "./")] = true
	}
	for _, want := range []string{"boot/kernel", "etc/tiny-release", "init"} {
		if !seen[want] {
			t.Errorf("%s lacks %s", filepath.Base(path), want)
		}
	}
}

// checkISO9660 checks the primary volume descriptor's signature.
func checkISO9660(t *testing.T, path string) {
	t.Helper()
	b := readBytes(t, path)
	if len(b) < 0x8006 || string(b[0x8001:0x8006]) != "CD001" {
		t.Errorf("%s has no ISO 9660 volume descriptor", filepath.Base(path))
	}
}

// TestRunCancel cancels a build between steps and in the middle of writing a
// medium: Run returns an error and no artifact, the cleanup ran, and no
// output directory is left.
func TestRunCancel(t *testing.T) {
	r := newRunRig(t)
	for _, trigger := range []string{"Assembled the root filesystem", "Writing lk.iso"} {
		t.Run(trigger, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			log := uiLog{trigger: trigger, onTrigger: cancel}
			out := strings.ReplaceAll(trigger, " ", "-")
			a, err := r.build(ctx, t, log.ui(), r.raw(out, []string{FormatKernelInitrd, FormatISOBIOS}, nil))
			if err == nil || a != nil {
				t.Fatalf("a cancelled build returned %v, %v", a, err)
			}
			if !strings.Contains(log.String(), trigger) {
				t.Fatalf("the build never reached %q:\n%s", trigger, log.String())
			}
			checkNoOutputDir(t, filepath.Join(r.dir, out), &log)
		})
	}
}

// TestRunFailureLeavesNothing: a build failing before the output directory
// exists (an image the registry lacks) and one failing after (a kernel
// image without a kernel) both leave no output directory.
func TestRunFailureLeavesNothing(t *testing.T) {
	r := newRunRig(t)
	noKernel := r.reg.Ref("tiny/nokernel:1")
	r.reg.Push(t, noKernel, tinyImage(t, map[string]string{"README": "no kernel here\n"}))
	for name, tc := range map[string]struct {
		kernel, want string
		created      bool
	}{
		"bad image ref":  {r.reg.Ref("tiny/missing:1"), "tiny/missing:1", false},
		"kernel missing": {noKernel, `did not find kernel "kernel"`, true},
	} {
		t.Run(name, func(t *testing.T) {
			var log uiLog
			raw := r.raw(name, []string{FormatTar}, map[string]interface{}{"spec": strings.Replace(r.spec, r.kernel, tc.kernel, 1)})
			a, err := r.build(context.Background(), t, log.ui(), raw)
			if err == nil || a != nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("build = %v, %v; want an error containing %q", a, err, tc.want)
			}
			if created := strings.Contains(log.String(), "Removing the unfinished output directory"); created != tc.created {
				t.Errorf("cleanup of the output directory ran: %v, want %v:\n%s", created, tc.created, log.String())
			}
			checkNoOutputDir(t, filepath.Join(r.dir, name), nil)
		})
	}
}

func checkNoOutputDir(t *testing.T, dir string, log *uiLog) {
	t.Helper()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		entries, _ := os.ReadDir(dir)
		t.Errorf("the output directory %s is left (%v): %v", dir, err, entries)
	}
	if log != nil && !strings.Contains(log.String(), "Removing the unfinished output directory") {
		t.Errorf("the output directory's cleanup did not run:\n%s", log.String())
	}
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
