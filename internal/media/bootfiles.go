package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// Names of the syslinux boot files: the keys of BootFiles.Sources and BootFiles.Sums, and the
// file names looked up in a bootloader_dir and a bootloader image.
const (
	IsolinuxBinName = "isolinux.bin"
	LdlinuxC32Name  = "ldlinux.c32"
	IsohdpfxBinName = "isohdpfx.bin"
)

// DefaultBootloaderImage is the OCI image the boot files come from when neither bootloader_dir
// nor a host folder has them: linuxkit's own iso-bios tool image, whose Alpine syslinux keeps
// isolinux.bin, ldlinux.c32 and isohdpfx.bin in /usr/share/syslinux (tools/mkimage-iso-bios in
// github.com/linuxkit/linuxkit, tag from src/cmd/linuxkit/moby/build/images.yaml at commit
// 3bf33c3a11fc). UNVERIFIED: it could not be pulled where this was written (no registry access),
// so a release must check that it resolves and holds the three files.
const DefaultBootloaderImage = "linuxkit/mkimage-iso-bios:ad10f55bfe44f77cb115c2be785998873cb9f868"

// BootImageDir is the folder of a bootloader image that holds the boot files (no leading slash,
// as io/fs paths go).
const BootImageDir = "usr/share/syslinux"

// maxBootFileSize bounds what is read for one boot file (they are 432 bytes to ~120 KiB), so a
// wrong path cannot pull a huge file into memory.
const maxBootFileSize = 4 << 20

// BootFiles are the syslinux files a BIOS image needs. They are small, so they are held in
// memory; they are never vendored, but found by FindBootFiles.
type BootFiles struct {
	IsolinuxBin []byte // El Torito boot image, patched with the boot-info-table when written
	LdlinuxC32  []byte // isolinux's core module, loaded by isolinux.bin
	IsohdpfxBin []byte // the isohybrid MBR boot code; its first 432 bytes are used
	// Sources says where each file came from (file name → host path or image reference).
	Sources map[string]string
}

// BootImage is a bootloader OCI image to take the boot files from: Ref names it in Sources and
// errors, Open returns its flattened filesystem (the files are read from BootImageDir).
type BootImage struct {
	Ref  string
	Open func() (fs.FS, error)
}

// Sums returns each boot file's sha256 (file name → lowercase hex), for the artifact state.
func (b BootFiles) Sums() map[string]string {
	sum := func(p []byte) string { s := sha256.Sum256(p); return hex.EncodeToString(s[:]) }
	return map[string]string{
		IsolinuxBinName: sum(b.IsolinuxBin),
		LdlinuxC32Name:  sum(b.LdlinuxC32),
		IsohdpfxBinName: sum(b.IsohdpfxBin),
	}
}

var isolinuxVersion = regexp.MustCompile(`ISOLINUX ([0-9][0-9A-Za-z.~+-]*(?: [0-9]{8})?)`)

// Version returns the syslinux version isolinux.bin announces ("6.04 20200816"), or "".
func (b BootFiles) Version() string {
	if m := isolinuxVersion.FindSubmatch(b.IsolinuxBin); m != nil {
		return string(m[1])
	}
	return ""
}

// Validate checks that the files are what they claim: an isohybrid-capable isolinux.bin
// (syslinux ≥ 4, signature 0x7078c0fb at 0x40), an ELF ldlinux.c32 and at least 432 bytes of
// MBR code.
func (b BootFiles) Validate() error {
	from := func(name string) string {
		if s := b.Sources[name]; s != "" {
			return " (from " + s + ")"
		}
		return ""
	}
	var errs []error
	switch {
	case len(b.IsolinuxBin) < isohybridMagicOffset+4:
		errs = append(errs, fmt.Errorf("%s%s has %d bytes: too small", IsolinuxBinName, from(IsolinuxBinName), len(b.IsolinuxBin)))
	case binary.LittleEndian.Uint32(b.IsolinuxBin[isohybridMagicOffset:]) != isohybridMagic:
		errs = append(errs, fmt.Errorf("%s%s lacks the isohybrid signature 0x%08x at offset 0x%x: it is not an isolinux.bin of syslinux 4 or later",
			IsolinuxBinName, from(IsolinuxBinName), isohybridMagic, isohybridMagicOffset))
	}
	if !bytes.HasPrefix(b.LdlinuxC32, []byte("\x7fELF")) {
		errs = append(errs, fmt.Errorf("%s%s is not an ELF file: it is not syslinux 5 or later's ldlinux.c32", LdlinuxC32Name, from(LdlinuxC32Name)))
	}
	if len(b.IsohdpfxBin) < mbrCodeLen {
		errs = append(errs, fmt.Errorf("%s%s has %d bytes, need at least %d", IsohdpfxBinName, from(IsohdpfxBinName), len(b.IsohdpfxBin), mbrCodeLen))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("media: invalid boot files: %w", err)
	}
	return nil
}

// bootSet is one place holding all three boot files of one syslinux build.
type bootSet struct {
	label                       string
	isolinux, ldlinux, isohdpfx string
}

// flatSet is a folder holding the three files side by side.
func flatSet(label, dir string) bootSet {
	return bootSet{label, filepath.Join(dir, IsolinuxBinName), filepath.Join(dir, LdlinuxC32Name), filepath.Join(dir, IsohdpfxBinName)}
}

