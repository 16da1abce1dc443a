package main

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/pgzip"
)

// layerImage is a generated one-layer image: about size bytes of content,
// in about files entries.
type layerImage struct {
	name  string
	size  int64
	files int
}

// layerImages are the images of the memory section. The first two have
// the same entries (the second's large files are more and bigger), so they
// compare bytes alone; the third has ten times the entries of the first.
var layerImages = []layerImage{
	{"100M", 100 << 20, 0},
	{"1G", 1 << 30, 0},
	{"1G-many", 1 << 30, 1},
}

// layerFiles lists the files of a layer image: 1,280 text files of 8 KiB,
// 120 files of 256 KiB and large files of the fast "repetitive" kind up to
// the image's size, 16 MiB each for the 100 MiB image and 64 MiB each
// otherwise. The "many" variant instead splits its size 60/30/10 % over
// 16 MiB, 256 KiB and 8 KiB files (about 14,000 entries).
func layerFiles(img layerImage) []treeEntry {
	var es []treeEntry
	add := func(n int64, each int64, k kind, dir string) {
		for i := int64(0); i < n; i++ {
			es = append(es, treeEntry{path: fmt.Sprintf("%s/d%03d/f%05d", dir, i%100, i), size: each, k: k})
		}
	}
	if img.files == 1 {
		add(img.size*60/100/(16<<20), 16<<20, repetitive, "data/large")
		add(img.size*30/100/(256<<10), 256<<10, repetitive, "data/medium")
		add(img.size*10/100/(8<<10), 8<<10, text, "data/small")
		return es
	}
	const small, medium = 1280 * 8 << 10, 120 * 256 << 10
	large := int64(16 << 20)
	if img.size > 256<<20 {
		large = 64 << 20
	}
	add((img.size-small-medium+large/2)/large, large, repetitive, "data/large")
	add(120, 256<<10, repetitive, "data/medium")
	add(1280, 8<<10, text, "data/small")
	return es
}

// hashingWriter writes through and hashes what it wrote.
type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

func (hw *hashingWriter) digest() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(hw.h.Sum(nil))}
}

// makeLayout writes an OCI image layout at dir holding one linux/amd64
// image with one gzip layer of the files of layerFiles(img).
func makeLayout(dir string, img layerImage) error {
	return writeLayout(dir, func(w io.Writer) error {
		tw := tar.NewWriter(w)
		dirs := map[string]bool{}
		for _, e := range layerFiles(img) {
			for _, d := range parents(e.path) {
				if !dirs[d] {
					dirs[d] = true
					if err := tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: fixedTime}); err != nil {
						return err
					}
				}
			}
			if err := tw.WriteHeader(&tar.Header{Name: e.path, Typeflag: tar.TypeReg, Mode: 0o644, Size: e.size, ModTime: fixedTime}); err != nil {
				return err
			}
			if _, err := io.CopyN(tw, newGenerator(e.path, e.k), e.size); err != nil {
				return err
			}
		}
		return tw.Close()
	})
}

// tarLayout writes an OCI image layout at dir whose one layer is the tar file at tarPath.
func tarLayout(dir, tarPath string) error {
	return writeLayout(dir, func(w io.Writer) error {
		f, err := os.Open(tarPath)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
}

// writeLayout writes an OCI image layout at dir holding one linux/amd64 image with one gzip
// layer, the tar stream layer writes. Digests are computed while the layer is written, in
// one pass.
func writeLayout(dir string, layer func(w io.Writer) error) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(blobs, "layer.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	compressed := &hashingWriter{w: bw, h: sha256.New()}
	zw, err := pgzip.NewWriterLevel(compressed, pgzip.BestSpeed)
	if err != nil {
		return err
	}
	uncompressed := &hashingWriter{w: zw, h: sha256.New()}
	if err := layer(uncompressed); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	layerDigest := compressed.digest()
	if err := os.Rename(tmp, filepath.Join(blobs, layerDigest.Hex)); err != nil {
		return err
	}

	cfg, err := json.Marshal(v1.ConfigFile{
		Architecture: "amd64", OS: "linux",
		RootFS: v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{uncompressed.digest()}},
	})
	if err != nil {
		return err
	}
	cfgDesc, err := writeBlob(blobs, types.OCIConfigJSON, cfg)
	if err != nil {
		return err
	}
	man, err := json.Marshal(v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cfgDesc,
		Layers: []v1.Descriptor{{MediaType: types.OCILayer, Size: compressed.n, Digest: layerDigest}},
	})
	if err != nil {
		return err
	}
	manDesc, err := writeBlob(blobs, types.OCIManifestSchema1, man)
	if err != nil {
		return err
	}
	manDesc.Platform = &v1.Platform{OS: "linux", Architecture: "amd64"}
	index, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{manDesc}})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// writeBlob stores data under its digest and describes it.
func writeBlob(blobs string, mt types.MediaType, data []byte) (v1.Descriptor, error) {
	sum := sha256.Sum256(data)
	h := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
	if err := os.WriteFile(filepath.Join(blobs, h.Hex), data, 0o644); err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Size: int64(len(data)), Digest: h}, nil
}

// parents lists the directories above a slash path, outermost first.
func parents(p string) []string {
	var out []string
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			out = append(out, p[:i])
		}
	}
	return out
}

// openLayoutImage returns the only image of the layout at dir.
func openLayoutImage(dir string) (v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("open layout %s: %w", dir, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(m.Manifests) != 1 {
		return nil, fmt.Errorf("layout %s holds %d manifests, want 1", dir, len(m.Manifests))
	}
	return idx.Image(m.Manifests[0].Digest)
}
