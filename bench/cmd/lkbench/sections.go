package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Row is one line of the results: one operation done by us and, when
// there is one, by the peer tool on the same input. Basis is the input size
// the MB/s figures are computed from.
type Row struct {
	Section  string
	Op       string
	Basis    int64
	Ours     Measure
	PeerName string
	Peer     Measure
	Note     string
}

// suite holds the settings and the inputs shared between sections.
type suite struct {
	self      string // this executable, run as the child for our side
	lkvsphere string // bench/cmd/lkvsphere, our side of the vSphere rows
	work      string // generated inputs (cached) and outputs
	reps      int
	kernel    string // a Linux kernel for the boot media, or "" to generate a stand-in
	govc      string
	crane     string
	vcsim     string
	root      string   // the repository, where bench/buildbench runs
	packer    string   // the packer binary of the build section
	notes     []string // lines for the report's preamble

	isoOut, streamOut string // kept outputs the vSphere section uploads
}

// ours runs `lkbench run ARGS...` reps times.
func (s *suite) ours(out string, keep bool, args ...string) Measure {
	return repeat(s.reps, func(int) []stage { return cmd(append([]string{s.self, "run"}, args...)...) }, out, keep, nil)
}

// initrdSection: a ~96 MiB tree as a tar → our initrd.Write, against
// `find . | sort | cpio -o -H newc | gzip` and the same with pigz.
func (s *suite) initrdSection() ([]Row, error) {
	dir := filepath.Join(s.work, "initrd")
	tree, tarPath := filepath.Join(dir, "tree"), filepath.Join(dir, "tree.tar")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	err := cached(dir, "tree", func() error {
		if _, err := makeTree(tree); err != nil {
			return err
		}
		return tarTree(tree, tarPath)
	})
	if err != nil {
		return nil, err
	}
	var basis int64
	for _, e := range treeEntries() {
		basis += e.size
	}
	ours := s.ours(filepath.Join(dir, "ours.img"), false, "initrd", tarPath, filepath.Join(dir, "ours.img"))
	peer := func(zip ...string) Measure {
		return repeat(s.reps, func(int) []stage {
			return []stage{
				{argv: []string{"find", "."}, dir: tree},
				{argv: []string{"sort"}, env: []string{"LC_ALL=C"}},
				{argv: []string{"cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"}, dir: tree},
				{argv: zip},
			}
		}, filepath.Join(dir, "peer.img"), false, nil)
	}
	op := fmt.Sprintf("initrd: tar of %s in %d files → cpio.gz", mib(basis), len(treeEntries()))
	return []Row{
		{Section: "initrd", Op: op, Basis: basis, Ours: ours, PeerName: "find|sort|cpio|gzip -6", Peer: peer("gzip", "-6"),
			Note: "peer RSS is the sum of the four processes"},
		{Section: "initrd", Op: op, Basis: basis, Ours: ours, PeerName: "find|sort|cpio|pigz -6", Peer: peer("pigz", "-6"),
			Note: "pigz uses every core, as our parallel gzip does"},
	}, nil
}

// bootInputs returns the kernel and a 50 MiB initrd for the boot media.
func (s *suite) bootInputs() (kernel, initrdPath string, err error) {
	dir := filepath.Join(s.work, "boot")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	initrdPath = filepath.Join(dir, "initrd-50M.img")
	err = cached(dir, "initrd", func() error { return writeGenerated(initrdPath, "initrd", binary, 50<<20) })
	if err != nil {
		return "", "", err
	}
	kernel = s.kernel
	if kernel == "" {
		kernel = filepath.Join(dir, "kernel-stand-in")
		if err := cached(dir, "kernel", func() error { return writeGenerated(kernel, "kernel", binary, 14<<20) }); err != nil {
			return "", "", err
		}
		s.notes = append(s.notes, "No Linux kernel found: the boot media use a 14 MiB stand-in file.")
	}
	return kernel, initrdPath, nil
}

// isoSection: our media.WriteISOBIOS against xorriso on the same tree.
func (s *suite) isoSection() ([]Row, error) {
	kernel, initrdPath, err := s.bootInputs()
	if err != nil {
		return nil, err
	}
	rows, out, err := s.isoRows(filepath.Join(s.work, "iso"), "", kernel, initrdPath)
	s.isoOut = out
	return rows, err
}

// vmdkSection: our raw-bios disk (1 GiB) → our vmdk.Write against
// qemu-img convert, monolithicSparse and streamOptimized.
func (s *suite) vmdkSection() ([]Row, error) {
	kernel, initrdPath, err := s.bootInputs()
	if err != nil {
		return nil, err
	}
	rows, out, err := s.vmdkRows(filepath.Join(s.work, "vmdk"), "", kernel, initrdPath)
	s.streamOut = out
	return rows, err
}

