package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/initrd"
)

// The real section runs the pipeline on real files instead of generated ones: the Go
// distribution this bench was built with (GOROOT, without the *.a archives: about 230 MiB in
// 16k files of source, test data and binaries), then the boot media made from the machine's
// Debian kernel and that tree's initrd. Its inputs live under work/_real (the underscore keeps
// the copied Go sources out of `go ./...`).

// realTree copies GOROOT without *.a into dir/tree and writes it as dir/tree.tar, once.
func realTree(dir string) (tree, tarPath string, err error) {
	tree, tarPath = filepath.Join(dir, "tree"), filepath.Join(dir, "tree.tar")
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", "", fmt.Errorf("go env GOROOT: %w", err)
	}
	goroot := strings.TrimSpace(string(out))
	err = cached(dir, "tree", func() error {
		if err := copyTree(goroot, tree, func(p string) bool { return strings.HasSuffix(p, ".a") }); err != nil {
			return err
		}
		return tarTree(tree, tarPath)
	})
	return tree, tarPath, err
}

// copyTree copies the regular files, directories and symlinks under src to dst (recreated),
// leaving out the files skip names.
func copyTree(src, dst string, skip func(string) bool) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, to)
		case !d.Type().IsRegular() || skip(p):
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if err := copyFile(to, p); err != nil {
			return err
		}
		return os.Chmod(to, fi.Mode().Perm())
	})
}

// realSection: the Go tree's initrd against find|sort|cpio|pigz -6 (and the levels the
// default was chosen from), then iso-bios, raw-bios and both vmdks of the Debian kernel plus
// that initrd against xorriso and qemu-img. Ours and the peer's runs alternate.
func (s *suite) realSection() ([]Row, error) {
	if s.kernel == "" {
		return nil, fmt.Errorf("no Linux kernel (scripts/kernel.sh fetches one)")
	}
	dir := filepath.Join(s.work, "_real")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tree, tarPath, err := realTree(dir)
	if err != nil {
		return nil, err
	}
	var files int
	var basis int64
	_ = filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				files++
				basis += fi.Size()
			}
		}
		return nil
	})
	initrdPath := filepath.Join(dir, "initrd.img")
	peer := func(int) []stage {
		return []stage{
			{argv: []string{"find", "."}, dir: tree},
			{argv: []string{"sort"}, env: []string{"LC_ALL=C"}},
			{argv: []string{"cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"}, dir: tree},
			{argv: []string{"pigz", "-6"}},
		}
	}
	op := fmt.Sprintf("REAL initrd: Go tree (%s in %d files, no *.a) → cpio.gz", mib(basis), files)
	ours, theirs := s.alternate(
		func(int) []stage { return cmd(s.self, "run", "initrd", tarPath, initrdPath) }, "",
		peer, filepath.Join(dir, "peer.img"))
	ours.OutBytes = fileSize(initrdPath)
	rows := []Row{{Section: "real", Op: op, Basis: basis, Ours: ours, PeerName: "find|sort|cpio|pigz -6", Peer: theirs,
		Note: fmt.Sprintf("ours: gzip level %d, 1 MiB blocks (the default)", initrd.DefaultLevel)}}
	for _, level := range []string{strconv.Itoa(initrd.DefaultLevel - 1), strconv.Itoa(initrd.DefaultLevel + 1), "fast"} {
		out := filepath.Join(dir, "level.img")
		m, p := s.alternate(
			func(int) []stage {
				return cmd(s.self, "run", "initrd-tuned", level, strconv.Itoa(1<<20), tarPath, out)
			}, "", peer, filepath.Join(dir, "peer.img"))
		m.OutBytes = fileSize(out)
		_ = os.Remove(out)
		note := fmt.Sprintf("ours at gzip level %s instead (the table the default was chosen from)", level)
		if level == "fast" {
			note = fmt.Sprintf("ours with initrd_compression = \"speed\" (klauspost/compress level %d)", initrd.FastLevel)
		}
		rows = append(rows, Row{Section: "real", Op: op, Basis: basis, Ours: m, PeerName: "find|sort|cpio|pigz -6", Peer: p, Note: note})
	}
	_ = os.Remove(filepath.Join(dir, "peer.img"))
	if !ours.ok() {
		return rows, nil
	}
	iso, _, err := s.isoRows(filepath.Join(dir, "iso"), "REAL ", s.kernel, initrdPath)
	if err != nil {
		return nil, err
	}
	vmdks, _, err := s.vmdkRows(filepath.Join(dir, "vmdk"), "REAL ", s.kernel, initrdPath)
	return append(append(rows, iso...), vmdks...), err
}

// alternate runs a and b s.reps times each, interleaved (a, b, a, b …) so both see the same
// machine load, writing their stdout to outA and outB ("" when the command names its output).
func (s *suite) alternate(a func(int) []stage, outA string, b func(int) []stage, outB string) (Measure, Measure) {
	var sa, sb []sample
	var sizeA, sizeB int64
	for i := 0; i < s.reps; i++ {
		for _, side := range []struct {
			mk      func(int) []stage
			out     string
			samples *[]sample
			size    *int64
		}{{a, outA, &sa, &sizeA}, {b, outB, &sb, &sizeB}} {
			if side.out != "" {
				_ = os.Remove(side.out)
			}
			smp, err := runPipeline(side.mk(i), side.out)
			if err != nil {
				failed := Measure{Status: "failed: " + firstLine(err.Error())}
				return failed, failed
			}
			*side.samples = append(*side.samples, smp)
			if side.out != "" {
				*side.size = fileSize(side.out)
			}
		}
	}
	return summarize(sa, sizeA), summarize(sb, sizeB)
}
