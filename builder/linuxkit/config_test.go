package linuxkit

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

const minimalSpec = "kernel:\n  image: linuxkit/kernel:6.12.59\n"

func TestPrepareDefaults(t *testing.T) {
	var c Config
	warns, err := c.Prepare(map[string]interface{}{"spec": minimalSpec, "packer_build_name": "web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if c.OutputName != "web" || c.OutputDir != "output-web" || c.Arch != "amd64" || c.Pull != "missing" ||
		c.VMDKSubformat != SubformatMonolithicSparse || len(c.Formats) != 1 || c.Formats[0] != FormatISOBIOS {
		t.Errorf("defaults: %+v", c)
	}
}

func TestPrepareErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		raw  map[string]interface{}
		want string
	}{
		"bare size":          {map[string]interface{}{"spec": minimalSpec, "formats": []string{"raw-bios"}, "disk_size": "1024"}, `disk_size`},
		"unknown format":     {map[string]interface{}{"spec": minimalSpec, "formats": []string{"qcow2-efi"}}, `formats[0]: unknown format "qcow2-efi"`},
		"initrd compression": {map[string]interface{}{"spec": minimalSpec, "initrd_compression": "best"}, `initrd_compression: unknown value "best"; use "size" or "speed"`},
		"twice":              {map[string]interface{}{"spec": minimalSpec, "formats": []string{"tar", "tar"}}, `formats[1]: "tar" is listed twice`},
		"arm64 iso-bios":     {map[string]interface{}{"spec": minimalSpec, "arch": "arm64", "formats": []string{"iso-bios"}}, `formats[0]: "iso-bios" boots with BIOS, which arm64 machines do not have; use "iso-efi" for arch arm64`},
		"arm64 raw-bios":     {map[string]interface{}{"spec": minimalSpec, "arch": "arm64", "formats": []string{"tar", "raw-bios"}}, `formats[1]: "raw-bios" boots with BIOS, which arm64 machines do not have; use "raw-efi"`},
		"arm64 vmdk":         {map[string]interface{}{"spec": minimalSpec, "arch": "arm64", "formats": []string{"vmdk"}}, `use "vmdk-efi" for arch arm64`},
		"efi disk size":      {map[string]interface{}{"spec": minimalSpec, "formats": []string{"raw-efi"}, "disk_size": "64"}, `disk_size`},
		"subformat":          {map[string]interface{}{"spec": minimalSpec, "vmdk_subformat": "flat"}, `vmdk_subformat`},
		"pull":               {map[string]interface{}{"spec": minimalSpec, "pull": "sometimes"}, `pull:`},
		"mirror path":        {map[string]interface{}{"spec": minimalSpec, "registry_mirrors": map[string]string{"docker.io": "https://m/x"}}, `registry_mirrors`},
		"output path":        {map[string]interface{}{"spec": minimalSpec, "output_name": "a/b"}, `output_name`},
		"missing file":       {map[string]interface{}{"spec_files": []string{"/nonexistent/x.yml"}}, `spec_files`},
		"oci volume":         {map[string]interface{}{"spec": minimalSpec + "volumes:\n  - name: v\n    image: alpine\n    format: oci\n"}, `volumes[0].format`},
		"spec field path":    {map[string]interface{}{"spec": minimalSpec + "services:\n  - name: a\n    image: b\n    pid: bogus\n"}, `spec:6:10: services[0].pid`},
	} {
		t.Run(name, func(t *testing.T) {
			var c Config
			_, err := c.Prepare(tc.raw)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Prepare: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestPrepareEFIFormats accepts every EFI format on both architectures, and
// defaults arm64 builds to iso-efi, since arm64 has no BIOS.
func TestPrepareEFIFormats(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		var c Config
		warns, err := c.Prepare(map[string]interface{}{"spec": minimalSpec, "arch": arch,
			"formats": []string{"kernel+initrd", "iso-efi", "raw-efi", "vmdk-efi"}, "vmdk_subformat": "streamOptimized", "disk_size": "128M"})
		if err != nil || len(warns) != 0 {
			t.Errorf("%s: Prepare: %v, warnings %v", arch, err, warns)
		}
	}
	var c Config
	if _, err := c.Prepare(map[string]interface{}{"spec": minimalSpec, "arch": "arm64"}); err != nil || len(c.Formats) != 1 || c.Formats[0] != FormatISOEFI {
		t.Errorf("arm64 default formats %v (%v), want [iso-efi]", c.Formats, err)
	}
	c = Config{}
	warns, err := c.Prepare(map[string]interface{}{"spec": minimalSpec, "formats": []string{"iso-efi"}, "vmdk_subformat": "streamOptimized", "disk_size": "64M"})
	if err != nil || len(warns) != 2 {
		t.Errorf("iso-efi with vmdk_subformat and disk_size: %v, warnings %v, want two", err, warns)
	}
}

func TestPrepareAcceptsUnknownDatasourceOutput(t *testing.T) {
	var c Config
	if _, err := c.Prepare(map[string]interface{}{"spec": "<unknown>"}); err != nil {
		t.Fatal(err)
	}
}

func TestCheckReplaceable(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "real", "work")
	spec := filepath.Join(dir, "specs", "a.yml")
	cache := filepath.Join(root, "real", "cache")
	home := filepath.Join(root, "real", "home")
	for _, d := range []string{filepath.Dir(spec), cache, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "real"), filepath.Join(root, "alias")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Chdir(dir)
	for _, bad := range []string{".", dir, "specs", "/", filepath.Dir(dir), home, cache,
		filepath.Join(root, "alias", "work"), filepath.Join(root, "alias", "home"), filepath.Join(root, "alias", "cache")} {
		if err := checkReplaceable(bad, []string{spec}, cache); err == nil {
			t.Errorf("checkReplaceable(%q) allowed deleting it", bad)
		}
	}
	for _, ok := range []string{"output-x", filepath.Join(root, "alias", "out")} {
		if err := checkReplaceable(ok, []string{spec}, cache); err != nil {
			t.Errorf("checkReplaceable(%s): %v", ok, err)
		}
	}
	// A folder of the user's own files is refused; once marked as the
	// builder's, it may be replaced.
	foreign := filepath.Join(root, "real", "photos")
	if err := os.MkdirAll(foreign, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, "cat.jpg"), []byte("jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkReplaceable(foreign, []string{spec}, cache); err == nil || !strings.Contains(err.Error(), "did not write") {
		t.Errorf("checkReplaceable(%s) = %v, want it refused as not ours", foreign, err)
	}
	if err := safeio.MarkOwned(foreign); err != nil {
		t.Fatal(err)
	}
	if err := checkReplaceable(foreign, []string{spec}, cache); err != nil {
		t.Errorf("checkReplaceable(%s) after MarkOwned: %v", foreign, err)
	}
}

// A spec file that is a FIFO or a device is refused at once, naming the
// file: reading one used to hang past Ctrl-C or fill memory.
func TestPrepareRefusesNonRegularSpecFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "f.yml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{fifo: "named pipe", "/dev/zero": "character device"} {
		var c Config
		_, err := c.Prepare(map[string]interface{}{"spec_files": []string{path}, "formats": []string{"tar"}})
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
			t.Errorf("spec_files = [%s]: %v, want an error naming it and %q", path, err, want)
		}
	}
}

// Each prepare function's warnings reach Prepare's result, and the errors of
// different concerns are reported together.
func TestPrepareWarningsAndCollectedErrors(t *testing.T) {
	var c Config
	warns, err := c.Prepare(map[string]interface{}{"spec": minimalSpec, "formats": []string{"tar"}, "vmdk_subformat": "streamOptimized", "disk_size": "64M"})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 2 || !strings.Contains(warns[0], "vmdk_subformat") || !strings.Contains(warns[1], "disk_size") {
		t.Errorf("warnings: %q", warns)
	}
	var bad Config
	_, err = bad.Prepare(map[string]interface{}{"spec": minimalSpec, "output_name": "a/b", "formats": []string{"bogus"}, "vmdk_subformat": "flat", "pull": "sometimes"})
	for _, want := range []string{"output_name", `unknown format "bogus"`, "vmdk_subformat", "pull:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Prepare: %v, want every concern's error, including %q", err, want)
		}
	}
}
