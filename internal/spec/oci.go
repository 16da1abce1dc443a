package spec

import (
	"fmt"
	"os"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ImageInfo is what OCIConfig needs from an image's config: the Dockerfile
// defaults and the labels (for org.mobyproject.config). The image's USER is
// deliberately absent: linuxkit ignores it (containers run as uid 0 unless
// the spec or label says otherwise), and so do we, to build the same rootfs.
type ImageInfo struct {
	Env        []string
	Cmd        []string
	Entrypoint []string
	WorkingDir string
	Labels     map[string]string
}

// ImageInfoFromConfig takes the fields OCIConfig uses from an image config.
func ImageInfoFromConfig(c v1.Config) ImageInfo {
	return ImageInfo{Env: c.Env, Cmd: c.Cmd, Entrypoint: c.Entrypoint, WorkingDir: c.WorkingDir, Labels: c.Labels}
}

// OCIConfig builds a container's config.json and runtime.json content from
// its spec entry and its image, with linuxkit's precedence: the image config
// (Env, Entrypoint+Cmd, WorkingDir) < the image's org.mobyproject.config
// label < the spec entry. Defaults are linuxkit's: mounts /proc, /dev
// (tmpfs), /dev/pts, /sys and /sys/fs/cgroup (read-only) and no /dev/shm or
// /dev/mqueue; a new pid and mount namespace, the host's net, ipc, uts and
// user namespaces; no capabilities; a writable root. ids resolves uid, gid
// and additionalGids written as names (linuxkit: Spec.ContainerIDs).
//
// Call Spec.ResolveVolumes on the entry first so binds naming volumes point
// at them. The result is a pure function of the arguments.
func OCIConfig(img *Image, cfg ImageInfo, ids IDResolver) (*specs.Spec, *Runtime, error) {
	if img == nil {
		return nil, nil, fmt.Errorf("OCI config: no image entry")
	}
	var label ImageConfig
	if text := cfg.Labels[LabelKey]; text != "" {
		l, err := ParseImageConfig(fmt.Sprintf("%s label %s", img.Image, LabelKey), []byte(text))
		if err != nil {
			return nil, nil, err
		}
		label = *l
	}
	b := &ociBuilder{img: img, y: &img.ImageConfig, l: &label, labelName: img.Image + " label " + LabelKey}
	oci, err := b.build(cfg, ids)
	if err != nil {
		return nil, nil, err
	}
	return oci, resolveRuntime(label.Runtime, img.Runtime), nil
}

// ociBuilder holds the two layers (label l, spec entry y) being combined.
type ociBuilder struct {
	img       *Image
	y, l      *ImageConfig
	labelName string
}

// fail reports err against key: in the spec entry when it set key, else in
// the label.
func (b *ociBuilder) fail(key string, fromYAML bool, err error) error {
	if fromYAML {
		return b.img.errorf(key, "%v", err)
	}
	return &Error{File: b.labelName, Path: key, Msg: err.Error()}
}

func (b *ociBuilder) build(cfg ImageInfo, ids IDResolver) (*specs.Spec, error) {
	y, l := b.y, b.l
	args := pick3(append(append([]string(nil), cfg.Entrypoint...), cfg.Cmd...), l.Command, y.Command)
	env := pick3(cfg.Env, l.Env, y.Env)
	cwd := firstNonEmpty(y.Cwd, l.Cwd, cfg.WorkingDir, "/")
	readonly := pickBool(l.Readonly, y.Readonly)

	mounts, err := b.mounts(readonly)
	if err != nil {
		return nil, err
	}
	caps, bounding, ambient, err := b.capabilities()
	if err != nil {
		return nil, err
	}
	rlimits, err := b.rlimits()
	if err != nil {
		return nil, err
	}
	user, err := b.user(ids)
	if err != nil {
		return nil, err
	}
	resources, devices, err := b.devices()
	if err != nil {
		return nil, err
	}
	oci := &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			User: user,
			Args: args,
			Env:  env,
			Cwd:  cwd,
			Capabilities: &specs.LinuxCapabilities{
				Bounding:    bounding,
				Effective:   caps,
				Inheritable: bounding,
				Permitted:   bounding,
				Ambient:     ambient,
			},
			Rlimits:         rlimits,
			NoNewPrivileges: pickBool(l.NoNewPrivileges, y.NoNewPrivileges),
			OOMScoreAdj:     copyPtr(pickPtr(l.OOMScoreAdj, y.OOMScoreAdj)),
		},
		Root:        &specs.Root{Path: "rootfs", Readonly: readonly},
		Hostname:    firstNonEmpty(y.Hostname, l.Hostname),
		Mounts:      mounts,
		Annotations: copyMap(pickPtr(l.Annotations, y.Annotations)),
		Linux: &specs.Linux{
			UIDMappings:       copySlice(pickPtr(l.UIDMappings, y.UIDMappings)),
			GIDMappings:       copySlice(pickPtr(l.GIDMappings, y.GIDMappings)),
			Sysctl:            copyMap(pickPtr(l.Sysctl, y.Sysctl)),
			Resources:         resources,
			CgroupsPath:       derefString(pickPtr(l.CgroupsPath, y.CgroupsPath)),
			Namespaces:        b.namespaces(),
			Devices:           devices,
			RootfsPropagation: derefString(pickPtr(l.RootfsPropagation, y.RootfsPropagation)),
			MaskedPaths:       copySlice(pickPtr(l.MaskedPaths, y.MaskedPaths)),
			ReadonlyPaths:     copySlice(pickPtr(l.ReadonlyPaths, y.ReadonlyPaths)),
		},
	}
	return oci, nil
}

