package main

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/pgzip"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
)

// The pull section's fixtures: pullImages single-platform images of
// pullLayers gzip layers each, every layer its own (no blob is shared), and
// the latency the second row adds to every request.
const (
	pullImages  = 8
	pullLayers  = 4
	pullLatency = 20 * time.Millisecond
)

// pullLayerFiles are the files of one pull-fixture layer: incompressible
// bytes and text, about 5 MiB before gzip and 3 MiB after.
var pullLayerFiles = []treeEntry{
	{path: "data/blob.bin", size: 2 << 20, k: binary},
	{path: "data/words.txt", size: 3 << 20, k: text},
}

// pullSection pulls pullImages images of pullLayers layers from
// go-containerregistry's registry, which this process serves on loopback,
// into a cold cache: ours is `lkbench run pull` (internal/image's
// Store.Pull, what resolving a build's spec calls), the peer `crane pull
// --format=oci` of the same references into an OCI layout. The second row
// goes through a proxy that delays every request by pullLatency. Both rows
// count the requests each side makes.
func (s *suite) pullSection() ([]Row, error) {
	dir := filepath.Join(s.work, "pull")
	layers, basis, err := pullFixtures(dir)
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("%d images × %d layers (%s in all)", pullImages, pullLayers, mib(basis))
	rows := []Row{
		{Section: "pull", Op: "pull of " + what + " from a loopback registry into a cold cache", Basis: basis, PeerName: "crane pull --format=oci"},
		{Section: "pull", Op: fmt.Sprintf("the same pull through a proxy adding %d ms to every request", pullLatency.Milliseconds()), Basis: basis, PeerName: "crane pull --format=oci"},
	}
	if s.crane == "" {
		for i := range rows {
			rows[i].Ours, rows[i].Peer = Measure{Status: "skipped: crane unavailable"}, Measure{Status: "skipped: crane unavailable"}
		}
		return rows, nil
	}
	var regCounts, proxyCounts requestCounter
	reg, err := startRegistry(&regCounts)
	if err != nil {
		return nil, err
	}
	defer reg.close()
	if err := pushPullFixtures(reg.host, layers); err != nil {
		return nil, err
	}
	proxy, err := startLatencyProxy(reg.host, pullLatency, &proxyCounts)
	if err != nil {
		return nil, err
	}
	defer proxy.close()
	regCounts.reset()
	s.pullRow(&rows[0], dir, reg.host, &regCounts)
	s.pullRow(&rows[1], dir, proxy.host, &proxyCounts)
	rows[0].Note = fmt.Sprintf("ours: Store.Pull as a build calls it (every image at once, up to %d layers and %d manifests or configs in flight, each blob hashed and renamed into place (no fsync: blobs are hashed again before use), index.json under the cache lock); "+
		"crane: one process for all %d refs (crane pull takes several), images one after another, each image's layers all at once, nothing synced; %s",
		image.DefaultParallel, image.DefaultParallel, pullImages, rows[0].Note)
	return rows, nil
}

// pullRow fills r with our pull and crane's of the fixtures on host, runs
// alternating, each into a directory emptied before it starts, and with the
// requests each side made per pull (counted by c, which also shows that
// every run fetched every blob: the cache was cold).
func (s *suite) pullRow(r *Row, dir, host string, c *requestCounter) {
	refs := pullRefs(host)
	cache, layout := filepath.Join(dir, "ours-cache"), filepath.Join(dir, "crane-layout")
	r.Ours, r.Peer = s.alternate(func(int) []stage {
		_ = os.RemoveAll(cache)
		c.begin("ours")
		return cmd(s.self, "run", "pull", cache, strings.Join(refs, ","))
	}, "", func(int) []stage {
		_ = os.RemoveAll(layout)
		c.begin("peer")
		argv := append([]string{s.crane, "pull", "--insecure", "--format=oci", "--annotate-ref"}, refs...)
		return cmd(append(argv, layout)...)
	}, "")
	r.Ours.OutBytes, r.Peer.OutBytes = dirSize(cache), dirSize(layout)
	_ = os.RemoveAll(cache)
	_ = os.RemoveAll(layout)
	r.Note = fmt.Sprintf("requests per pull: ours %s; crane %s", c.describe("ours", s.reps), c.describe("peer", s.reps))
}

// pullRefs are the fixture references on host.
func pullRefs(host string) []string {
	refs := make([]string, pullImages)
	for i := range refs {
		refs[i] = fmt.Sprintf("%s/lkbench/pull-%d:v1", host, i)
	}
	return refs
}

// pullFixtures writes the fixture layers into dir (once: they are cached)
// and returns their paths, image by image, and their total size.
func pullFixtures(dir string) ([][]string, int64, error) {
	layers := make([][]string, pullImages)
	for i := range layers {
		for j := 0; j < pullLayers; j++ {
			layers[i] = append(layers[i], filepath.Join(dir, fmt.Sprintf("layer-%d-%d.tar.gz", i, j)))
		}
	}
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = cached(dir, "layers", func() error {
			for i, ls := range layers {
				for j, p := range ls {
					if err := writePullLayer(p, fmt.Sprintf("pull/%d/%d/", i, j)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	if err != nil {
		return nil, 0, err
	}
	var total int64
	for _, ls := range layers {
		for _, p := range ls {
			total += fileSize(p)
		}
	}
	return layers, total, nil
}

// writePullLayer writes one fixture layer, a gzip tar of pullLayerFiles
// whose contents are named by seed.
func writePullLayer(path, seed string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := pgzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	for _, e := range pullLayerFiles {
		if err := tw.WriteHeader(&tar.Header{Name: e.path, Typeflag: tar.TypeReg, Mode: 0o644, Size: e.size, ModTime: fixedTime}); err != nil {
			return err
		}
		if _, err := io.CopyN(tw, newGenerator(seed+e.path, e.k), e.size); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// pushPullFixtures pushes the fixture images into the registry on host:
// OCI manifests, config linux/amd64.
func pushPullFixtures(host string, layers [][]string) error {
	for i, ref := range pullRefs(host) {
		img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
		for _, p := range layers[i] {
			l, err := tarball.LayerFromFile(p, tarball.WithMediaType(types.OCILayer))
			if err != nil {
				return err
			}
			if img, err = mutate.AppendLayers(img, l); err != nil {
				return err
			}
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return err
		}
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture = "linux", "amd64"
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			return err
		}
		if err := pushImage(ref, img); err != nil {
			return err
		}
	}
	return nil
}

// pushImage writes img to ref over plain HTTP.
func pushImage(ref string, img v1.Image) error {
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		return err
	}
	if err := remote.Write(r, img); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	return nil
}

// dirSize is the total size of the regular files under dir, or -1.
func dirSize(dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		return -1
	}
	return n
}
