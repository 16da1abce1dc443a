package spec

import (
	"reflect"
	"strings"
	"testing"
)

func parseFile(t *testing.T, path string) *Spec {
	t.Helper()
	s, err := Parse("testdata/"+path, readTestdata(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMergeLikeLinuxkitBuild(t *testing.T) {
	base := parseFile(t, "merge/base.yml")
	over := parseFile(t, "merge/overlay/override.yml")
	baseCanon, _ := base.Canonical()

	m, err := Merge(base, over)
	if err != nil {
		t.Fatal(err)
	}
	k := m.Kernel
	if k.Image != "linuxkit/kernel:6.12.59" || k.Cmdline != "console=ttyS0" || k.UCode == nil || *k.UCode != "intel-ucode.cpio" || k.Tar != nil {
		t.Errorf("kernel = %+v", k)
	}
	if want := []string{"linuxkit/init:v1", "linuxkit/runc:v1", "linuxkit/ca-certificates:v1"}; !reflect.DeepEqual(m.Init, want) {
		t.Errorf("init = %q, want %q (deduplicated by normalized reference)", m.Init, want)
	}
	var onboot []string
	for _, img := range m.Onboot {
		onboot = append(onboot, img.Name)
	}
	if want := []string{"sysctl", "mount", "mount"}; !reflect.DeepEqual(onboot, want) {
		t.Errorf("onboot = %q, want %q (appended)", onboot, want)
	}
	var services []string
	for _, img := range m.Services {
		services = append(services, img.Name+"="+img.Image)
	}
	if want := []string{"getty=linuxkit/getty:v2", "rngd=linuxkit/rngd:v1", "web=nginx:1.27"}; !reflect.DeepEqual(services, want) {
		t.Errorf("services = %q, want %q (getty replaced in place)", services, want)
	}
	if (*m.Services[0].Env)[0] != "INSECURE=true" {
		t.Errorf("replaced service keeps old settings: %v", *m.Services[0].Env)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0].Error(), `testdata/merge/overlay/override.yml:12:11: services[0].name: service "getty" replaces the one defined at testdata/merge/base.yml:14:5`) {
		t.Errorf("warnings = %v", m.Warnings)
	}
	if len(m.Files) != 2 || m.Files[0].BaseDir != "testdata/merge" || m.Files[1].BaseDir != "testdata/merge/overlay" {
		t.Errorf("files = %+v %+v", m.Files[0], m.Files[1])
	}
	// linuxkit loses the first file's volumes; both are kept, and the web
	// service in the second file binds the first file's volume.
	if len(m.Volumes) != 2 || m.Volume("shared") == nil || m.Volume("scratch") == nil {
		t.Errorf("volumes = %+v", m.Volumes)
	}
	if _, err := m.ResolveVolumes(m.Services[2]); err != nil {
		t.Errorf("cross-file volume bind: %v", err)
	}
	if got, _ := base.Canonical(); string(got) != string(baseCanon) {
		t.Error("Merge modified its input")
	}
	m.Services[0].Name = "changed"
	if over.Services[0].Name != "getty" {
		t.Error("merged spec shares entries with its input")
	}
}

func TestMergeVolumeConflictNamesBothFiles(t *testing.T) {
	_, err := Merge(parseFile(t, "merge/base.yml"), parseFile(t, "merge/overlay/override.yml"), parseFile(t, "merge/dup-volume.yml"))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`testdata/merge/dup-volume.yml:2:11: volumes[0].name: volume "scratch" is already defined at testdata/merge/overlay/override.yml:24:5`,
		`testdata/merge/dup-volume.yml:3:11: volumes[1].name: volume "shared" is already defined at testdata/merge/base.yml:23:5`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error:\n%v\nmissing:\n%s", err, want)
		}
	}
}