// capabilities returns the effective list (spec capabilities, else the
// label's merged with capabilities.add), the sorted bounding set (effective
// plus ambient) and the ambient list.
func (b *ociBuilder) capabilities() (caps, bounding, ambient []string, err error) {
	y, l := b.y, b.l
	raw := pick(mergeStrings(l.Capabilities, y.CapabilitiesAdd), y.Capabilities)
	caps, i, err := expandCaps(raw)
	if err != nil {
		// Blame the list the bad entry came from.
		switch {
		case y.Capabilities != nil:
			return nil, nil, nil, b.fail(indexPath("capabilities", i), true, err)
		case y.CapabilitiesAdd != nil && indexOf(*y.CapabilitiesAdd, raw[i]) >= 0:
			return nil, nil, nil, b.fail(indexPath("capabilities.add", indexOf(*y.CapabilitiesAdd, raw[i])), true, err)
		case l.Capabilities != nil && indexOf(*l.Capabilities, raw[i]) >= 0:
			return nil, nil, nil, b.fail(indexPath("capabilities", indexOf(*l.Capabilities, raw[i])), false, err)
		}
		return nil, nil, nil, b.fail("capabilities", false, err)
	}
	ambient, i, err = expandCaps(pick(l.Ambient, y.Ambient))
	if err != nil {
		return nil, nil, nil, b.fail(indexPath("ambient", i), y.Ambient != nil, err)
	}
	set := map[string]bool{}
	for _, c := range append(append([]string(nil), caps...), ambient...) {
		if !set[c] {
			set[c] = true
			bounding = append(bounding, c)
		}
	}
	sort.Strings(bounding)
	return caps, bounding, ambient, nil
}

