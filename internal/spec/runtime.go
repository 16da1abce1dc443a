package spec

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// mounts builds config.json's mounts: linuxkit's defaults, then tmpfs, then
// binds, then explicit mounts, a later one replacing an earlier one at the
// same destination, sorted by destination (so /dev precedes /dev/pts).
func (b *ociBuilder) mounts(readonly bool) ([]specs.Mount, error) {
	y, l := b.y, b.l
	devOpts := []string{"nosuid", "strictatime", "mode=755", "size=65536k"}
	sysOpts := []string{"nosuid", "noexec", "nodev"}
	if readonly {
		devOpts = append(devOpts, "ro")
		sysOpts = append(sysOpts, "ro")
	}
	byDest := map[string]specs.Mount{
		"/proc":          {Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "nodev", "noexec", "relatime"}},
		"/dev":           {Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: devOpts},
		"/dev/pts":       {Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
		"/sys":           {Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: sysOpts},
		"/sys/fs/cgroup": {Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
	}
	for i, t := range pick(l.Tmpfs, y.Tmpfs) {
		m, err := parseTmpfs(t)
		if err != nil {
			return nil, b.fail(indexPath("tmpfs", i), y.Tmpfs != nil, err)
		}
		byDest[m.Destination] = m
	}
	binds := pick(mergeStrings(l.Binds, y.BindsAdd), y.Binds)
	for i, s := range binds {
		bs, err := parseBind(s)
		if err != nil {
			key := "binds"
			if y.Binds == nil && y.BindsAdd != nil {
				key = "binds.add"
			}
			return nil, b.fail(indexPath(key, i), y.Binds != nil || y.BindsAdd != nil, err)
		}
		byDest[bs.dst] = specs.Mount{Destination: bs.dst, Type: "bind", Source: bs.src, Options: bs.opts}
	}
	for i, m := range pick(l.Mounts, y.Mounts) {
		// linuxkit drops a mount's uidMappings/gidMappings here; they are
		// kept (completeMount only fills type, source and destination).
		full, err := completeMount(m)
		if err != nil {
			return nil, b.fail(indexPath("mounts", i), y.Mounts != nil, err)
		}
		full.Options = append([]string(nil), full.Options...)
		byDest[full.Destination] = full
	}
	out := make([]specs.Mount, 0, len(byDest))
	for _, m := range byDest {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Destination < out[j].Destination })
	return out, nil
}

// resolveRuntime combines the label's and the entry's runtime sections
// field by field (the entry wins), with every field present, as linuxkit
// writes runtime.json.
func resolveRuntime(label, yaml *Runtime) *Runtime {
	if label == nil {
		label = &Runtime{}
	}
	if yaml == nil {
		yaml = &Runtime{}
	}
	lns, yns := label.BindNS, yaml.BindNS
	if lns == nil {
		lns = &Namespaces{}
	}
	if yns == nil {
		yns = &Namespaces{}
	}
	str := func(l, y *string) *string {
		s := derefString(pickPtr(l, y))
		return &s
	}
	cgroups := orEmpty(pick(label.Cgroups, yaml.Cgroups))
	mounts := orEmpty(pick(label.Mounts, yaml.Mounts))
	mkdir := orEmpty(pick(label.Mkdir, yaml.Mkdir))
	ifaces := orEmpty(pick(label.Interfaces, yaml.Interfaces))
	return &Runtime{
		Cgroups:    &cgroups,
		Mounts:     &mounts,
		Mkdir:      &mkdir,
		Interfaces: &ifaces,
		BindNS: &Namespaces{
			Cgroup: str(lns.Cgroup, yns.Cgroup),
			Ipc:    str(lns.Ipc, yns.Ipc),
			Mnt:    str(lns.Mnt, yns.Mnt),
			Net:    str(lns.Net, yns.Net),
			Pid:    str(lns.Pid, yns.Pid),
			User:   str(lns.User, yns.User),
			Uts:    str(lns.Uts, yns.Uts),
		},
		Namespace: str(label.Namespace, yaml.Namespace),
	}
}

// orEmpty copies a list, turning nil into an empty (non-nil) list so that
// JSON writes [] like linuxkit.
func orEmpty[T any](list []T) []T {
	return append(make([]T, 0, len(list)), list...)
}

// Bundle describes where a container bundle sits in the root filesystem,
// which decides the rootfs mounts runtime.json starts with.
type Bundle struct {
	// Dir is the bundle directory without a leading slash, e.g.
	// "containers/services/sshd" (see BundleDir).
	Dir string
	// Readonly is config.json's root.readonly: the image is unpacked in
	// Dir/rootfs and bind mounted; otherwise it is unpacked in Dir/lower
	// and mounted as the lower layer of an overlay on a tmpfs.
	Readonly bool
	// SharedRoot, when set, is the ExtractDir of an earlier bundle of the
	// same image: linuxkit unpacks an image once and mounts it from there.
	SharedRoot string
}

// ExtractDir is where the image's files go (Dir/rootfs or Dir/lower), or
// SharedRoot when the files are shared with another bundle.
func (b Bundle) ExtractDir() string {
	if b.SharedRoot != "" {
		return b.SharedRoot
	}
	if b.Readonly {
		return path.Join(b.Dir, "rootfs")
	}
	return path.Join(b.Dir, "lower")
}

// RootfsMounts are the mounts linuxkit's init performs to build the
// container's root before the runtime.json mounts: a bind of ExtractDir on
// Dir/rootfs when read-only, otherwise a tmpfs on Dir/tmp (remounted
// private) and an overlay of ExtractDir with upper and work dirs in it.
func (b Bundle) RootfsMounts() []specs.Mount {
	root := "/" + path.Join(b.Dir, "rootfs")
	if b.Readonly {
		return []specs.Mount{{Source: "/" + b.ExtractDir(), Destination: root, Options: []string{"bind"}}}
	}
	tmp := "/" + path.Join(b.Dir, "tmp")
	return []specs.Mount{
		{Source: "tmpfs", Type: "tmpfs", Destination: tmp},
		{Destination: tmp, Options: []string{"remount", "private"}},
		{Source: "overlay", Type: "overlay", Destination: root, Options: []string{
			"lowerdir=/" + b.ExtractDir(), "upperdir=" + tmp + "/upper", "workdir=" + tmp + "/work",
		}},
	}
}

// RuntimeJSON returns the runtime.json of a bundle: rt (as returned by
// OCIConfig) with the bundle's RootfsMounts prepended to its mounts,
// indented like linuxkit's. rt is not modified.
func RuntimeJSON(rt *Runtime, b Bundle) ([]byte, error) {
	if rt == nil {
		rt = resolveRuntime(nil, nil)
	}
	out := *rt
	mounts := b.RootfsMounts()
	if rt.Mounts != nil {
		mounts = append(mounts, *rt.Mounts...)
	}
	out.Mounts = &mounts
	data, err := json.MarshalIndent(&out, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode runtime.json for %s: %w", b.Dir, err)
	}
	return data, nil
}

// ConfigJSON returns config.json for an OCI spec, indented like linuxkit's.
// The bytes are deterministic: struct fields in order, map keys sorted.
func ConfigJSON(s *specs.Spec) ([]byte, error) {
	data, err := json.MarshalIndent(s, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode config.json: %w", err)
	}
	return data, nil
}
