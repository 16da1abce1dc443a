package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/seed844b7c54/packer-plugin-linuxkit/bench/buildbench"
)

// buildSection runs bench/buildbench (the real packer against the loopback registry, which
// only tests may use) and reads its rows: a warm build of the real section's Go tree as one
// image layer against the cpio|pigz pipeline, and a small 10-image spec against packer's own
// start. Its RSS columns stay empty: the processes are packer's.
func (s *suite) buildSection() ([]Row, error) {
	dir := filepath.Join(s.work, "_real")
	tree, tarPath, err := realTree(dir)
	if err != nil {
		return nil, err
	}
	out, err := filepath.Abs(filepath.Join(s.work, "build.json"))
	if err != nil {
		return nil, err
	}
	_ = os.Remove(out)
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	c := exec.Command("go", "test", "-tags=lkbench", "-count=1", "-timeout=60m", "-run=^TestBuildBench$", "./bench/buildbench")
	c.Dir = s.root
	c.Env = append(os.Environ(), "LKBENCH_BUILD_OUT="+out, "LKBENCH_TREE="+abs(tree), "LKBENCH_TREE_TAR="+abs(tarPath),
		"LKBENCH_REPS="+strconv.Itoa(s.reps))
	if s.packer != "" {
		c.Env = append(c.Env, "PACKER_BIN="+abs(s.packer))
	}
	c.Stdout, c.Stderr = os.Stderr, os.Stderr
	if err := c.Run(); err != nil {
		return nil, fmt.Errorf("bench/buildbench: %w", err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var brs []buildbench.Row
	if err := json.Unmarshal(data, &brs); err != nil {
		return nil, fmt.Errorf("%s: %w", out, err)
	}
	var rows []Row
	for _, b := range brs {
		rows = append(rows, Row{Section: "build", Op: b.Op, Ours: Measure{Seconds: b.Ours, OutBytes: b.OursBytes},
			PeerName: b.Peer, Peer: Measure{Seconds: b.PeerS, OutBytes: b.PeerBytes}, Note: b.Note})
	}
	return rows, nil
}