func TestMergeChecks(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"kernel without image anywhere", []string{"kernel:\n  cmdline: x\n", "init: [a]\n"}, `f0.yml:2:3: kernel.image: the kernel section has no image`},
		{"volume missing", []string{"onboot:\n  - name: a\n    image: b\n    binds: [vol:/v]\n"}, `f0.yml:4:13: onboot[0].binds[0]: volume "vol" not found`},
		{"volume missing in mounts", []string{"volumes: [{name: v}]\n", "services:\n  - name: a\n    image: b\n    mounts:\n      - {type: bind, source: w, destination: /w}\n"}, `f1.yml:5:9: services[0].mounts[0]: volume "w" not found`},
		{"read-only volume written", []string{"volumes: [{name: v, readonly: true}]\n", "onboot:\n  - name: a\n    image: b\n    binds.add: [\"v:/v:rw\"]\n"}, `f1.yml:4:17: onboot[0].binds.add[0]: volume "v" is read-only, but is mounted read-write`},
		{"read-only volume mount rw", []string{"volumes: [{name: v, readonly: true}]\nonboot:\n  - name: a\n    image: b\n    mounts: [{type: bind, source: v, destination: /v, options: [rw]}]\n"}, `onboot[0].mounts[0]: volume "v" is read-only, but is mounted read-write`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var specs []*Spec
			for i, y := range tc.files {
				specs = append(specs, mustParse(t, "f"+string(rune('0'+i))+".yml", y))
			}
			_, err := Merge(specs...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant:\n%s", err, tc.want)
			}
		})
	}
	ok := []string{
		"kernel:\n  cmdline: x\n",
		"kernel:\n  image: linuxkit/kernel:6.6\n",
		"volumes: [{name: v, readonly: true}]\nonboot:\n  - name: a\n    image: b\n    binds: [\"v:/v:ro,rshared\"]\n    mounts: [{type: bind, source: v, destination: /w, options: [ro]}]\n",
	}
	var specs []*Spec
	for i, y := range ok {
		specs = append(specs, mustParse(t, "ok"+string(rune('0'+i))+".yml", y))
	}
	if _, err := Merge(specs...); err != nil {
		t.Errorf("kernel image from a later file, ro volume: %v", err)
	}
	if _, err := Merge(); err == nil {
		t.Error("Merge() accepted no spec")
	}
	if _, err := Merge(nil); err == nil {
		t.Error("Merge(nil) accepted")
	}
}

func TestResolveVolumesRewritesBindMounts(t *testing.T) {
	s := mustParse(t, "v.yml", `
volumes:
  - name: data
  - name: ro
    readonly: true
onboot:
  - name: a
    image: b
    binds.add: ["ro:/ro:ro"]
    mounts:
      - {type: bind, source: data, destination: /data, options: [rbind, rw]}
      - {type: bind, source: /etc, destination: /host-etc}
`)
	m, err := Merge(s)
	if err != nil {
		t.Fatal(err)
	}
	img, err := m.ResolveVolumes(m.Onboot[0])
	if err != nil {
		t.Fatal(err)
	}
	mounts := *img.Mounts
	// linuxkit leaves "data" here (it rewrites a copy); the volume path is
	// what the container needs.
	if mounts[0].Source != "/containers/volumes/data/merged" || mounts[1].Source != "/etc" {
		t.Errorf("mounts = %+v", mounts)
	}
	if (*img.BindsAdd)[0] != "/containers/volumes/ro/merged:/ro:ro" {
		t.Errorf("binds.add = %q", *img.BindsAdd)
	}
	if (*m.Onboot[0].Mounts)[0].Source != "data" {
		t.Error("ResolveVolumes modified the spec")
	}
	bad := mustParse(t, "w.yml", "onboot:\n  - name: a\n    image: b\n    binds: [nope:/x]\n")
	if _, err := bad.ResolveVolumes(bad.Onboot[0]); err == nil || !strings.Contains(err.Error(), `w.yml:4:13: onboot[0].binds[0]: volume "nope" not found`) {
		t.Errorf("error = %v", err)
	}
}
