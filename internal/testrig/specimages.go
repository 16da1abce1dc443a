package testrig

import (
	"fmt"
	"os"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"gopkg.in/yaml.v3"
)

// specImages is the part of a LinuxKit spec that names images.
type specImages struct {
	Kernel struct {
		Image string `yaml:"image"`
	} `yaml:"kernel"`
	Init     []string         `yaml:"init"`
	Onboot   []specImageEntry `yaml:"onboot"`
	Services []specImageEntry `yaml:"services"`
	Shutdown []specImageEntry `yaml:"onshutdown"`
}

type specImageEntry struct {
	Image string `yaml:"image"`
}

// PushSpecImages stands the fixture images in for every image the LinuxKit specs at paths
// name, pushed into reg under the same repository and tag, so a spec written for Docker Hub
// builds and boots offline through `registry_mirrors = { "docker.io" = reg.Host }`:
//   - the kernel image is KernelImage;
//   - the first init image is InitImage (busybox, runc and the fixture /init, which runs
//     every bundle), every other init image (runc, containerd) a tiny placeholder;
//   - every onboot, service and onshutdown image is BusyboxImage with a PATH, so the spec's
//     own command runs.
//
// It returns the references it pushed, as reg.Ref would spell them. Names are taken as
// Docker Hub's: "busybox:1.36" is pushed as library/busybox:1.36. Images with a registry
// host of their own are refused, since no mirror would reach them.
func PushSpecImages(t testing.TB, reg *Registry, paths ...string) []string {
	t.Helper()
	return pushSpecImages(t, reg, func(role specRole, ref string) remote.Taggable { return specFixture(t, role, ref, "amd64") }, paths)
}

// PushSpecImagesARM64 is PushSpecImages for specs built with arch = "arm64" as well: each
// reference is an image index holding the amd64 fixture and its arm64 counterpart
// (KernelImageARM64, InitImageARM64, BusyboxImageARM64), so amd64 and arm64 builds of the same
// spec both find their platform. It needs the arm64 parts (ARM64Parts).
func PushSpecImagesARM64(t testing.TB, reg *Registry, paths ...string) []string {
	t.Helper()
	return pushSpecImages(t, reg, func(role specRole, ref string) remote.Taggable {
		idx, err := multiArchIndex(specFixture(t, role, ref, "amd64"), specFixture(t, role, ref, "arm64"))
		if err != nil {
			t.Fatalf("testrig: spec images: %s: %v", ref, err)
		}
		return idx
	}, paths)
}

// specRole is what an image does in a spec, which decides the fixture standing in for it.
type specRole int

const (
	roleKernel      specRole = iota // kernel.image
	roleInit                        // the first init image
	rolePlaceholder                 // the other init images (runc, containerd)
	roleContainer                   // onboot, service and onshutdown images
)

// specFixture is the fixture image of arch for an image of role named ref.
func specFixture(t testing.TB, role specRole, ref, arch string) v1.Image {
	t.Helper()
	containerCfg := v1.Config{Env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, WorkingDir: "/"}
	switch {
	case role == roleKernel && arch == "arm64":
		return KernelImageARM64(t)
	case role == roleKernel:
		return KernelImage(t)
	case role == roleInit && arch == "arm64":
		return InitImageARM64(t)
	case role == roleInit:
		return InitImage(t)
	case role == rolePlaceholder:
		return placeholderImage(t, ref, arch)
	case arch == "arm64":
		return BusyboxImageARM64(t, containerCfg)
	default:
		return BusyboxImage(t, containerCfg)
	}
}

// pushSpecImages reads the specs at paths and pushes fixture(role, ref) for every image they
// name, once per reference.
func pushSpecImages(t testing.TB, reg *Registry, fixture func(specRole, string) remote.Taggable, paths []string) []string {
	t.Helper()
	roles := map[string]specRole{}
	add := func(ref string, role specRole) {
		if _, ok := roles[ref]; !ok && ref != "" {
			roles[ref] = role
		}
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("testrig: spec images: %v", err)
		}
		var s specImages
		if err := yaml.Unmarshal(data, &s); err != nil {
			t.Fatalf("testrig: spec images: %s: %v", p, err)
		}
		add(s.Kernel.Image, roleKernel)
		for i, ref := range s.Init {
			if i == 0 {
				add(ref, roleInit)
			} else {
				add(ref, rolePlaceholder)
			}
		}
		for _, list := range [][]specImageEntry{s.Onboot, s.Services, s.Shutdown} {
			for _, e := range list {
				add(e.Image, roleContainer)
			}
		}
	}
	var pushed []string
	for ref, role := range roles {
		repoTag, err := dockerHubPath(ref)
		if err != nil {
			t.Fatalf("testrig: spec images: %v", err)
		}
		reg.Push(t, repoTag, fixture(role, ref))
		pushed = append(pushed, reg.Ref(repoTag))
	}
	return pushed
}

// dockerHubPath turns a Docker Hub reference ("busybox:1.36", "docker.io/linuxkit/init:x")
// into its repository path and tag on a mirror ("library/busybox:1.36", "linuxkit/init:x").
func dockerHubPath(ref string) (string, error) {
	ref = strings.TrimPrefix(ref, "docker.io/")
	if first, _, ok := strings.Cut(ref, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return "", fmt.Errorf("%s is not on Docker Hub, so no docker.io mirror serves it", ref)
	}
	if _, digest, ok := strings.Cut(ref, "@"); ok {
		return "", fmt.Errorf("%s is pinned to %s, which a fixture cannot match", ref, digest)
	}
	if !strings.Contains(ref, "/") {
		ref = "library/" + ref
	}
	return ref, nil
}

// placeholderImage is a one-file image of arch standing in for an init image the fixture init
// replaces (runc, containerd); its file names what it stands for.
func placeholderImage(t testing.TB, ref, arch string) v1.Image {
	t.Helper()
	v, err := cached("placeholder|"+arch+"|"+ref, func() (any, error) {
		root := newTree()
		root.blob("usr/share/testrig/"+strings.NewReplacer("/", "_", ":", "_").Replace(ref),
			[]byte("testrig placeholder for "+ref+": the fixture init does its work\n"), 0o644)
		return buildImage(types.OCIManifestSchema1, types.OCIConfigJSON, types.OCILayer, arch, v1.Config{}, root)
	})
	if err != nil {
		t.Fatalf("testrig: placeholder image %s: %v", ref, err)
	}
	return v.(v1.Image)
}
