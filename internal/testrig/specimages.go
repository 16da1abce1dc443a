package testrig

import (
	"fmt"
	"os"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
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
	roles := map[string]func() v1.Image{}
	add := func(ref string, img func() v1.Image) {
		if _, ok := roles[ref]; !ok && ref != "" {
			roles[ref] = img
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
		add(s.Kernel.Image, func() v1.Image { return KernelImage(t) })
		for i, ref := range s.Init {
			if i == 0 {
				add(ref, func() v1.Image { return InitImage(t) })
			} else {
				add(ref, func() v1.Image { return placeholderImage(t, ref) })
			}
		}
		for _, list := range [][]specImageEntry{s.Onboot, s.Services, s.Shutdown} {
			for _, e := range list {
				add(e.Image, func() v1.Image {
					return BusyboxImage(t, v1.Config{Env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, WorkingDir: "/"})
				})
			}
		}
	}
	var pushed []string
	for ref, img := range roles {
		repoTag, err := dockerHubPath(ref)
		if err != nil {
			t.Fatalf("testrig: spec images: %v", err)
		}
		reg.Push(t, repoTag, img())
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

// placeholderImage is a one-file image standing in for an init image the fixture init
// replaces (runc, containerd); its file names what it stands for.
func placeholderImage(t testing.TB, ref string) v1.Image {
	t.Helper()
	v, err := cached("placeholder|"+ref, func() (any, error) {
		root := newTree()
		root.blob("usr/share/testrig/"+strings.NewReplacer("/", "_", ":", "_").Replace(ref),
			[]byte("testrig placeholder for "+ref+": the fixture init does its work\n"), 0o644)
		return buildImage(types.OCIManifestSchema1, types.OCIConfigJSON, types.OCILayer, "amd64", v1.Config{}, root)
	})
	if err != nil {
		t.Fatalf("testrig: placeholder image %s: %v", ref, err)
	}
	return v.(v1.Image)
}
