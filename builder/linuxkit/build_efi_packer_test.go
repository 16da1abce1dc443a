package linuxkit_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// efiTemplate builds the EFI formats of one arch with the real packer and hands the artifact
// to the test-only dump post-processor.
const efiTemplate = `
variable "out"            { type = string }
variable "arch"           { type = string }
variable "formats"        { type = list(string) }
variable "subformat"      { type = string }
variable "dump"           { type = string }
variable "cache"          { type = string }
variable "insecure"       { type = string }
variable "bootloader_dir" { type = string }

source "linuxkit" "efi" {
  spec_files          = ["${path.root}/specs/efi.yml"]
  arch                = var.arch
  output_name         = "lk"
  formats             = var.formats
  vmdk_subformat      = var.subformat
  output_directory    = var.out
  cache_dir           = var.cache
  insecure_registries = [var.insecure]
  bootloader_dir      = var.bootloader_dir
}

build {
  sources = ["source.linuxkit.efi"]
  post-processor "linuxkit-dump" {
    path = var.dump
  }
}
`

// efiProbe is what the probe container prints last but one: the firmware the guest booted
// with, as /sys/firmware/efi shows it.
const efiProbe = `if [ -d /sys/firmware/efi ]; then echo FIRMWARE=efi; else echo FIRMWARE=bios; fi; echo PROBE-END`

// efiRig is a packer rig with an EFI spec written for one architecture's fixtures.
type efiRig struct {
	*testrig.PackerRig
	nonce, cache, stubDir string
	arch                  string
}

// newEFIRig writes the probe spec (e2eSpec, which also reports the firmware) for arch's
// fixture images, with cmdline.
func newEFIRig(t *testing.T, arch, cmdline string) *efiRig {
	t.Helper()
	p := testrig.NewPackerRig(t)
	fx, service := p.Fixtures, p.Fixtures.Service
	r := &efiRig{PackerRig: p, cache: filepath.Join(p.Dir, "cache"), arch: arch}
	if arch == "arm64" {
		parts := testrig.ARM64Parts(t)
		fx = testrig.PushFixturesARM64(t, p.Registry)
		service, r.stubDir = fx.Service, parts.StubDir // as a user on an amd64 host gives the arm64 stub
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	r.nonce = hex.EncodeToString(b)
	probe := strings.Replace(fmt.Sprintf(e2eSpec, service, r.nonce), "echo PROBE-END", efiProbe, 1)
	p.WriteFile(t, "specs/efi.yml", testrig.FixtureSpec(fx, cmdline, probe))
	p.WriteFile(t, "specs/script.sh", "#!/bin/sh\necho hi\n")
	p.WriteFile(t, "efi.pkr.hcl", efiTemplate)
	return r
}

// build runs packer on the EFI template into out and returns the artifact state the dump
// post-processor saw across Packer's RPC.
func (r *efiRig) build(t *testing.T, out, subformat string, formats ...string) map[string]interface{} {
	t.Helper()
	dump := filepath.Join(r.Dir, out+".json")
	res := r.Build(t, nil, testrig.BuildArgs("efi.pkr.hcl",
		"out="+out, "arch="+r.arch, fmt.Sprintf(`formats=["%s"]`, strings.Join(formats, `","`)),
		"subformat="+subformat, "dump="+dump, "cache="+r.cache, "insecure="+r.Registry.Host,
		"bootloader_dir="+r.stubDir)...)
	var state map[string]interface{}
	testrig.ReadDump(t, dump, res.Output, &state)
	return state
}

// efiBoot is one medium to boot.
type efiBoot struct {
	name string
	opts testrig.BootOptions
}

// bootAll boots every medium in parallel, each until the probe container is done, and checks
// what it printed, including that the guest saw EFI firmware.
func (r *efiRig) bootAll(t *testing.T, fw testrig.Firmware, boots []efiBoot) {
	t.Helper()
	t.Run("boot", func(t *testing.T) {
		for _, b := range boots {
			t.Run(b.name, func(t *testing.T) {
				t.Parallel() // one TCG vCPU each
				b.opts.Firmware = fw
				out := bootProbe(t, b.name, b.opts, r.nonce)
				checkProbe(t, b.name, out, r.nonce)
				if !strings.Contains(out, "FIRMWARE=efi") {
					t.Errorf("%s: the guest did not see EFI firmware:\n%s", b.name, tail(out, 30))
				}
			})
		}
	})
}

// checkEFIArtifact checks the EFI part of the state: arch, firmware efi, every format's
// firmware, the stub's sum in boot_files and the HCP labels, after Packer's RPC.
func checkEFIArtifact(t *testing.T, s map[string]interface{}, arch, stub string, formats ...string) {
	t.Helper()
	if s["arch"] != arch || s["firmware"] != "efi" {
		t.Errorf("arch %v, firmware %v", s["arch"], s["firmware"])
	}
	mf, _ := s["media_firmware"].(map[string]interface{})
	labels, _ := s["hcp"].(map[string]interface{})["Labels"].(map[string]interface{})
	for _, f := range formats {
		if mf[f] != "efi" || labels["firmware."+f] != "efi" {
			t.Errorf("%s: media_firmware %v, HCP label %v", f, mf[f], labels["firmware."+f])
		}
	}
	if len(mf) != len(formats) || labels["arch"] != arch || labels["firmware"] != "efi" {
		t.Errorf("media_firmware %v, HCP labels %v", mf, labels)
	}
	if boot, _ := s["boot_files"].(map[string]interface{}); len(boot) != 1 || len(fmt.Sprint(boot[stub])) != 64 {
		t.Errorf("boot_files = %v, want %s's sum only", boot, stub)
	}
}

// TestPackerBuildEFIBoots: the real packer builds iso-efi, raw-efi and vmdk-efi for amd64
// twice (vmdk-efi in each subformat); the state says efi per medium after RPC; the iso-efi and
// raw-efi bytes of both builds are identical; and OVMF (q35, TCG) boots the ISO as a CD and as
// a disk, the raw disk and both vmdks to the onboot container's nonce, with EFI firmware seen
// from inside the guest.
func TestPackerBuildEFIBoots(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real packer binary and QEMU")
	}
	testrig.Require(t, testrig.QEMUBinary, "qemu-img")
	r := newEFIRig(t, "amd64", e2eCmdline)
	formats := []string{"iso-efi", "raw-efi", "vmdk-efi"}
	a := r.build(t, "out-a", "streamOptimized", formats...)
	checkEFIArtifact(t, a, "amd64", "linuxx64.efi.stub", formats...)
	r.build(t, "out-b", "monolithicSparse", formats...)
	dirA, dirB := filepath.Join(r.Dir, "out-a"), filepath.Join(r.Dir, "out-b")
	for _, name := range []string{"lk-efi.iso", "lk-efi.img"} {
		if readFile(t, filepath.Join(dirA, name)) != readFile(t, filepath.Join(dirB, name)) {
			t.Errorf("%s differs between two builds of the same spec", name)
		}
	}
	r.bootAll(t, testrig.FirmwareOVMF, []efiBoot{
		{"iso-efi cdrom", testrig.BootOptions{ISO: filepath.Join(dirA, "lk-efi.iso")}},
		{"iso-efi as disk", testrig.BootOptions{Disk: filepath.Join(dirA, "lk-efi.iso"), DiskFormat: "raw"}},
		{"raw-efi", testrig.BootOptions{Disk: filepath.Join(dirA, "lk-efi.img"), DiskFormat: "raw"}},
		{"vmdk-efi streamOptimized", testrig.BootOptions{Disk: filepath.Join(dirA, "lk-efi.vmdk"), DiskFormat: "vmdk"}},
		{"vmdk-efi monolithicSparse", testrig.BootOptions{Disk: filepath.Join(dirB, "lk-efi.vmdk"), DiskFormat: "vmdk"}},
	})
}

