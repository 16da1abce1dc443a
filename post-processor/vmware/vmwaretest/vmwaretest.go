// Package vmwaretest holds the test helpers the linuxkit-vmware
// post-processor's packages share: a stand-in for the linuxkit builder's
// artifact, a small vmdk, a clean environment, and one run of the whole
// post-processor (Configure, then PostProcess). Only tests import it.
package vmwaretest

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/desktop"
)

// SpecDigest is the spec digest of the test input artifacts.
const SpecDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// EnvVars are every variable the configuration reads; tests start from an
// environment where all of them are empty (which the code treats as unset).
var EnvVars = []string{
	"VSPHERE_SERVER", "VSPHERE_USER", "VSPHERE_PASSWORD",
	"GOVC_URL", "GOVC_USERNAME", "GOVC_PASSWORD", "GOVC_INSECURE",
	"VCURL",
	"VCDATACENTER", "GOVC_DATACENTER", "VCDATASTORE", "GOVC_DATASTORE",
	"VCNETWORK", "GOVC_NETWORK", "VCHOST", "GOVC_HOST",
	"GOVC_RESOURCE_POOL", "GOVC_FOLDER",
}

// CleanEnv empties every variable the configuration reads and plays an Intel
// host, for the duration of the test.
func CleanEnv(t *testing.T) {
	t.Helper()
	for _, v := range EnvVars {
		t.Setenv(v, "")
	}
	PlayHost(t, false)
}

// PlayHost makes the post-processor see an Apple silicon Mac (darwin/arm64)
// or, without appleSilicon, an Intel machine of this test's OS, for the rest
// of the test.
func PlayHost(t *testing.T, appleSilicon bool) {
	if appleSilicon {
		PlayHostOf(t, "darwin", "arm64")
		return
	}
	PlayHostOf(t, runtime.GOOS, "amd64")
}

// PlayHostOf makes the post-processor see a host of goos/goarch for the rest
// of the test.
func PlayHostOf(t *testing.T, goos, goarch string) {
	old := desktop.DetectHost
	desktop.DetectHost = func() desktop.Host { return desktop.Host{OS: goos, Arch: goarch} }
	t.Cleanup(func() { desktop.DetectHost = old })
}

// Input mimics the linuxkit builder's artifact: files named after name,
// formats mapping to them. With rpc, the formats map has the shape Packer's
// RPC gives it (map[interface{}]interface{}).
func Input(name string, formats map[string]string, rpc bool) *packersdk.MockArtifact {
	var files []string
	var fm interface{} = formats
	if rpc {
		m := map[interface{}]interface{}{}
		for k, v := range formats {
			m[k] = v
		}
		fm = m
	}
	for _, p := range formats {
		files = append(files, p)
	}
	return &packersdk.MockArtifact{
		BuilderIdValue: "seed844b7c54.linuxkit",
		IdValue:        SpecDigest,
		FilesValue:     files,
		StateValues: map[string]interface{}{
			"name":        name,
			"spec_digest": SpecDigest,
			"formats":     fm,
			"firmware":    "bios",
			"images":      map[string]string{"kernel": "linuxkit/kernel@sha256:00"},
		},
	}
}

// InputArch is Input for an artifact that publishes the whole artifact
// contract: "arch", "media_firmware" (each bootable format's firmware) and
// "firmware" (bios, efi, or mixed when it has both), in the shape Packer's
// RPC gives the maps with rpc.
func InputArch(name, arch string, formats map[string]string, rpc bool) *packersdk.MockArtifact {
	a := Input(name, formats, rpc)
	media := map[string]string{}
	seen := map[string]bool{}
	for f := range formats {
		if fw, ok := artifact.FormatFirmware(f); ok {
			media[f] = fw
			seen[fw] = true
		}
	}
	firmware := artifact.FirmwareBIOS
	switch {
	case seen[artifact.FirmwareBIOS] && seen[artifact.FirmwareEFI]:
		firmware = artifact.FirmwareMixed
	case seen[artifact.FirmwareEFI]:
		firmware = artifact.FirmwareEFI
	}
	var mf interface{} = media
	if rpc {
		m := map[interface{}]interface{}{}
		for k, v := range media {
			m[k] = v
		}
		mf = m
	}
	a.StateValues[artifact.StateArch] = arch
	a.StateValues[artifact.StateFirmware] = firmware
	a.StateValues[artifact.StateMediaFirmware] = mf
	return a
}

// EFIFiles are the builder's file names of the EFI formats for an artifact
// called name.
func EFIFiles(name string) map[string]string {
	return map[string]string{
		artifact.FormatISOEFI:  name + "-efi.iso",
		artifact.FormatRawEFI:  name + "-efi.img",
		artifact.FormatVMDKEFI: name + "-efi.vmdk",
	}
}