// hostBootSets are the well-known host folders, tried in order. Each set names files shipped by
// one syslinux source package, so the three files are of the same version (isolinux.bin and
// ldlinux.c32 of different versions refuse to work together); files are never mixed across sets.
var hostBootSets = []bootSet{
	{"Debian/Ubuntu (isolinux, syslinux-common)", "/usr/lib/ISOLINUX/isolinux.bin", "/usr/lib/syslinux/modules/bios/ldlinux.c32", "/usr/lib/ISOLINUX/isohdpfx.bin"},
	flatSet("Fedora/Alpine (syslinux)", "/usr/share/syslinux"),
	flatSet("Arch (syslinux)", "/usr/lib/syslinux/bios"),
	flatSet("Homebrew (Apple silicon)", "/opt/homebrew/share/syslinux"),
	flatSet("Homebrew (Intel)", "/usr/local/share/syslinux"),
}

// FindBootFiles finds syslinux's isolinux.bin, ldlinux.c32 and isohdpfx.bin (DESIGN §5):
//
//  1. dir (bootloader_dir), when not "": the three files side by side in it, and only there;
//  2. otherwise the well-known host folders (Debian/Ubuntu, Fedora, Alpine, Arch, Homebrew),
//     each taken only when it holds all three valid files;
//  3. otherwise image (bootloader_image; nil to skip), under /usr/share/syslinux.
//
// The result is validated, and Sources records where each file came from.
func FindBootFiles(dir string, image *BootImage) (BootFiles, error) {
	return findBootFiles(dir, hostBootSets, image)
}

func findBootFiles(dir string, hostSets []bootSet, image *BootImage) (BootFiles, error) {
	if dir != "" {
		b, err := loadBootSet(flatSet("bootloader_dir", dir))
		if err != nil {
			return BootFiles{}, fmt.Errorf("media: bootloader_dir %s: %w (it must hold %s, %s and %s of one syslinux version side by side)",
				dir, err, IsolinuxBinName, LdlinuxC32Name, IsohdpfxBinName)
		}
		return b, nil
	}
	var tried []string
	for _, set := range hostSets {
		b, err := loadBootSet(set)
		if err == nil {
			return b, nil
		}
		tried = append(tried, fmt.Sprintf("%s: %v", set.label, err))
	}
	if image != nil && image.Open != nil {
		b, err := loadBootImage(image)
		if err == nil {
			return b, nil
		}
		tried = append(tried, fmt.Sprintf("bootloader_image %s: %v", image.Ref, err))
	} else {
		tried = append(tried, "bootloader_image: not configured")
	}
	return BootFiles{}, fmt.Errorf("media: no syslinux boot files (%s, %s, %s) found; set bootloader_dir to a folder holding all three, "+
		"install syslinux on the host (Debian/Ubuntu: apt-get install isolinux syslinux-common; Fedora/Alpine: syslinux), "+
		"or set bootloader_image (default %s). Tried:\n  %s",
		IsolinuxBinName, LdlinuxC32Name, IsohdpfxBinName, DefaultBootloaderImage, strings.Join(tried, "\n  "))
}

// loadBootSet reads one host set; every file must exist and the set must validate.
func loadBootSet(set bootSet) (BootFiles, error) {
	b := BootFiles{Sources: map[string]string{
		IsolinuxBinName: set.isolinux, LdlinuxC32Name: set.ldlinux, IsohdpfxBinName: set.isohdpfx,
	}}
	var errs []error
	read := func(p string) []byte {
		data, err := readBounded(func() (fs.File, error) { return os.Open(p) })
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		}
		return data
	}
	b.IsolinuxBin, b.LdlinuxC32, b.IsohdpfxBin = read(set.isolinux), read(set.ldlinux), read(set.isohdpfx)
	if err := errors.Join(errs...); err != nil {
		return BootFiles{}, err
	}
	return b, b.Validate()
}

// loadBootImage reads the three files from BootImageDir of the image's filesystem.
func loadBootImage(image *BootImage) (BootFiles, error) {
	fsys, err := image.Open()
	if err != nil {
		return BootFiles{}, fmt.Errorf("open: %w", err)
	}
	b := BootFiles{Sources: map[string]string{}}
	var errs []error
	read := func(name string) []byte {
		p := path.Join(BootImageDir, name)
		b.Sources[name] = image.Ref + ":/" + p
		data, err := readBounded(func() (fs.File, error) { return fsys.Open(p) })
		if err != nil {
			errs = append(errs, fmt.Errorf("/%s: %w", p, err))
		}
		return data
	}
	b.IsolinuxBin, b.LdlinuxC32, b.IsohdpfxBin = read(IsolinuxBinName), read(LdlinuxC32Name), read(IsohdpfxBinName)
	if err := errors.Join(errs...); err != nil {
		return BootFiles{}, err
	}
	return b, b.Validate()
}

// readBounded reads a regular file of at most maxBootFileSize bytes.
func readBounded(open func() (fs.File, error)) ([]byte, error) {
	f, err := open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxBootFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBootFileSize {
		return nil, fmt.Errorf("larger than %d bytes: not a boot file", maxBootFileSize)
	}
	return data, nil
}
