//go:generate go tool packer-sdc mapstructure-to-hcl2 -type GateConfig,BootTestConfig,VerifyConfig
//go:generate go tool packer-sdc struct-markdown

package linuxkit

import (
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/boottest"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/size"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/verify"
)

// AccelEnv is the environment variable boot_test's `accel` falls back to.
const AccelEnv = boottest.AccelEnv

// The boot_test defaults.
const (
	defaultBootTimeout = 2 * time.Minute
	defaultBootMemory  = "512M"
)

// GateConfig holds what the builder checks before it publishes an artifact:
// image signatures before anything is built, the SBOM of what was built,
// and a boot of the media it wrote.
type GateConfig struct {
	// Boot each bootable output in QEMU before the artifact exists, and fail
	// the build unless the serial console shows `expect` in time (see
	// [boot_test](#boot-test)). Off unless set.
	BootTest *BootTestConfig `mapstructure:"boot_test"`
	// Write `<output_name>.spdx.json`, the SPDX 2.3 software bill of
	// materials of the image (see [SBOM](#sbom)). Defaults to `true`; `false`
	// turns it off.
	SBOM *bool `mapstructure:"sbom"`
	// Check the cosign signature of every matching image after the images
	// are pinned and before anything is assembled or written (see
	// [verify](#verify)). Off unless set.
	Verify *VerifyConfig `mapstructure:"verify"`
}

// BootTestConfig is the `boot_test` block: which outputs boot in QEMU, and
// what their console must show.
type BootTestConfig struct {
	// The outputs to boot: any of the built `formats` that boot (`kernel+initrd`,
	// `iso-bios`, `raw-bios`, `vmdk`, `iso-efi`, `raw-efi`, `vmdk-efi`).
	// Defaults to every one of them the build writes.
	Formats []string `mapstructure:"formats"`
	// A regular expression (Go syntax) the serial console must match, e.g. a
	// line an onboot container prints. Required.
	Expect string `mapstructure:"expect" required:"true"`
	// How long each boot may take to match `expect`, in Go syntax. Defaults
	// to `"2m"`.
	Timeout string `mapstructure:"timeout"`
	// Guest memory, with a binary suffix (`"1G"`). The system runs from its
	// initrd, so it must hold the image. Defaults to `"512M"`.
	Memory string `mapstructure:"memory"`
	// The QEMU emulator to run. Defaults to `qemu-system-x86_64` for amd64
	// and `qemu-system-aarch64` for arm64, found on `PATH`.
	QEMUBinary string `mapstructure:"qemu_binary"`
	// Folders holding the UEFI firmware (OVMF for amd64, AAVMF for arm64:
	// a code image and its variable store, under Debian's, Fedora's or
	// Homebrew's names). When set, only these are searched; otherwise the
	// distributions' folders are.
	FirmwareDirs []string `mapstructure:"firmware_dirs"`
	// The accelerator: `auto` (KVM on Linux when `/dev/kvm` opens, HVF on
	// macOS, for a guest of the host's architecture; else TCG), `kvm`, `hvf`
	// or `tcg`. Defaults to `$LINUXKIT_BOOT_TEST_ACCEL`, else `auto`.
	Accel string `mapstructure:"accel"`

	expect   *regexp.Regexp
	timeout  time.Duration
	memoryMB int
}

// VerifyConfig is the `verify` block: whose cosign signatures the images
// must carry.
type VerifyConfig struct {
	// Public key files, as `cosign generate-key-pair` writes `cosign.pub`
	// (PEM; ECDSA P-256, RSA or Ed25519). A signature by any one of them is
	// enough. Required.
	PublicKeys []string `mapstructure:"public_keys" required:"true"`
	// Repository patterns of the images that must be signed: `linuxkit/*`
	// (a `*` stays within one path segment), `ghcr.io/org/**` (everything
	// below), `alpine` (Docker Hub's library). The orgs and images of the
	// spec's `trust:` section are added. At least one pattern, here or in
	// `trust:`, is required.
	Images []string `mapstructure:"images"`

	keys []verify.Key
}

