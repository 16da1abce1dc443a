package assemble

import (
	"fmt"
	"io"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/spec"
)

// Images returns the local image for a reference exactly as it appears in the
// spec (normally pinned, `repo@sha256:…`).
type Images func(ref string) (v1.Image, error)

// Options tune Plan.
type Options struct {
	// ModTime is the mtime of every entry the build creates; zero means
	// rootfs.DefaultModTime (linuxkit's 2017-04-18T16:30:00Z).
	ModTime time.Time
	// Metadata is the spec that files with `metadata: yaml|json` receive;
	// nil means the spec being planned. The builder passes a copy whose
	// source paths are reduced to base names, so host paths never reach
	// the image and the bytes do not depend on the build directory.
	Metadata *spec.Spec
}

// Plan builds the rootfs plan of s. Every image reference is looked up with
// images; a `files[].source` entry becomes an opener of the host file
// (File.SourcePath) that rootfs calls when it reads the entry, so Plan itself
// reads and writes no file.
func Plan(s *spec.Spec, images Images, opts Options) (*rootfs.Plan, error) {
	p := &rootfs.Plan{ModTime: opts.ModTime}
	if k := s.Kernel; k != nil && k.Image != "" {
		img, err := images(k.Image)
		if err != nil {
			return nil, fmt.Errorf("kernel %s: %w", k.Image, err)
		}
		p.Kernel = &rootfs.Kernel{Image: img, Binary: k.Binary, Cmdline: k.Cmdline}
		if k.Tar != nil {
			p.Kernel.Tar = *k.Tar
			if *k.Tar == "" {
				p.Kernel.Tar = "none"
			}
		}
		if k.UCode != nil {
			p.Kernel.UCode = *k.UCode
		}
	}
	for i, ref := range s.Init {
		img, err := images(ref)
		if err != nil {
			return nil, fmt.Errorf("init[%d] %s: %w", i, ref, err)
		}
		p.Init = append(p.Init, img)
	}
	for _, v := range s.Volumes {
		vol := rootfs.Volume{Name: v.Name, Lower: v.LowerDir(), Tmp: v.TmpDir(), Merged: v.MergedDir(), Readonly: v.ReadOnly}
		if v.Format != "" && v.Format != "filesystem" {
			return nil, fmt.Errorf("volumes: %s: format %q is not supported yet (only \"filesystem\")", v.Name, v.Format)
		}
		if v.Image != "" {
			img, err := images(v.Image)
			if err != nil {
				return nil, fmt.Errorf("volumes: %s: %w", v.Name, err)
			}
			vol.Image = img
		}
		p.Volumes = append(p.Volumes, vol)
	}
	ids := s.ContainerIDs()
	sections := []struct {
		name    string
		entries []*spec.Image
	}{{"onboot", s.Onboot}, {"onshutdown", s.Onshutdown}, {"services", s.Services}}
	for _, sec := range sections {
		for i, entry := range sec.entries {
			b, err := bundle(s, sec.name, i, entry, images, ids)
			if err != nil {
				return nil, fmt.Errorf("%s[%d] %s: %w", sec.name, i, entry.Name, err)
			}
			p.Bundles = append(p.Bundles, b)
		}
	}
	meta := opts.Metadata
	if meta == nil {
		meta = s
	}
	for i, f := range s.Files {
		rf, err := file(meta, f, ids)
		if err != nil {
			return nil, fmt.Errorf("files[%d] %s: %w", i, f.Path, err)
		}
		p.Files = append(p.Files, rf)
	}
	return p, nil
}

func bundle(s *spec.Spec, section string, index int, entry *spec.Image, images Images, ids spec.IDResolver) (rootfs.Bundle, error) {
	img, err := images(entry.Image)
	if err != nil {
		return rootfs.Bundle{}, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return rootfs.Bundle{}, fmt.Errorf("reading the image config of %s: %w", entry.Image, err)
	}
	resolved, err := s.ResolveVolumes(entry)
	if err != nil {
		return rootfs.Bundle{}, err
	}
	oci, rt, err := spec.OCIConfig(resolved, spec.ImageInfoFromConfig(cf.Config), ids)
	if err != nil {
		return rootfs.Bundle{}, err
	}
	config, err := spec.ConfigJSON(oci)
	if err != nil {
		return rootfs.Bundle{}, err
	}
	readonly := oci.Root != nil && oci.Root.Readonly
	b := rootfs.Bundle{
		Dir:        spec.BundleDir(section, index, entry.Name),
		Image:      img,
		ConfigJSON: config,
		Readonly:   readonly,
	}
	// rootfs writes runtime.json with the rootfs mounts (bind or overlay)
	// first, because it decides where the image's files go (and shares them
	// between bundles).
	if rt != nil {
		b.Runtime = rt
	}
	return b, nil
}

// file translates one files entry; meta is the spec a metadata entry receives.
func file(meta *spec.Spec, f *spec.File, ids spec.IDResolver) (rootfs.File, error) {
	rf := rootfs.File{Path: f.Path, Directory: f.Directory, Symlink: f.Symlink, Optional: f.Optional}
	if f.Pos.Line > 0 {
		rf.Where = f.Pos.String()
		if f.Pos.Path != "" {
			rf.Where += ": " + f.Pos.Path
		}
	}
	if f.Mode != "" {
		mode, err := strconv.ParseInt(f.Mode, 8, 32)
		if err != nil {
			return rf, fmt.Errorf("mode %q: %w", f.Mode, err)
		}
		rf.Mode = mode
	}
	if f.UID != nil {
		uid, err := f.UID.UID(ids)
		if err != nil {
			return rf, fmt.Errorf("uid: %w", err)
		}
		rf.UID = int(uid)
	}
	if f.GID != nil {
		gid, err := f.GID.GID(ids)
		if err != nil {
			return rf, fmt.Errorf("gid: %w", err)
		}
		rf.GID = int(gid)
	}
	switch {
	case f.Contents != nil:
		rf.Contents = []byte(*f.Contents)
	case f.Metadata != "":
		data, err := meta.Metadata(f.Metadata)
		if err != nil {
			return rf, err
		}
		rf.Contents = data
	case f.Source != "":
		path := f.SourcePath()
		rf.Open = func() (io.ReadCloser, int64, error) {
			fh, err := safeio.OpenRegular(path, "source")
			if err != nil {
				return nil, 0, err
			}
			st, err := fh.Stat()
			if err != nil {
				fh.Close()
				return nil, 0, fmt.Errorf("source %s: %w", path, err)
			}
			return fh, st.Size(), nil
		}
	}
	return rf, nil
}
