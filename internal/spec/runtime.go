package spec

import (
	"encoding/json"
	"fmt"
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

// ConfigJSON returns config.json for an OCI spec, indented like linuxkit's.
// The bytes are deterministic: struct fields in order, map keys sorted.
func ConfigJSON(s *specs.Spec) ([]byte, error) {
	data, err := json.MarshalIndent(s, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode config.json: %w", err)
	}
	return data, nil
}

// JSON returns runtime.json for r, indented like linuxkit's, with
// rootfsMounts (the mounts that put the bundle's root filesystem in place,
// which only the rootfs layout knows) before r's own mounts. Fields keep
// the struct's order, which is linuxkit's. r is not modified; a nil r is an
// empty runtime section.
func (r *Runtime) JSON(rootfsMounts []specs.Mount) ([]byte, error) {
	var c Runtime
	if r != nil {
		c = *r
	}
	var own []specs.Mount
	if c.Mounts != nil {
		own = *c.Mounts
	}
	all := make([]specs.Mount, 0, len(rootfsMounts)+len(own))
	all = append(append(all, rootfsMounts...), own...)
	c.Mounts = &all
	data, err := json.MarshalIndent(&c, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode runtime.json: %w", err)
	}
	return data, nil
}