// EFIMedia writes in dir the EFI media of the formats asked (iso-efi,
// raw-efi, vmdk-efi) with the media engine, as the builder does: a UKI made
// of opts.Stub (systemd's real stub), kernel and initrd on a FAT ESP.
// vmdk-efi is streamOptimized when compressed, else monolithicSparse. It
// returns format → path, ready for Input or InputArch.
func EFIMedia(t *testing.T, dir, name string, opts media.EFIOptions, kernel, initrd string, compressed bool, formats ...string) map[string]string {
	t.Helper()
	k, err := media.FileFromPath(kernel)
	if err != nil {
		t.Fatal(err)
	}
	i, err := media.FileFromPath(initrd)
	if err != nil {
		t.Fatal(err)
	}
	k.Path, i.Path = media.KernelPath, media.InitrdPath
	out := map[string]string{}
	for _, format := range formats {
		p := filepath.Join(dir, EFIFiles(name)[format])
		var write func(*os.File) error
		switch format {
		case artifact.FormatISOEFI:
			write = func(f *os.File) error { return media.WriteISOEFI(f, k, i, opts) }
		case artifact.FormatRawEFI:
			write = func(f *os.File) error { return media.WriteRawEFI(f, k, i, opts) }
		case artifact.FormatVMDKEFI:
			vo := vmdk.Options{Compressed: compressed, ExtentName: filepath.Base(p)}
			write = func(f *os.File) error {
				return media.WriteVMDKEFI(f, k, i, media.VMDKEFIOptions{EFIOptions: opts, VMDK: vo})
			}
		default:
			t.Fatalf("EFIMedia: %q is not an EFI format", format)
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := write(f); err != nil {
			f.Close()
			t.Fatalf("writing %s: %v", format, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		out[format] = p
	}
	return out
}

// EFIStub returns systemd's EFI stub for arch from where the tests find it:
// the host's systemd-boot-efi for amd64, the arm64 parts `make kernel`
// fetches for arm64. A missing stub fails the test (skips it under -short).
func EFIStub(t *testing.T, arch string) media.EFIStub {
	t.Helper()
	dir := ""
	if arch == artifact.ArchARM64 {
		dir = testrig.ARM64Parts(t).StubDir
	}
	stub, err := media.FindEFIStub(arch, dir, nil)
	if err != nil {
		testrig.Missing(t, "systemd's EFI stub for %s: %v", arch, err)
	}
	return stub
}

// EFIStandIn writes in a temporary folder the EFI media of the formats
// asked for an artifact called name, built for arch: real media (a UKI of
// systemd's stub on a FAT ESP, GPT, El Torito) holding a small stand-in
// kernel and initrd, for the tests that never boot them. It returns format →
// path.
func EFIStandIn(t *testing.T, name, arch string, compressed bool, formats ...string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	kernel := filepath.Join(dir, "stand-in-kernel")
	initrd := filepath.Join(dir, "stand-in-initrd")
	for p, content := range map[string]string{kernel: "a stand-in kernel\n", initrd: "a stand-in initrd\n"} {
		if err := os.WriteFile(p, bytes.Repeat([]byte(content), 1024), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := media.EFIOptions{Arch: arch, Stub: EFIStub(t, arch), Cmdline: "console=ttyS0", VolumeID: media.VolumeID(name)}
	return EFIMedia(t, dir, name, opts, kernel, initrd, compressed, formats...)
}

// VMDK writes a small monolithicSparse (or, compressed, streamOptimized)
// vmdk holding a few recognisable bytes, standing in for the builder's boot
// disk.
func VMDK(t *testing.T, path string, compressed bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	payload := bytes.Repeat([]byte("linuxkit boot disk "), 4096)
	if err := vmdk.Write(f, bytes.NewReader(payload), 4<<20, vmdk.Options{Compressed: compressed, ExtentName: filepath.Base(path)}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// Run configures the post-processor with raw (plus Packer's own keys, when
// packer is not nil) and runs it on source, checking the keep and
// forceOverride results every run must give.
func Run(t *testing.T, ctx context.Context, ui packersdk.Ui, source packersdk.Artifact, raw map[string]interface{}, packer map[string]interface{}) (packersdk.Artifact, error) {
	t.Helper()
	var p vmware.PostProcessor
	raws := []interface{}{raw}
	if packer != nil {
		raws = append(raws, packer)
	}
	if err := p.Configure(raws...); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	a, keep, force, err := p.PostProcess(ctx, ui, source)
	if keep || force {
		t.Errorf("PostProcess returned keep=%v forceOverride=%v, want false, false", keep, force)
	}
	if err != nil && a != nil {
		t.Errorf("PostProcess returned an artifact with its error %v", err)
	}
	return a, err
}

// TempFile writes a small file in the test's temporary folder and returns
// its path.
func TempFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Configure runs Configure the way Packer does for a JSON template: the
// plugin's options in one map, Packer's own keys in another.
func Configure(t *testing.T, raw map[string]interface{}, packer ...map[string]interface{}) (vmware.Config, error) {
	t.Helper()
	var p vmware.PostProcessor
	raws := []interface{}{raw}
	for _, m := range packer {
		raws = append(raws, m)
	}
	err := p.Configure(raws...)
	return p.Config(), err
}

// MustConfigure is Configure for configurations that must be valid.
func MustConfigure(t *testing.T, raw map[string]interface{}, packer ...map[string]interface{}) vmware.Config {
	t.Helper()
	c, err := Configure(t, raw, packer...)
	if err != nil {
		t.Fatalf("Configure(%v): %v", raw, err)
	}
	return c
}

// VSphereMinimal is the smallest valid vsphere configuration, plus extra.
func VSphereMinimal(extra map[string]interface{}) map[string]interface{} {
	return With(map[string]interface{}{
		"target":         "vsphere",
		"vcenter_server": "vc.example.com",
		"username":       "administrator@vsphere.local",
		"password":       "vsphere-minimal-password",
	}, extra)
}

// With returns base with the keys of extra set over it, for the
// configurations tests build from a base plus a few options.
func With(base, extra map[string]interface{}) map[string]interface{} {
	maps.Copy(base, extra)
	return base
}

// WantErrors fails unless err's message contains every one of want.
func WantErrors(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Configure succeeded, want errors containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not contain %q:\n%v", w, err)
		}
	}
}