// prepareGate checks the boot_test, sbom and verify options.
func (c *Config) prepareGate() (warnings []string, errs []error) {
	if c.SBOM == nil {
		on := true
		c.SBOM = &on
	}
	if b := c.BootTest; b != nil {
		errs = append(errs, b.prepare(c.Formats)...)
	}
	if v := c.Verify; v != nil {
		errs = append(errs, v.prepare()...)
		if c.Pull == "never" {
			errs = append(errs, fmt.Errorf("verify: signatures are read from the registry, but pull = \"never\" builds offline"))
		}
	}
	return warnings, errs
}

// prepare defaults and checks the boot_test block against the built formats.
func (b *BootTestConfig) prepare(built []string) []error {
	var errs []error
	if len(b.Formats) == 0 {
		for _, f := range built {
			if bootable(f) {
				b.Formats = append(b.Formats, f)
			}
		}
		if len(b.Formats) == 0 {
			errs = append(errs, fmt.Errorf("boot_test: formats %v has nothing that boots; add kernel+initrd or a medium, or remove boot_test", built))
		}
	}
	seen := map[string]bool{}
	for i, f := range b.Formats {
		switch {
		case !bootable(f):
			errs = append(errs, fmt.Errorf("boot_test.formats[%d]: %q does not boot; use kernel+initrd or a medium", i, f))
		case !contains(built, f):
			errs = append(errs, fmt.Errorf("boot_test.formats[%d]: %q is not among formats %v", i, f, built))
		case seen[f]:
			errs = append(errs, fmt.Errorf("boot_test.formats[%d]: %q is listed twice", i, f))
		}
		seen[f] = true
	}
	if b.Expect == "" {
		errs = append(errs, fmt.Errorf("boot_test.expect: required: a regular expression the serial console must show"))
	} else if re, err := regexp.Compile(b.Expect); err != nil {
		errs = append(errs, fmt.Errorf("boot_test.expect: %w", err))
	} else {
		b.expect = re
	}
	b.timeout = defaultBootTimeout
	if b.Timeout != "" {
		d, err := time.ParseDuration(b.Timeout)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("boot_test.timeout: %q is not a positive duration such as \"2m\"", b.Timeout))
		}
		b.timeout = d
	}
	if b.Memory == "" {
		b.Memory = defaultBootMemory
	}
	if n, err := size.Parse(b.Memory); err != nil {
		errs = append(errs, fmt.Errorf("boot_test.memory: %w", err))
	} else if n < 64<<20 || n%(1<<20) != 0 {
		errs = append(errs, fmt.Errorf("boot_test.memory: %q must be a whole number of MiB, at least 64M", b.Memory))
	} else {
		b.memoryMB = int(n >> 20)
	}
	if b.Accel == "" {
		b.Accel = os.Getenv(AccelEnv)
	}
	if a, err := boottest.ParseAccel(b.Accel); err != nil {
		errs = append(errs, fmt.Errorf("boot_test.accel: %w", err))
	} else {
		b.Accel = a
	}
	return errs
}

// bootable reports whether QEMU can boot a format's output.
func bootable(format string) bool {
	_, medium := artifact.FormatFirmware(format)
	return medium || format == FormatKernelInitrd
}

// prepare reads the verify block's keys and checks its patterns.
func (v *VerifyConfig) prepare() []error {
	var errs []error
	if len(v.PublicKeys) == 0 {
		errs = append(errs, fmt.Errorf("verify.public_keys: required: at least one cosign public key file"))
	}
	for i, p := range v.PublicKeys {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("verify.public_keys[%d]: %w", i, err))
			continue
		}
		keys, err := verify.ParseKeys(p, data)
		if err != nil {
			errs = append(errs, fmt.Errorf("verify.public_keys[%d]: %w", i, err))
			continue
		}
		v.keys = append(v.keys, keys...)
	}
	for i, p := range v.Images {
		if err := verify.CheckPattern(p); err != nil {
			errs = append(errs, fmt.Errorf("verify.images[%d]: %w", i, err))
		}
	}
	return errs
}