// TestPackerBuildARM64EFIBoots: the real packer builds iso-efi and raw-efi for arm64 from
// arm64 fixture images (Debian's arm64 kernel, busybox and runc), with the arm64 stub from a
// bootloader_dir, twice (byte-identical), and AAVMF (qemu-system-aarch64 -M virt -cpu max, TCG)
// boots the ISO as a CD and the raw disk to the onboot container's nonce.
func TestPackerBuildARM64EFIBoots(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real packer binary and QEMU")
	}
	testrig.Require(t, testrig.QEMUBinaryARM64)
	r := newEFIRig(t, "arm64", "console=ttyAMA0 panic=-1 quiet")
	formats := []string{"iso-efi", "raw-efi"}
	a := r.build(t, "out-arm64", "monolithicSparse", formats...)
	checkEFIArtifact(t, a, "arm64", "linuxaa64.efi.stub", formats...)
	dir := filepath.Join(r.Dir, "out-arm64")
	r.build(t, "out-arm64-b", "monolithicSparse", formats...)
	for _, name := range []string{"lk-efi.iso", "lk-efi.img", "lk.spdx.json", "lk.sha256"} {
		if readFile(t, filepath.Join(dir, name)) != readFile(t, filepath.Join(r.Dir, "out-arm64-b", name)) {
			t.Errorf("arm64 %s differs between two builds of the same spec", name)
		}
	}
	r.bootAll(t, testrig.FirmwareAAVMF, []efiBoot{
		{"arm64 iso-efi cdrom", testrig.BootOptions{ISO: filepath.Join(dir, "lk-efi.iso")}},
		{"arm64 raw-efi", testrig.BootOptions{Disk: filepath.Join(dir, "lk-efi.img"), DiskFormat: "raw"}},
	})
}
