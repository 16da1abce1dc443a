//go:build lkbench

package buildbench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// Env is how lkbench drives the test: the results file (the test is skipped without it),
// the Go tree as a directory and as a tar, and the repetitions.
const (
	envOut  = "LKBENCH_BUILD_OUT"
	envTree = "LKBENCH_TREE"
	envTar  = "LKBENCH_TREE_TAR"
	envReps = "LKBENCH_REPS"
)

const template = `
variable "spec"  { type = string }
variable "out"   { type = string }
variable "cache" { type = string }
variable "host"  { type = string }
variable "formats" { type = list(string) }

source "linuxkit" "bench" {
  spec                = var.spec
  output_name         = "lk"
  formats             = var.formats
  output_directory    = var.out
  cache_dir           = var.cache
  insecure_registries = [var.host]
}

build {
  sources = ["source.linuxkit.bench"]
}
`

// TestBuildBench times, with runs alternating so all sides see the same load:
//   - a warm-cache `packer build -force` of the Go tree as one image layer into kernel+initrd,
//     against find|sort|cpio|pigz -6 of the extracted tree;
//   - a warm-cache `packer build -force` of a 10-image spec into kernel+initrd, iso-bios and
//     vmdk, against `packer validate` of the same template (packer's own start).
func TestBuildBench(t *testing.T) {
	out := os.Getenv(envOut)
	if out == "" {
		t.Fatalf("%s is not set: make bench (bench/cmd/lkbench -only build) runs this test", envOut)
	}
	reps, _ := strconv.Atoi(os.Getenv(envReps))
	reps = max(reps, 1)
	tree, tarPath := os.Getenv(envTree), os.Getenv(envTar)
	reg := testrig.StartRegistry(t)
	fx := testrig.PushFixtures(t, reg)
	p := testrig.NewPacker(t)
	tpl := p.WriteFile(t, "bench.pkr.hcl", template)
	cache := filepath.Join(p.Dir, "cache")

	var rows []Row
	if tree != "" {
		layer, err := tarball.LayerFromFile(tarPath, tarball.WithCompressedCaching)
		if err != nil {
			t.Fatal(err)
		}
		img, err := mutate.AppendLayers(empty.Image, layer)
		if err != nil {
			t.Fatal(err)
		}
		img, err = mutate.ConfigFile(img, &v1.ConfigFile{Architecture: "amd64", OS: "linux",
			RootFS: v1.RootFS{Type: "layers", DiffIDs: diffIDs(t, layer)}})
		if err != nil {
			t.Fatal(err)
		}
		ref := reg.Ref("bench/gotree:1")
		reg.Push(t, ref, img)
		spec := testrig.FixtureSpec(fx, "console=ttyS0", "") + "  - " + ref + "\n"
		build := buildArgs(spec, filepath.Join(p.Dir, "out-big"), cache, reg.Host, `["kernel+initrd"]`, tpl)
		p.Build(t, nil, build...) // warms the cache
		peerOut := filepath.Join(p.Dir, "peer.img")
		ours, theirs := alternate(t, reps, func() { p.Build(t, nil, build...) }, func() {
			c := exec.Command("sh", "-c", "find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | pigz -6 > "+peerOut)
			c.Dir = tree
			if b, err := c.CombinedOutput(); err != nil {
				t.Fatalf("peer: %v\n%s", err, b)
			}
		})
		rows = append(rows, Row{Op: "BUILD packer build -force, warm cache: Go tree as one image layer → kernel+initrd",
			Ours: ours, OursBytes: size(t, filepath.Join(p.Dir, "out-big", "lk-initrd.img")),
			Peer: "find|sort|cpio|pigz -6 (extracted tree)", PeerS: theirs, PeerBytes: size(t, peerOut),
			Note: "the whole packer run against the pipeline alone; our initrd also holds the fixture init image (busybox, runc), so the sizes do not compare"})
	}

	var services strings.Builder
	services.WriteString("services:\n")
	for i := range 8 {
		fmt.Fprintf(&services, "  - name: svc%d\n    image: %s\n", i, fx.Service)
	}
	small := buildArgs(testrig.FixtureSpec(fx, "console=ttyS0", services.String()), filepath.Join(p.Dir, "out-small"), cache, reg.Host,
		`["kernel+initrd", "iso-bios", "vmdk"]`, tpl)
	p.Build(t, nil, small...)
	validate := append([]string{"validate"}, small[3:]...) // no -force, no -color
	ours, start := alternate(t, reps, func() { logSteps(t, p.Build(t, nil, small...)) }, func() {
		if r := p.Run(t, validate...); r.ExitCode != 0 {
			t.Fatalf("packer validate: %s", r.Output)
		}
	})
	rows = append(rows, Row{Op: "BUILD packer build -force, warm cache: 10-image spec → kernel+initrd + iso-bios + vmdk",
		Ours: ours, OursBytes: -1, Peer: "packer validate (packer's own start)", PeerS: start, PeerBytes: -1,
		Note: fmt.Sprintf("our part: %.2f s (build minus validate); the time ratio means nothing here", ours-start)})
	b, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// logSteps logs the lines in which the builder reports how long a step took.
func logSteps(t *testing.T, r testrig.Result) {
	t.Helper()
	for _, l := range strings.Split(r.Output, "\n") {
		if strings.Contains(l, " in ") && strings.Contains(l, "ms") || strings.Contains(l, "s)") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

// buildArgs are the arguments of `packer build -force` of the template with its variables.
func buildArgs(spec, out, cache, host, formats, tpl string) []string {
	return []string{"build", "-force", "-color=false", "-var", "spec=" + spec, "-var", "out=" + out,
		"-var", "cache=" + cache, "-var", "host=" + host, "-var", "formats=" + formats, tpl}
}

// alternate runs a and b reps times each, interleaved, and returns their median seconds.
func alternate(t *testing.T, reps int, a, b func()) (float64, float64) {
	t.Helper()
	var da, db []float64
	for range reps {
		for _, side := range []struct {
			f func()
			d *[]float64
		}{{a, &da}, {b, &db}} {
			start := time.Now()
			side.f()
			*side.d = append(*side.d, time.Since(start).Seconds())
		}
	}
	t.Logf("ours %v, peer %v", da, db)
	return median(da), median(db)
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func size(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func diffIDs(t *testing.T, l v1.Layer) []v1.Hash {
	t.Helper()
	d, err := l.DiffID()
	if err != nil {
		t.Fatal(err)
	}
	return []v1.Hash{d}
}
