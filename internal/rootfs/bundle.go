package rootfs

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"path"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// bundles lays out each container as LinuxKit's ImageBundle does:
//
//	<dir>/config.json, <dir>/runtime.json
//	readonly:  <dir>/rootfs/…                 (bind-mounted onto itself)
//	otherwise: <dir>/lower/…, <dir>/tmp/, <dir>/rootfs/ (tmpfs + overlay)
//
// A bundle whose image (by config digest) was already unpacked for an
// earlier bundle reuses that copy through its mounts instead of a second one.
func (ix *indexer) bundles(g *tree, bundles []Bundle) error {
	unpacked := map[v1.Hash]string{} // config digest → root directory
	for _, b := range bundles {
		where := "bundle " + b.Dir
		dir, _ := splitClean(b.Dir)
		sub := "rootfs"
		if !b.Readonly {
			sub = "lower"
		}
		key, err := b.Image.ConfigName()
		if err != nil {
			return fmt.Errorf("%s: image config: %w", where, err)
		}
		root, dup := unpacked[key]
		bundleDir, err := setDirs(g, dir)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if !dup {
			t, err := ix.flatten(where, b.Image, flattenOpts{whiteouts: true})
			if err != nil {
				return err
			}
			if err := fixup(t, false); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			dropDevices(t.root)
			rootDir, err := setDirs(g, append(dir[:len(dir):len(dir)], sub))
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			graft(rootDir, t.root)
			root = joinPath(dir) + "/" + sub
			unpacked[key] = root
		}
		mounts, extra := rootfsMounts(joinPath(dir), root, b.Readonly, dup)
		for _, d := range extra {
			if _, err := setDirs(g, append(dir[:len(dir):len(dir)], d)); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		runtime, err := runtimeJSON(b.Runtime, mounts)
		if err != nil {
			return fmt.Errorf("%s: runtime.json: %w", where, err)
		}
		for _, f := range []struct {
			name string
			data []byte
		}{{"config.json", b.ConfigJSON}, {"runtime.json", runtime}} {
			if err := g.count(); err != nil {
				return err
			}
			place(bundleDir, &node{name: f.name, typ: tar.TypeReg, mode: 0644, mtime: g.mtime, ino: dataInode(f.data)})
		}
	}
	return nil
}

// rootfsMounts returns the mounts that put the root filesystem (unpacked at
// root) in place at <dir>/rootfs, and the directories of <dir> they need.
func rootfsMounts(dir, root string, readonly, dup bool) ([]specs.Mount, []string) {
	rootfs := "/" + path.Join(dir, "rootfs")
	if readonly {
		var extra []string
		if dup {
			extra = []string{"rootfs"}
		}
		// bind from another bundle, or from itself: runc prefers a mount point
		return []specs.Mount{{Source: "/" + root, Destination: rootfs, Options: []string{"bind"}}}, extra
	}
	tmp := "/" + path.Join(dir, "tmp")
	return []specs.Mount{
		{Source: "tmpfs", Type: "tmpfs", Destination: tmp},
		// private: nothing else should see the temporary layers
		{Destination: tmp, Options: []string{"remount", "private"}},
		{Source: "overlay", Type: "overlay", Destination: rootfs, Options: []string{
			"lowerdir=/" + root, "upperdir=" + tmp + "/upper", "workdir=" + tmp + "/work",
		}},
	}, []string{"tmp", "rootfs"}
}

// setDirs makes each component of comps a directory (0755, root, our
// mtime), as LinuxKit's tar prefixes do: an existing directory takes that
// metadata, anything else in the way is replaced. It returns the last one.
func setDirs(g *tree, comps []string) (*node, error) {
	cur := g.root
	for _, c := range comps {
		if err := g.count(); err != nil {
			return nil, err
		}
		cur = place(cur, &node{name: c, typ: tar.TypeDir, mode: 0755, mtime: g.mtime})
	}
	return cur, nil
}

// runtimeJSON writes a bundle's runtime.json once: rt's own encoding with the
// rootfs mounts first, or only those mounts when the plan has no runtime
// config.
func runtimeJSON(rt RuntimeConfig, mounts []specs.Mount) ([]byte, error) {
	if rt != nil {
		return rt.JSON(mounts)
	}
	return json.MarshalIndent(struct {
		Mounts []specs.Mount `json:"mounts"`
	}{mounts}, "", "    ")
}