// isoRows: media.WriteISOBIOS of kernel + initrd in dir (recreated) against xorriso on the
// same tree, runs alternating; op names start with prefix. It returns the path of our iso.
func (s *suite) isoRows(dir, prefix, kernel, initrdPath string) ([]Row, string, error) {
	tree := filepath.Join(dir, "tree")
	if err := os.RemoveAll(dir); err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(filepath.Join(tree, "isolinux"), 0o755); err != nil {
		return nil, "", err
	}
	for dst, src := range map[string]string{
		"isolinux/isolinux.bin": "/usr/lib/ISOLINUX/isolinux.bin",
		"isolinux/ldlinux.c32":  "/usr/lib/syslinux/modules/bios/ldlinux.c32",
		"kernel":                kernel,
		"initrd.img":            initrdPath,
	} {
		if err := copyFile(filepath.Join(tree, dst), src); err != nil {
			return nil, "", fmt.Errorf("xorriso tree: %w", err)
		}
	}
	cfg := "serial 0 115200\ndefault linux\nprompt 0\ntimeout 0\nlabel linux\n  kernel /kernel\n  append initrd=/initrd.img " + benchCmdline + "\n"
	if err := os.WriteFile(filepath.Join(tree, "isolinux", "isolinux.cfg"), []byte(cfg), 0o644); err != nil {
		return nil, "", err
	}
	basis := fileSize(kernel) + fileSize(initrdPath)
	out := filepath.Join(dir, "ours.iso")
	peerOut := filepath.Join(dir, "xorriso.iso")
	ours, peer := s.alternate(func(int) []stage { return cmd(s.self, "run", "iso", kernel, initrdPath, out) }, "",
		func(int) []stage {
			_ = os.Remove(peerOut)
			return cmd("xorriso", "-as", "mkisofs", "-o", peerOut, "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat",
				"-no-emul-boot", "-boot-load-size", "4", "-boot-info-table", "-isohybrid-mbr", "/usr/lib/ISOLINUX/isohdpfx.bin",
				"-R", "-J", "-V", "LINUXKIT", tree)
		}, "")
	ours.OutBytes, peer.OutBytes = fileSize(out), fileSize(peerOut)
	_ = os.Remove(peerOut)
	op := fmt.Sprintf("%siso-bios: kernel %s + initrd %s", prefix, mib(fileSize(kernel)), mib(fileSize(initrdPath)))
	return []Row{{Section: "iso-bios", Op: op, Basis: basis, Ours: ours, PeerName: "xorriso -as mkisofs", Peer: peer}}, out, nil
}

// vmdkRows: our raw-bios disk (1 GiB) of kernel + initrd in dir (recreated), then our
// vmdk.Write of it against qemu-img convert, monolithicSparse and streamOptimized, runs
// alternating. It returns the path of our streamOptimized vmdk.
func (s *suite) vmdkRows(dir, prefix, kernel, initrdPath string) ([]Row, string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	const disk = 1 << 30
	raw := filepath.Join(dir, "disk.raw")
	rawRow := Row{Section: "raw-bios", Op: prefix + "raw-bios: 1 GiB disk from the same kernel + initrd", Basis: fileSize(kernel) + fileSize(initrdPath),
		Ours: s.ours(raw, true, "raw", kernel, initrdPath, raw, strconv.Itoa(disk)),
		Note: "no peer; the isohybrid image, then a hole up to 1 GiB (size is the apparent size)"}
	if !rawRow.Ours.ok() {
		return []Row{rawRow}, "", nil
	}
	rows := []Row{rawRow}
	var streamOut string
	for _, sub := range []struct{ name, arg, qemu string }{
		{"monolithicSparse", "sparse", "monolithicSparse"},
		{"streamOptimized", "stream", "streamOptimized"},
	} {
		out := filepath.Join(dir, "ours-"+sub.arg+".vmdk")
		peerOut := filepath.Join(dir, "qemu-"+sub.arg+".vmdk")
		ours, peer := s.alternate(func(int) []stage { return cmd(s.self, "run", "vmdk", sub.arg, raw, out) }, "",
			func(int) []stage {
				_ = os.Remove(peerOut)
				return cmd("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat="+sub.qemu, raw, peerOut)
			}, "")
		ours.OutBytes, peer.OutBytes = fileSize(out), fileSize(peerOut)
		_ = os.Remove(peerOut)
		if sub.arg == "stream" {
			streamOut = out
		} else {
			_ = os.Remove(out)
		}
		rows = append(rows, Row{Section: "vmdk", Op: prefix + "vmdk " + sub.name + " from the 1 GiB raw-bios disk", Basis: disk,
			Ours: ours, PeerName: "qemu-img convert", Peer: peer, Note: "MB/s over the disk's 1 GiB capacity"})
	}
	return rows, streamOut, nil
}

// mib formats a byte count.
func mib(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}
