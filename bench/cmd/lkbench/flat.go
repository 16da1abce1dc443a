package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// flatSection builds the one-layer images of layerImages in OCI layouts
// and measures our rootfs tar and our initrd (rootfs → cpio → gzip,
// streamed) of each. There is no peer: the point is that the peak RSS with
// 1 GiB of layer content is about that with 100 MiB (DESIGN §7). The index
// of the tree holds one header per entry, so the third image shows what ten
// times the entries cost.
func (s *suite) flatSection() ([]Row, error) {
	var rows []Row
	peaks := map[string]map[string]int64{}
	ops := []struct{ name, what string }{
		{"flat-tar", "rootfs tar"},
		{"flat-initrd", "initrd (rootfs → cpio.gz)"},
	}
	dir := filepath.Join(s.work, "flat")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, img := range layerImages {
		layoutDir := filepath.Join(dir, "layout-"+img.name)
		err := cached(dir, filepath.Base(layoutDir), func() error { return makeLayout(layoutDir, img) })
		if err != nil {
			return nil, err
		}
		files := layerFiles(img)
		var basis int64
		for _, e := range files {
			basis += e.size
		}
		for _, op := range ops {
			out := filepath.Join(dir, "out")
			m := s.ours(out, false, op.name, layoutDir, out)
			rows = append(rows, Row{Section: "memory", Op: fmt.Sprintf("%s of a %s layer in %d files", op.what, mib(basis), len(files)),
				Basis: basis, Ours: m})
			if m.ok() {
				if peaks[op.what] == nil {
					peaks[op.what] = map[string]int64{}
				}
				peaks[op.what][img.name] = m.RSSKiB
			}
		}
	}
	for _, op := range ops {
		p := peaks[op.what]
		if p["100M"] > 0 && p["1G"] > 0 {
			s.notes = append(s.notes, fmt.Sprintf("Memory flatness, %s: peak RSS %s with 1 GiB of layer content against %s with 100 MiB, same entries (×%.2f).",
				op.what, rssMiB(p["1G"]), rssMiB(p["100M"]), float64(p["1G"])/float64(p["100M"])))
		}
		if p["1G"] > 0 && p["1G-many"] > 0 {
			n := len(layerFiles(layerImages[2])) - len(layerFiles(layerImages[1]))
			s.notes = append(s.notes, fmt.Sprintf("Entries cost memory, bytes do not: %s of 1 GiB in %d more entries peaks at %s (+%.1f KiB per extra entry, the in-memory index).",
				op.what, n, rssMiB(p["1G-many"]), float64(p["1G-many"]-p["1G"])/float64(n)))
		}
	}
	return rows, nil
}

// rssMiB formats a peak RSS given in KiB.
func rssMiB(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }
