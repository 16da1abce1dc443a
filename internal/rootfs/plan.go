package rootfs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/epoch"
)

// DefaultModTime is LinuxKit's fixed modification time for every entry it
// creates (2017-04-18T16:30:00Z, internal/epoch). A Plan with a zero ModTime
// uses it.
var DefaultModTime = epoch.LinuxKit

// Paths of the boot files inside the tree, where LinuxKit puts them. The
// kernel+initrd and boot-media outputs take them out of the filesystem.
const (
	BootKernel  = "boot/kernel"
	BootCmdline = "boot/cmdline"
	BootUCode   = "boot/ucode.cpio"
)

// Plan is everything that goes into one image's filesystem, already resolved
// to local images. The sources are laid out in LinuxKit's order (kernel,
// init, volumes, bundles, files); a later source wins over an earlier one
// path by path.
type Plan struct {
	// Kernel is the kernel image; nil means no kernel.
	Kernel *Kernel
	// Init images are flattened at / in order; a later image wins.
	Init []v1.Image
	// Volumes are laid out at the directories each one names.
	Volumes []Volume
	// Bundles are the onboot, onshutdown and services containers, in that
	// order.
	Bundles []Bundle
	// Files is the spec's files section, in order.
	Files []File
	// IndexCache, when set, keeps each layer's listing between builds, so
	// that Index does not decompress a layer it has listed before (the
	// write pass still reads it, and checks the listing against it).
	IndexCache IndexCache
	// ModTime is the mtime of every entry we create (boot files, bundle
	// configs, directories, files section). Zero means DefaultModTime; the
	// caller may pass SOURCE_DATE_EPOCH. Entries that come from image layers
	// keep their own mtime, as in LinuxKit: it is part of the (content
	// addressed) image, and tools such as Python compare it with caches.
	ModTime time.Time
}

// Cmdline is the kernel command line of the plan ("" without a kernel): what
// boot/cmdline holds and what the boot media and the artifact report.
func (p *Plan) Cmdline() string {
	if p.Kernel == nil {
		return ""
	}
	return p.Kernel.Cmdline
}

// Kernel says which files of the kernel image become the boot files.
type Kernel struct {
	// Image is the kernel image.
	Image v1.Image
	// Binary is the kernel's path in the image; "" means "kernel". It is
	// written as boot/kernel.
	Binary string
	// Tar is the path of the tarball unpacked at /, usually the modules;
	// "" means "kernel.tar", "none" means no tarball (the caller maps
	// LinuxKit's explicit `tar: ""` to "none"). It may be gzip-compressed.
	Tar string
	// UCode is the path of a CPU microcode cpio archive, written as
	// boot/ucode.cpio; "" means none. A missing ucode is an error.
	UCode string
	// Cmdline is written as boot/cmdline.
	Cmdline string
}

// Bundle is one OCI bundle for runc/containerd, laid out as LinuxKit does.
type Bundle struct {
	// Dir is the bundle directory, e.g. "containers/onboot/000-dhcpcd" or
	// "containers/services/sshd".
	Dir string
	// Image is the container image. Bundles whose images have the same
	// config digest share one copy of the root filesystem.
	Image v1.Image
	// ConfigJSON is written verbatim as <Dir>/config.json.
	ConfigJSON []byte
	// Runtime is LinuxKit's runtime config, written once as
	// <Dir>/runtime.json with the rootfs mounts (bind, or tmpfs+overlay)
	// first in its mounts; nil writes only those mounts.
	Runtime RuntimeConfig
	// Readonly puts the image in <Dir>/rootfs; otherwise it goes to
	// <Dir>/lower with <Dir>/tmp and an empty <Dir>/rootfs for an overlay.
	Readonly bool
}

// RuntimeConfig is a bundle's runtime config before the rootfs mounts are
// known: which mounts put the root filesystem in place depends on the
// layout and on bundle de-duplication, which rootfs decides while indexing.
// internal/spec's *Runtime implements it.
type RuntimeConfig interface {
	// JSON returns runtime.json with rootfsMounts before the config's own
	// mounts.
	JSON(rootfsMounts []specs.Mount) ([]byte, error)
}

// Volume is a named volume shared by containers. Its directories come from
// the caller (internal/spec defines linuxkit's layout,
// containers/volumes/<name>/{lower,tmp,merged}), so the paths containers
// bind and the paths laid out here are the same strings.
type Volume struct {
	// Name is one path component, unique in the plan; errors name it.
	Name string
	// Lower receives the volume's content (Image or OCI); Tmp and Merged
	// are empty mount points for the overlay and for what containers see.
	Lower, Tmp, Merged string
	// Image is unpacked into the lower directory; nil makes an empty volume.
	Image v1.Image
	// OCI, instead of Image, writes an OCI image layout into the lower
	// directory (LinuxKit's `format: oci`).
	OCI *OCILayout
	// Readonly is the spec's flag. It changes nothing in the filesystem
	// (mount options are checked by the spec); it is kept for the record.
	Readonly bool
}

