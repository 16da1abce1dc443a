package rootfs

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
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
		runtime, err := withMounts(b.RuntimeJSON, mounts)
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

// withMounts prepends mounts to the "mounts" array of a runtime.json object,
// keeping the order of its keys (a missing "mounts" goes after "cgroups",
// where LinuxKit's struct puts it), indented as LinuxKit writes it.
func withMounts(raw []byte, mounts []specs.Mount) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	type member struct {
		key   string
		value json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var members []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var m member
		m.key, _ = tok.(string)
		if err := dec.Decode(&m.value); err != nil {
			return nil, err
		}
		members = append(members, m)
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("trailing data after the object")
	}
	var list []json.RawMessage
	for _, m := range mounts {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		list = append(list, b)
	}
	mountsAt, cgroupsAt := -1, -1
	for i, m := range members {
		switch m.key {
		case "cgroups":
			cgroupsAt = i
		case "mounts":
			var old []json.RawMessage
			if err := json.Unmarshal(m.value, &old); err != nil {
				return nil, fmt.Errorf("mounts: %w", err)
			}
			list = append(list, old...)
			mountsAt = i
		}
	}
	value, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	if mountsAt < 0 {
		mountsAt = cgroupsAt + 1
		members = append(members[:mountsAt], append([]member{{key: "mounts"}}, members[mountsAt:]...)...)
	}
	members[mountsAt].value = value
	var compact bytes.Buffer
	compact.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			compact.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		compact.Write(k)
		compact.WriteByte(':')
		compact.Write(m.value)
	}
	compact.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "    "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
