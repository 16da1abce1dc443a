package boottest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
)

func TestStripANSI(t *testing.T) {
	in := "SeaBIOS\r\nBooting from ROM..\x1bc\x1b[?7l\x1b[2JNONCE-1\r\n\x1b]0;title\x07ok\x1b(B \x1b[1;31mERRO\x1b[0m\tx\x00\n"
	want := "SeaBIOS\nBooting from ROM..NONCE-1\nok ERRO\tx\n"
	if got := StripANSI(in); got != want {
		t.Errorf("StripANSI = %q, want %q", got, want)
	}
	// Split at every byte: state carries across writes.
	for i := range len(in) {
		var c consoleCleaner
		got := string(c.clean(c.clean(nil, []byte(in[:i])), []byte(in[i:])))
		if got != want {
			t.Fatalf("split at %d: %q, want %q", i, got, want)
		}
	}
}

func tempFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestArgs(t *testing.T) {
	k := tempFile(t, "kernel")
	args, err := Options{Kernel: k, Initrd: k, Firmware: BIOS}.args(AccelTCG, "", "")
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(args, " ")
	for _, want := range []string{"-accel tcg", "-nographic", "-no-reboot", "-m 1024", "-nic none", "-initrd " + k, "-append " + DefaultAppend} {
		if !strings.Contains(joined, want) {
			t.Errorf("args %q lack %q", joined, want)
		}
	}
	disk := tempFile(t, "a,b.vmdk")
	args, err = Options{Disk: disk, DiskInterface: "virtio", MemoryMB: 512}.args(AccelKVM, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if j := strings.Join(args, " "); !strings.Contains(j, "a,,b.vmdk,format=vmdk,if=virtio,snapshot=on") || !strings.Contains(j, "-m 512") || !strings.Contains(j, "-accel kvm") {
		t.Errorf("disk args %q", j)
	}
	for _, bad := range []Options{
		{},                        // nothing to boot
		{Kernel: k, ISO: k},       // two things
		{ISO: "/nonexistent.iso"}, // missing file
	} {
		if _, err := bad.args(AccelTCG, "", ""); err == nil {
			t.Errorf("args(%+v) accepted", bad)
		}
	}
}

// TestFirmwareArgs checks the UEFI command lines against the invocations measured to boot: q35
// with OVMF's pflash pair; virt/max with AAVMF's (virt/host with an accelerator), the CD on
// virtio-scsi, disks on virtio and the console on ttyAMA0.
func TestFirmwareArgs(t *testing.T) {
	f := tempFile(t, "x.img")
	cases := []struct {
		opts  Options
		accel string
		want  []string
	}{
		{Options{Firmware: OVMF, Disk: f}, AccelTCG, []string{"-M q35", "unit=0,readonly=on,file=/c", "unit=1,file=/v", "if=ide"}},
		{Options{Firmware: OVMF, ISO: f}, AccelTCG, []string{"-M q35", "-cdrom " + f}},
		{Options{Firmware: AAVMF, ISO: f}, AccelTCG, []string{"-M virt -cpu max", "virtio-scsi-pci", "media=cdrom", "scsi-cd,drive=cd"}},
		{Options{Firmware: AAVMF, ISO: f}, AccelHVF, []string{"-accel hvf", "-M virt -cpu host"}},
		{Options{Firmware: AAVMF, Disk: f}, AccelTCG, []string{"if=virtio"}},
		{Options{Firmware: AAVMF, Kernel: f}, AccelTCG, []string{"-append " + DefaultAppendARM64}},
	}
	for _, c := range cases {
		args, err := c.opts.args(c.accel, "/c", "/v")
		if err != nil {
			t.Fatal(err)
		}
		line := strings.Join(args, " ")
		for _, w := range c.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q lacks %q", c.opts.Firmware, line, w)
			}
		}
	}
	if AAVMF.Binary() != BinaryARM64 || OVMF.Binary() != BinaryAMD64 || BIOS.Binary() != BinaryAMD64 {
		t.Errorf("emulators: %s %s %s", AAVMF.Binary(), OVMF.Binary(), BIOS.Binary())
	}
	args, _ := Options{Firmware: BIOS, Kernel: f}.args(AccelTCG, "", "")
	if j := strings.Join(args, " "); strings.Contains(j, "pflash") || strings.Contains(j, "-M ") {
		t.Errorf("BIOS adds firmware arguments: %s", j)
	}
}