// File is one entry of the spec's files section. Exactly one of Directory,
// Symlink and Open may be set; otherwise it is a regular file holding
// Contents (which may be empty).
type File struct {
	// Path is where the entry goes; a leading "/" is ignored.
	Path string
	// Directory makes a directory.
	Directory bool
	// Symlink makes a symlink with this target (kept verbatim).
	Symlink string
	// Contents are the bytes of a regular file (contents: and metadata:).
	Contents []byte
	// Open streams a `source:` file and returns its size. It is called
	// once while indexing (for the size) and once while writing.
	Open func() (io.ReadCloser, int64, error)
	// Mode holds the permission bits (with setuid, setgid, sticky). Zero
	// selects LinuxKit's defaults: 0600, or 0700 for a directory.
	Mode int64
	// UID and GID own the entry and the parent directories it creates.
	UID, GID int
	// Optional skips a source file that cannot be opened.
	Optional bool
	// Where names the entry in errors, e.g. "spec.yml:12:5: files[0]";
	// empty, errors say files[N] with N the entry's index in the plan.
	Where string
}

func (p *Plan) modTime() time.Time {
	if p.ModTime.IsZero() {
		return DefaultModTime
	}
	return p.ModTime.UTC().Truncate(time.Second)
}

func (k *Kernel) binary() string {
	if k.Binary == "" {
		return "kernel"
	}
	return k.Binary
}

func (k *Kernel) tarball() string {
	switch k.Tar {
	case "":
		return "kernel.tar"
	case "none":
		return ""
	}
	return k.Tar
}

// mode returns the file's mode and the mode of the parent directories it
// creates, as LinuxKit computes them (x added wherever r or w is set).
func (f *File) mode() (mode, dirMode int64) {
	mode = f.Mode & 07777
	if mode == 0 {
		mode = 0600
		if f.Directory {
			mode = 0700
		}
	}
	dirMode = mode & 0777
	for _, class := range []int64{0700, 0070, 0007} {
		if dirMode&class != 0 {
			dirMode |= class & 0111
		}
	}
	return mode, dirMode
}

// validate checks the plan for mistakes of the caller (not of the images).
func (p *Plan) validate() error {
	if p == nil {
		return errors.New("rootfs: nil plan")
	}
	if p.Kernel != nil && p.Kernel.Image == nil {
		return errors.New("rootfs: kernel without an image")
	}
	for i, img := range p.Init {
		if img == nil {
			return fmt.Errorf("rootfs: init[%d] has no image", i)
		}
	}
	seen := map[string]bool{}
	for i, v := range p.Volumes {
		if !validComponent(v.Name) {
			return fmt.Errorf("rootfs: volumes[%d]: invalid volume name %q (one path component)", i, v.Name)
		}
		if v.OCI != nil && (v.Image != nil || v.OCI.Index == nil) {
			return fmt.Errorf("rootfs: volume %s: an OCI layout needs an index and no image", v.Name)
		}
		if seen[v.Name] {
			return fmt.Errorf("rootfs: duplicate volume name: %s", v.Name)
		}
		for _, d := range []string{v.Lower, v.Tmp, v.Merged} {
			if comps, err := splitClean(d); err != nil || len(comps) == 0 {
				return fmt.Errorf("rootfs: volume %s: invalid directory %q (lower, tmp and merged are required)", v.Name, d)
			}
		}
		seen[v.Name] = true
	}
	for i, b := range p.Bundles {
		if comps, err := splitClean(b.Dir); err != nil || len(comps) == 0 {
			return fmt.Errorf("rootfs: bundles[%d]: invalid directory %q", i, b.Dir)
		}
		if b.Image == nil {
			return fmt.Errorf("rootfs: bundle %s has no image", b.Dir)
		}
		if !json.Valid(b.ConfigJSON) {
			return fmt.Errorf("rootfs: bundle %s: config.json is not valid JSON", b.Dir)
		}
	}
	for i, f := range p.Files {
		n := 0
		for _, set := range []bool{f.Directory, f.Symlink != "", f.Open != nil} {
			if set {
				n++
			}
		}
		if n > 1 || (n == 1 && f.Contents != nil) {
			return fmt.Errorf("rootfs: files[%d] %q: more than one of directory, symlink, contents and source", i, f.Path)
		}
	}
	return nil
}