// rlimits parses the rlimits of the spec entry, else of the label.
func (b *ociBuilder) rlimits() ([]specs.POSIXRlimit, error) {
	var out []specs.POSIXRlimit
	for i, s := range pick(b.l.Rlimits, b.y.Rlimits) {
		r, err := parseRlimit(s)
		if err != nil {
			return nil, b.fail(indexPath("rlimits", i), b.y.Rlimits != nil, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// user resolves uid, gid and additionalGids (spec entry, else label, else 0).
func (b *ociBuilder) user(ids IDResolver) (specs.User, error) {
	y, l := b.y, b.l
	var u specs.User
	var err error
	if u.UID, err = pickPtr(l.UID, y.UID).UID(ids); err != nil {
		return u, b.fail("uid", y.UID != nil, err)
	}
	if u.GID, err = pickPtr(l.GID, y.GID).GID(ids); err != nil {
		return u, b.fail("gid", y.GID != nil, err)
	}
	for i, g := range pick(l.AdditionalGids, y.AdditionalGids) {
		gid, err := g.GID(ids)
		if err != nil {
			return u, b.fail(indexPath("additionalGids", i), y.AdditionalGids != nil, err)
		}
		u.AdditionalGids = append(u.AdditionalGids, gid)
	}
	return u, nil
}

// devices builds the device nodes and their device-cgroup rules on top of
// the resources of the spec entry (else the label).
func (b *ociBuilder) devices() (*specs.LinuxResources, []specs.LinuxDevice, error) {
	resources := &specs.LinuxResources{}
	if r := pickPtr(b.l.Resources, b.y.Resources); r != nil {
		resources = deepCopy(r)
	}
	var devices []specs.LinuxDevice
	for i, dev := range pick(b.l.Devices, b.y.Devices) {
		if dev.Path == "all" {
			resources.Devices = append(resources.Devices, specs.LinuxDeviceCgroup{Allow: true, Type: dev.Type, Access: "rwm"})
			continue
		}
		mode, err := parseOctalMode(dev.Mode)
		if err != nil {
			return nil, nil, b.fail(indexPath("devices", i), b.y.Devices != nil, fmt.Errorf("cannot parse device mode as octal value: %w", err))
		}
		fileMode := os.FileMode(mode)
		major, minor := dev.Major, dev.Minor
		devices = append(devices, specs.LinuxDevice{Path: dev.Path, Type: dev.Type, Major: major, Minor: minor, FileMode: &fileMode})
		resources.Devices = append(resources.Devices, specs.LinuxDeviceCgroup{Allow: true, Type: dev.Type, Major: &major, Minor: &minor, Access: "rwm"})
	}
	return resources, devices, nil
}

// namespaces returns net, ipc, uts, pid, user and mount namespaces in
// linuxkit's order. net/ipc/uts/user default to the host's; pid defaults
// to new; "new" (and "none" for net) make a new one; a path joins it; a
// new mount namespace is always created.
func (b *ociBuilder) namespaces() []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	add := func(t specs.LinuxNamespaceType, v string, def string) {
		if v == "" {
			v = def
		}
		switch v {
		case "host", "root":
			return
		case "new", "none":
			v = ""
		}
		out = append(out, specs.LinuxNamespace{Type: t, Path: v})
	}
	y, l := b.y, b.l
	add(specs.NetworkNamespace, firstNonEmpty(y.Net, l.Net), "host")
	add(specs.IPCNamespace, firstNonEmpty(y.Ipc, l.Ipc), "host")
	add(specs.UTSNamespace, firstNonEmpty(y.Uts, l.Uts), "host")
	add(specs.PIDNamespace, firstNonEmpty(y.Pid, l.Pid), "new")
	add(specs.UserNamespace, firstNonEmpty(y.Userns, l.Userns), "host")
	return append(out, specs.LinuxNamespace{Type: specs.MountNamespace})
}

// pick returns the spec's list if set, else the label's, else empty.
func pick[T any](label, yaml *[]T) []T {
	if yaml != nil {
		return *yaml
	}
	if label != nil {
		return *label
	}
	return nil
}

// pick3 is pick with the image config as the lowest layer.
func pick3(image []string, label, yaml *[]string) []string {
	if yaml != nil || label != nil {
		return copySlice(pickPtr(label, yaml))
	}
	return image
}

// pickPtr returns yaml if set, else label.
func pickPtr[T any](label, yaml *T) *T {
	if yaml != nil {
		return yaml
	}
	return label
}

func pickBool(label, yaml *bool) bool {
	if p := pickPtr(label, yaml); p != nil {
		return *p
	}
	return false
}

// mergeStrings appends add to base without repeating an entry. linuxkit's
// version never records what it has seen, so it repeats entries; this one
// deduplicates, as intended.
func mergeStrings(base, add *[]string) *[]string {
	switch {
	case base == nil && add == nil:
		return &[]string{}
	case add == nil:
		return base
	case base == nil:
		return add
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string(nil), *base...), *add...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return &out
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func copySlice[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return append([]T(nil), *p...)
}

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func copyMap(p *map[string]string) map[string]string {
	if p == nil {
		return nil
	}
	out := make(map[string]string, len(*p))
	for k, v := range *p {
		out[k] = v
	}
	return out
}
