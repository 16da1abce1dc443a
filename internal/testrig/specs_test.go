package testrig

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestFixtureSpec checks that the spec text parses as YAML with the fixtures as kernel and
// init, the cmdline quoted, and extra appended as further sections.
func TestFixtureSpec(t *testing.T) {
	fx := Fixtures{Kernel: "127.0.0.2:5000/linuxkit/kernel:test", Init: "127.0.0.2:5000/linuxkit/init:test"}
	var doc struct {
		Kernel struct{ Image, Cmdline string }
		Init   []string
		Onboot []struct{ Name string }
	}
	text := FixtureSpec(fx, "console=ttyS0 panic=-1 quiet", "onboot:\n  - name: probe\n")
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if doc.Kernel.Image != fx.Kernel || doc.Kernel.Cmdline != "console=ttyS0 panic=-1 quiet" ||
		!reflect.DeepEqual(doc.Init, []string{fx.Init}) || len(doc.Onboot) != 1 || doc.Onboot[0].Name != "probe" {
		t.Errorf("FixtureSpec:\n%s\nparsed as %+v", text, doc)
	}
}

// TestBuildArgs checks the argument order of a packer build: -var pairs before the template.
func TestBuildArgs(t *testing.T) {
	got := BuildArgs("x.pkr.hcl", "a=1", "b=2")
	want := []string{"build", "-color=false", "-var", "a=1", "-var", "b=2", "x.pkr.hcl"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("BuildArgs = %q, want %q", got, want)
	}
}

// TestServiceSpec checks that an entry written on its own becomes the one services item.
func TestServiceSpec(t *testing.T) {
	var doc struct {
		Services []map[string]any
	}
	if err := yaml.Unmarshal([]byte(ServiceSpec("name: a\nimage: b\ncommand: [x]\n")), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Services) != 1 || doc.Services[0]["name"] != "a" || doc.Services[0]["image"] != "b" {
		t.Errorf("ServiceSpec parsed as %+v", doc)
	}
}