// TestMedium maps every builder format onto its firmware and drive.
func TestMedium(t *testing.T) {
	cases := []struct {
		format, arch string
		fw           Firmware
		iso          bool
		diskFormat   string
	}{
		{artifact.FormatISOBIOS, "amd64", BIOS, true, ""},
		{artifact.FormatRawBIOS, "amd64", BIOS, false, "raw"},
		{artifact.FormatVMDK, "amd64", BIOS, false, "vmdk"},
		{artifact.FormatISOEFI, "amd64", OVMF, true, ""},
		{artifact.FormatRawEFI, "amd64", OVMF, false, "raw"},
		{artifact.FormatVMDKEFI, "amd64", OVMF, false, "vmdk"},
		{artifact.FormatISOEFI, "arm64", AAVMF, true, ""},
		{artifact.FormatRawEFI, "arm64", AAVMF, false, "raw"},
		{artifact.FormatVMDKEFI, "arm64", AAVMF, false, "vmdk"},
	}
	for _, c := range cases {
		o, err := Medium(c.format, c.arch, "/m")
		if err != nil {
			t.Fatalf("%s/%s: %v", c.format, c.arch, err)
		}
		if o.Firmware != c.fw || (o.ISO != "") != c.iso || o.DiskFormat != c.diskFormat {
			t.Errorf("%s/%s: %+v", c.format, c.arch, o)
		}
	}
	for _, bad := range [][2]string{{artifact.FormatTar, "amd64"}, {artifact.FormatISOBIOS, "arm64"}, {artifact.FormatKernelInitrd, "amd64"}} {
		if _, err := Medium(bad[0], bad[1], "/m"); err == nil {
			t.Errorf("Medium(%s, %s) accepted", bad[0], bad[1])
		}
	}
	if fw, err := FirmwareFor(artifact.FormatKernelInitrd, "arm64"); err != nil || fw != AAVMF {
		t.Errorf("kernel+initrd on arm64: %s, %v", fw, err)
	}
}

// TestMissing: an emulator or firmware that is not there is a MissingError naming the
// packages that install it.
func TestMissing(t *testing.T) {
	k := tempFile(t, "kernel")
	_, err := Start(Options{Kernel: k, Binary: "qemu-system-none-such"})
	var m *MissingError
	if !asMissing(err, &m) || !strings.Contains(err.Error(), "apt-get install qemu-system-x86") || !strings.Contains(err.Error(), "brew install qemu") {
		t.Errorf("missing emulator: %v", err)
	}
	_, _, err = findUEFI(AAVMF, []string{t.TempDir()})
	if !asMissing(err, &m) || !strings.Contains(err.Error(), "qemu-efi-aarch64") {
		t.Errorf("missing firmware: %v", err)
	}
	if _, err := ParseAccel("xen"); err == nil {
		t.Error("ParseAccel accepted xen")
	}
	if SelectAccel(AccelTCG, "amd64") != AccelTCG || SelectAccel(AccelAuto, "riscv64") != AccelTCG {
		t.Error("SelectAccel: a forced accelerator or a foreign guest must give what was asked / TCG")
	}
}

func asMissing(err error, m **MissingError) bool {
	e, ok := err.(*MissingError)
	*m = e
	return ok
}

func TestTail(t *testing.T) {
	if got := Tail("a\nb\nc\nd\n", 2); got != "c\nd" {
		t.Errorf("Tail = %q", got)
	}
	if got := Tail("a", 5); got != "a" {
		t.Errorf("Tail = %q", got)
	}
}

// TestFindUEFI: firmware_dirs are searched in order, under each distribution's names, and
// only they are searched when given.
func TestFindUEFI(t *testing.T) {
	empty, brew := t.TempDir(), t.TempDir()
	for _, n := range []string{"edk2-aarch64-code.fd", "edk2-arm-vars.fd", "edk2-x86_64-code.fd"} {
		if err := os.WriteFile(filepath.Join(brew, n), []byte("fd"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, vars, err := findUEFI(AAVMF, []string{empty, brew})
	if err != nil || code != filepath.Join(brew, "edk2-aarch64-code.fd") || vars != filepath.Join(brew, "edk2-arm-vars.fd") {
		t.Errorf("AAVMF from Homebrew's names: %s, %s, %v", code, vars, err)
	}
	if _, _, err := findUEFI(OVMF, []string{brew}); err == nil { // the code without its variable store
		t.Error("OVMF found without a variable store")
	}
	dst, err := copyVars(filepath.Join(brew, "edk2-arm-vars.fd"), empty)
	if b, rerr := os.ReadFile(dst); err != nil || rerr != nil || string(b) != "fd" {
		t.Errorf("copyVars: %v %v", err, rerr)
	}
}
