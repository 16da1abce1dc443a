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
variable "reuse" { type = bool }

source "linuxkit" "bench" {
  spec                = var.spec
  output_name         = "lk"
  formats             = var.formats
  output_directory    = var.out
  cache_dir           = var.cache
  insecure_registries = [var.host]
  reuse_outputs       = var.reuse
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
		out := filepath.Join(p.Dir, "out-big")
		peerOut := filepath.Join(p.Dir, "peer.img")
		peer := func() {
			c := exec.Command("sh", "-c", "find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | pigz -6 > "+peerOut)
			c.Dir = tree
			if b, err := c.CombinedOutput(); err != nil {
				t.Fatalf("peer: %v\n%s", err, b)
			}
		}
		for _, reuse := range []bool{false, true} {
			build := buildArgs(spec, out, cache, reg.Host, `["kernel+initrd"]`, tpl, reuse)
			p.Build(t, nil, build...) // warms the cache (and, with reuse, records the build)
			ours, theirs := alternate(t, reps, func() { p.Build(t, nil, build...) }, peer)
			initrd := filepath.Join(out, "lk-initrd.img")
			row := Row{Op: "BUILD packer build -force, warm cache: Go tree as one image layer → kernel+initrd",
				Ours: ours, OursBytes: size(t, initrd), Peer: "find|sort|cpio|pigz -6 (extracted tree)", PeerS: theirs, PeerBytes: size(t, peerOut),
				Note: fmt.Sprintf("reuse_outputs = false: every build writes the initrd (layers and listings cached); our initrd also holds the kernel's modules and the fixture init image, so the sizes do not compare: against pigz -6 of our own cpio it is %.3f×", float64(size(t, initrd))/float64(pigzOf(t, initrd)))}
			if reuse {
				row.Op = "BUILD packer build -force, unchanged inputs: Go tree as one image layer → kernel+initrd"
				row.Note = "reuse_outputs (the default): the outputs of the same inputs are kept once their sha256 is checked"
			}
			rows = append(rows, row)
		}
	}

	var services strings.Builder
	services.WriteString("services:\n")
	for i := range 8 {
		fmt.Fprintf(&services, "  - name: svc%d\n    image: %s\n", i, fx.Service)
	}
	for _, reuse := range []bool{false, true} {
		small := buildArgs(testrig.FixtureSpec(fx, "console=ttyS0", services.String()), filepath.Join(p.Dir, "out-small"), cache, reg.Host,
			`["kernel+initrd", "iso-bios", "vmdk"]`, tpl, reuse)
		p.Build(t, nil, small...)
		validate := append([]string{"validate"}, small[3:]...) // no -force, no -color
		ours, start := alternate(t, reps, func() { logSteps(t, p.Build(t, nil, small...)) }, func() {
			if r := p.Run(t, validate...); r.ExitCode != 0 {
				t.Fatalf("packer validate: %s", r.Output)
			}
		})
		op, why := "BUILD packer build -force, warm cache: 10-image spec → kernel+initrd + iso-bios + vmdk", "reuse_outputs = false, every build writes everything"
		if reuse {
			op, why = "BUILD packer build -force, unchanged inputs: 10-image spec → kernel+initrd + iso-bios + vmdk", "reuse_outputs (the default): the outputs are kept once their sha256 is checked"
		}
		rows = append(rows, Row{Op: op, Ours: ours, OursBytes: -1, Peer: "packer validate (packer's own start)", PeerS: start, PeerBytes: -1,
			Note: fmt.Sprintf("our part: %.2f s (build minus validate); %s; the time ratio means nothing here", ours-start, why)})
	}
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
func buildArgs(spec, out, cache, host, formats, tpl string, reuse bool) []string {
	return []string{"build", "-force", "-color=false", "-var", "spec=" + spec, "-var", "out=" + out,
		"-var", "cache=" + cache, "-var", "host=" + host, "-var", "formats=" + formats,
		"-var", "reuse=" + strconv.FormatBool(reuse), tpl}
}

// pigzOf is the size of pigz -6 of the cpio inside the gzipped initrd at path: the same bytes,
// compressed by the peer.
func pigzOf(t *testing.T, path string) int64 {
	t.Helper()
	b, err := exec.Command("sh", "-c", "gzip -dc < '"+path+"' | pigz -6 | wc -c").Output()
	if err != nil {
		t.Fatalf("pigz of %s: %v", path, err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatalf("pigz of %s: %q", path, b)
	}
	return n
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
