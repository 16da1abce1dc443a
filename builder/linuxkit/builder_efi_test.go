package linuxkit

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	getter "github.com/hashicorp/go-getter/v2"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// espTypeGUID is the EFI system partition's type GUID as it is stored on disk
// (C12A7328-F81F-11D2-BA4B-00A0C93EC93B, mixed endian).
var espTypeGUID = []byte{0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b}

// withHostStub copies the host's amd64 systemd stub (Debian: systemd-boot-efi)
// into the rig's bootloader_dir, beside the synthetic syslinux files, and
// returns its bytes.
func (r *runRig) withHostStub(t *testing.T) []byte {
	t.Helper()
	stub, err := media.FindEFIStub("amd64", "", nil)
	if err != nil {
		testrig.Missing(t, "systemd's EFI stub: %v", err)
	}
	if err := os.WriteFile(filepath.Join(r.bootDir, stub.Name), stub.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	return stub.Data
}

// TestRunEFIFormats builds iso-efi, raw-efi and vmdk-efi (both subformats)
// in process: file names, the GPT with its ESP and the UKI inside it, the
// vmdk's header, the state (arch, media_firmware, firmware, boot_files with
// the stub's sum) and the HCP labels; a second build into another folder is
// byte-identical, and each medium's progress bar saw all its bytes.
func TestRunEFIFormats(t *testing.T) {
	r := newRunRig(t)
	r.withHostStub(t)
	for _, tc := range []struct {
		format, subformat string
		files             []string
		check             func(t *testing.T, path string)
	}{
		{FormatISOEFI, "", []string{"lk-efi.iso", "lk.spdx.json", "lk.sha256"}, checkISOEFI},
		{FormatRawEFI, "", []string{"lk-efi.img", "lk.spdx.json", "lk.sha256"}, func(t *testing.T, p string) { checkGPTDisk(t, readBytes(t, p)) }},
		{FormatVMDKEFI, SubformatMonolithicSparse, []string{"lk-efi.vmdk", "lk.spdx.json", "lk.sha256"}, checkVMDKOf(SubformatMonolithicSparse)},
		{FormatVMDKEFI, SubformatStreamOptimized, []string{"lk-efi.vmdk", "lk.spdx.json", "lk.sha256"}, checkVMDKOf(SubformatStreamOptimized)},
	} {
		t.Run(tc.format+tc.subformat, func(t *testing.T) {
			var arts [2]*Artifact
			for i, out := range []string{tc.format + tc.subformat + "-a", tc.format + tc.subformat + "-b"} {
				var log uiLog
				bars := &barLog{}
				extra := map[string]interface{}{}
				if tc.subformat != "" {
					extra["vmdk_subformat"] = tc.subformat
				}
				a, err := r.build(context.Background(), t, log.uiWith(bars), r.raw(out, []string{tc.format}, extra))
				if err != nil {
					t.Fatalf("build %s: %v\n%s", out, err, log.String())
				}
				arts[i] = a.(*Artifact)
				checkOutputs(t, arts[i], tc.files)
				checkEFIState(t, arts[i], tc.format)
				bars.checkComplete(t, tc.files[0])
				if !strings.Contains(log.String(), "EFI stub linuxx64.efi.stub from "+r.bootDir) {
					t.Errorf("the log does not say where the stub came from:\n%s", log.String())
				}
			}
			tc.check(t, arts[0].Formats[tc.format])
			for i, p := range arts[0].Files() {
				if x, y := readBytes(t, p), readBytes(t, arts[1].Files()[i]); !bytes.Equal(x, y) {
					t.Errorf("%s differs between two builds of the same spec", filepath.Base(p))
				}
			}
		})
	}
}

// TestRunMixedFirmware builds a BIOS and two EFI media at once: firmware is
// mixed, media_firmware says which file needs which, boot_files has the three
// syslinux files and the stub, and the iso-bios bytes are those of an
// iso-bios-only build.
func TestRunMixedFirmware(t *testing.T) {
	r := newRunRig(t)
	r.withHostStub(t)
	var log uiLog
	a, err := r.build(context.Background(), t, log.ui(), r.raw("mixed", []string{FormatISOBIOS, FormatISOEFI, FormatRawEFI}, nil))
	if err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	art := a.(*Artifact)
	checkOutputs(t, art, []string{"lk.iso", "lk-efi.iso", "lk-efi.img", "lk.spdx.json", "lk.sha256"})
	if fw := art.State(artifact.StateFirmware); fw != artifact.FirmwareMixed {
		t.Errorf("firmware = %v, want mixed", fw)
	}
	mf, _ := art.State(artifact.StateMediaFirmware).(map[string]string)
	if len(mf) != 3 || mf[FormatISOBIOS] != "bios" || mf[FormatISOEFI] != "efi" || mf[FormatRawEFI] != "efi" {
		t.Errorf("media_firmware = %v", mf)
	}
	sums, _ := art.State(artifact.StateBootFiles).(map[string]string)
	for _, n := range []string{media.IsolinuxBinName, media.LdlinuxC32Name, media.IsohdpfxBinName, "linuxx64.efi.stub"} {
		if len(sums[n]) != 64 {
			t.Errorf("boot_files[%s] = %q", n, sums[n])
		}
	}
	only, err := r.build(context.Background(), t, log.ui(), r.raw("bios-only", []string{FormatISOBIOS}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readBytes(t, art.Formats[FormatISOBIOS]), readBytes(t, only.(*Artifact).Formats[FormatISOBIOS])) {
		t.Error("iso-bios built beside EFI media differs from an iso-bios-only build")
	}
}

// TestRunMissingEFIStub: a bootloader_dir without the stub, and an arm64
// build on a host without the arm64 stub and no bootloader_image, stop the
// build before any medium is written, naming the option and the package, and
// leave no output directory.
func TestRunMissingEFIStub(t *testing.T) {
	r := newRunRig(t)
	if _, err := media.FindEFIStub("arm64", "", nil); err == nil {
		t.Skip("this host has an arm64 stub in its own folders")
	}
	for name, tc := range map[string]struct {
		extra map[string]interface{}
		want  []string
	}{
		"bootloader_dir": {nil, []string{"bootloader_dir " + r.bootDir, "linuxx64.efi.stub", "systemd-boot-efi"}},
		"arm64 host": {map[string]interface{}{"spec": r.arm64Spec(t), "arch": "arm64", "bootloader_dir": ""},
			[]string{"linuxaa64.efi.stub not found", "bootloader_dir", "systemd-boot-efi:arm64", "bootloader_image: not configured"}},
	} {
		t.Run(name, func(t *testing.T) {
			var log uiLog
			out := strings.ReplaceAll(name, " ", "-")
			a, err := r.build(context.Background(), t, log.ui(), r.raw(out, []string{FormatRawEFI}, tc.extra))
			if err == nil || a != nil {
				t.Fatalf("build without a stub = %v, %v", a, err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			checkNoOutputDir(t, filepath.Join(r.dir, out), nil)
		})
	}
}

// arm64Spec pushes a tiny arm64 kernel and init image and returns a spec
// naming them.
func (r *runRig) arm64Spec(t *testing.T) string {
	t.Helper()
	kernel, init := r.reg.Ref("tiny/kernel-arm64:1"), r.reg.Ref("tiny/init-arm64:1")
	r.reg.Push(t, kernel, tinyImageFor(t, "arm64", map[string]string{"kernel": "not really an arm64 kernel\n",
		"kernel.tar": string(tarBytes(t, map[string]string{"lib/modules/0.0.0-tiny/modules.dep": ""}))}))
	r.reg.Push(t, init, tinyImageFor(t, "arm64", map[string]string{"init": "#!/bin/sh\necho tiny\n"}))
	return "kernel:\n  image: " + kernel + "\n  cmdline: \"console=ttyAMA0\"\ninit:\n  - " + init + "\n"
}

// checkEFIState checks the state of an EFI-only, amd64 artifact.
func checkEFIState(t *testing.T, a *Artifact, format string) {
	t.Helper()
	if a.State(artifact.StateArch) != "amd64" || a.State(artifact.StateFirmware) != artifact.FirmwareEFI {
		t.Errorf("arch %v, firmware %v", a.State(artifact.StateArch), a.State(artifact.StateFirmware))
	}
	if mf, _ := a.State(artifact.StateMediaFirmware).(map[string]string); len(mf) != 1 || mf[format] != artifact.FirmwareEFI {
		t.Errorf("media_firmware = %v", mf)
	}
	if sums, _ := a.State(artifact.StateBootFiles).(map[string]string); len(sums) != 1 || len(sums["linuxx64.efi.stub"]) != 64 {
		t.Errorf("boot_files = %v, want the stub's sum only", sums)
	}
	hcp, _ := a.State(registryimage.ArtifactStateURI).(*registryimage.Image)
	if hcp == nil || hcp.Labels["firmware"] != "efi" || hcp.Labels["firmware."+format] != "efi" || hcp.Labels["arch"] != "amd64" {
		t.Errorf("HCP labels = %+v", hcp)
	}
}

// checkGPTDisk checks an amd64 GPT disk image (checkGPTDiskArch).
func checkGPTDisk(t *testing.T, img []byte) {
	t.Helper()
	checkGPTDiskArch(t, img, "BOOTX64 EFI", runCmdline, "not really a kernel")
}

// checkGPTDiskArch checks a GPT disk image: the protective MBR, the primary
// header at LBA 1, its first entry an ESP, and at the ESP's start a FAT32
// volume whose bytes hold the boot file's 8.3 name and the UKI (want: its
// .cmdline, the kernel's bytes), and the backup header in the last sector.
func checkGPTDiskArch(t *testing.T, img []byte, want ...string) {
	t.Helper()
	if len(img) < 34*512 || img[510] != 0x55 || img[511] != 0xaa || img[0x1c2] != 0xee {
		t.Fatal("no protective MBR")
	}
	if string(img[512:520]) != "EFI PART" {
		t.Fatal("no GPT header at LBA 1")
	}
	entries := binary.LittleEndian.Uint64(img[512+72:])
	e := img[entries*512:]
	if !bytes.Equal(e[:16], espTypeGUID) {
		t.Fatalf("the first partition's type is %x, not the ESP's", e[:16])
	}
	first, last := binary.LittleEndian.Uint64(e[32:]), binary.LittleEndian.Uint64(e[40:])
	if last <= first || int(last+1)*512 > len(img) {
		t.Fatalf("ESP at LBA %d..%d in a %d-byte disk", first, last, len(img))
	}
	esp := img[first*512 : (last+1)*512]
	if string(esp[0x52:0x5a]) != "FAT32   " || esp[510] != 0x55 {
		t.Errorf("the ESP is not a FAT32 volume")
	}
	for _, w := range append(want, "LinuxKit") {
		if !bytes.Contains(esp, []byte(w)) {
			t.Errorf("the ESP lacks %q", w)
		}
	}
	if string(img[len(img)-512:len(img)-504]) != "EFI PART" {
		t.Error("no backup GPT header in the last sector")
	}
}

// checkISOEFI checks an iso-efi image: ISO 9660, an El Torito boot record,
// and the GPT over the ESP file.
func checkISOEFI(t *testing.T, path string) {
	t.Helper()
	checkISO9660(t, path)
	b := readBytes(t, path)
	if !bytes.Contains(b[17*2048:18*2048], []byte("EL TORITO SPECIFICATION")) {
		t.Error("no El Torito boot record in sector 17")
	}
	checkGPTDisk(t, b)
}

// checkVMDK is checkVMDKOf the default subformat.
func checkVMDK(t *testing.T, path string) {
	t.Helper()
	checkVMDKOf(SubformatMonolithicSparse)(t, path)
}

// checkVMDKOf checks a sparse extent's magic and its descriptor's createType,
// and has qemu-img check it.
func checkVMDKOf(subformat string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		b := readBytes(t, path)
		if string(b[:4]) != "KDMV" || !bytes.Contains(b, []byte(`createType="`+subformat+`"`)) {
			t.Errorf("%s is not a %s vmdk", filepath.Base(path), subformat)
		}
		qemuImgCheck(t, path)
	}
}

// qemuImgCheck runs qemu-img check on a vmdk.
func qemuImgCheck(t *testing.T, path string) {
	t.Helper()
	testrig.Require(t, "qemu-img")
	if out, err := exec.Command("qemu-img", "check", path).CombinedOutput(); err != nil {
		t.Errorf("qemu-img check: %v\n%s", err, out)
	}
}

// barLog is a progress tracker recording, per bar, its total and the bytes
// read through it, as Packer's terminal bar reads them.
type barLog struct {
	mu    sync.Mutex
	total map[string]int64
	read  map[string]int64
}

func (b *barLog) TrackProgress(name string, _, total int64, stream io.ReadCloser) io.ReadCloser {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.total == nil {
		b.total, b.read = map[string]int64{}, map[string]int64{}
	}
	b.total[name] = total
	return &barStream{b: b, name: name, ReadCloser: stream}
}

type barStream struct {
	io.ReadCloser
	b    *barLog
	name string
}

func (s *barStream) Read(p []byte) (int, error) {
	n, err := s.ReadCloser.Read(p)
	s.b.mu.Lock()
	s.b.read[s.name] += int64(n)
	s.b.mu.Unlock()
	return n, err
}

// checkComplete checks that the bar named name exists and read its total,
// the medium's final size.
func (b *barLog) checkComplete(t *testing.T, name string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.total[name] <= 0 || b.read[name] != b.total[name] {
		t.Errorf("progress bar %s: %d of %d bytes (bars %v)", name, b.read[name], b.total[name], b.total)
	}
}

// uiWith is ui with pb drawing the progress bars.
func (l *uiLog) uiWith(pb getter.ProgressTracker) packersdk.Ui {
	return &packersdk.BasicUi{Reader: strings.NewReader(""), Writer: l, ErrorWriter: l, PB: pb}
}

// TestRunARM64StubFromImage builds arm64 iso-efi and raw-efi in process from arm64 images,
// with no bootloader_dir: the host has no arm64 stub, so it comes from bootloader_image (an
// arm64 image holding Debian's linuxaa64.efi.stub under /usr/lib/systemd/boot/efi), and the
// ESP holds \EFI\BOOT\BOOTAA64.EFI. A BIOS format for arm64 is refused by Prepare.
func TestRunARM64StubFromImage(t *testing.T) {
	r := newRunRig(t)
	parts := testrig.ARM64Parts(t)
	stub, err := media.FindEFIStub("arm64", parts.StubDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := media.FindEFIStub("arm64", "", nil); err == nil {
		t.Skip("this host has an arm64 stub in its own folders, which wins over bootloader_image")
	}
	stubRef := r.reg.Ref("tiny/stub:1")
	r.reg.Push(t, stubRef, tinyImageFor(t, "arm64", map[string]string{media.EFIStubImageDir + "/" + stub.Name: string(stub.Data)}))
	spec := r.arm64Spec(t)

	var log uiLog
	raw := r.raw("arm64", []string{FormatISOEFI, FormatRawEFI}, map[string]interface{}{
		"spec": spec, "arch": "arm64", "bootloader_dir": "", "bootloader_image": stubRef})
	a, err := r.build(context.Background(), t, log.ui(), raw)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, log.String())
	}
	art := a.(*Artifact)
	checkOutputs(t, art, []string{"lk-efi.iso", "lk-efi.img", "lk.spdx.json", "lk.sha256"})
	if !strings.Contains(log.String(), "EFI stub linuxaa64.efi.stub from "+stubRef+":/"+media.EFIStubImageDir) {
		t.Errorf("the log does not say the stub came from the image:\n%s", log.String())
	}
	if sums, _ := art.State(artifact.StateBootFiles).(map[string]string); sums[stub.Name] != stub.Sums()[stub.Name] || len(sums) != 1 {
		t.Errorf("boot_files = %v, want the arm64 stub's sum", sums)
	}
	if art.State(artifact.StateArch) != "arm64" || art.State(artifact.StateFirmware) != "efi" {
		t.Errorf("arch %v, firmware %v", art.State(artifact.StateArch), art.State(artifact.StateFirmware))
	}
	for _, f := range []string{FormatISOEFI, FormatRawEFI} {
		img := readBytes(t, art.Formats[f])
		if !bytes.Contains(img, []byte("BOOTAA64EFI")) || !bytes.Contains(img, []byte("not really an arm64 kernel")) {
			t.Errorf("%s lacks BOOTAA64.EFI or the kernel", f)
		}
		if f == FormatISOEFI {
			checkGPTDiskArch(t, img, "BOOTAA64EFI")
		}
	}
	checkGPTDiskArch(t, readBytes(t, art.Formats[FormatRawEFI]), "BOOTAA64EFI", "console=ttyAMA0", "not really an arm64 kernel")
}
