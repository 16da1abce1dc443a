package vmware_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclparse"
	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
	"github.com/zclconf/go-cty/cty"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// TestConfigSpecHasEveryContractName checks the generated HCL2 schema
// against the option names DESIGN §3 makes part of the contract.
func TestConfigSpecHasEveryContractName(t *testing.T) {
	contract := []string{
		// common
		"target", "vm_name", "cpus", "memory", "firmware", "guest_os_type", "hardware_version",
		"boot_media", "disks", "disk_controller_type", "network_adapter_type", "guestinfo", "serial_log",
		// desktop
		"vmrun_path", "output_directory", "headless", "network_type", "vmx_template", "vmx_data",
		"serial_log_path", "wait_for_ip", "ip_wait_timeout", "keep_running",
		// vsphere
		"vcenter_server", "username", "password", "insecure_connection", "ca_file",
		"datacenter", "cluster", "host", "resource_pool", "datastore", "folder", "network",
		"upload_path", "power_on", "shutdown_timeout", "convert_to_template", "content_library",
		"overwrite", "notes", "configuration_parameters",
	}
	spec := new(vmware.PostProcessor).ConfigSpec()
	for _, name := range contract {
		if _, ok := spec[name]; !ok {
			t.Errorf("ConfigSpec has no %q", name)
		}
	}
	block, ok := spec["content_library"].(*hcldec.BlockSpec)
	if !ok {
		t.Fatalf("content_library is a %T, want a block", spec["content_library"])
	}
	var got []string
	for k := range block.Nested.(hcldec.ObjectSpec) {
		got = append(got, k)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != "description,destroy,library,name,ovf,ovf_flags" {
		t.Errorf("content_library block keys = %v", got)
	}
}

// decodeHCL decodes an HCL body with the post-processor's schema, as Packer
// does before calling Configure with the resulting cty value.
func decodeHCL(t *testing.T, src string) cty.Value {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCL([]byte(src), "test.pkr.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := hcldec.Decode(f.Body, new(vmware.PostProcessor).ConfigSpec(), nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return v
}

// TestConfigureHCL2 goes through the HCL2 path, where every option of the
// schema arrives (null when unset): unset options must not count as set.
func TestConfigureHCL2(t *testing.T) {
	vmwaretest.CleanEnv(t)
	var p vmware.PostProcessor
	err := p.Configure(decodeHCL(t, `
target = "vsphere"
vcenter_server = "vc.example.com"
username = "u"
password = "hcl-password-e41b"
boot_media = "disk"
disks = ["10G"]
ip_wait_timeout = "2m"
guestinfo = { "metadata" = "e30=", "metadata.encoding" = "base64" }
content_library {
  library = "lib"
  ovf = true
}
`))
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	c := p.Config()
	if c.ContentLibrary == nil || c.ContentLibrary.Library != "lib" || !c.ContentLibrary.OVF {
		t.Errorf("content_library = %+v", c.ContentLibrary)
	}
	if c.IPWaitTimeout.String() != "2m0s" || c.DiskSizes()[0] != 10<<30 || c.GuestInfo["metadata.encoding"] != "base64" {
		t.Errorf("decoded %v %v %v", c.IPWaitTimeout, c.DiskSizes(), c.GuestInfo)
	}

	p = vmware.PostProcessor{}
	if err := p.Configure(decodeHCL(t, `target = "workstation"`)); err != nil {
		t.Fatalf("a desktop target with every vSphere option null: %v", err)
	}
	p = vmware.PostProcessor{}
	err = p.Configure(decodeHCL(t, `
target = "workstation"
power_on = false
`))
	vmwaretest.WantErrors(t, err, `power_on is an option of target "vsphere" only`)
}

// TestPostProcessNotImplemented checks that no target says "not
// implemented" any more: vsphere runs, and without an input artifact it
// fails on that, returning no artifact, keep=false and forceOverride=false.
func TestPostProcessNotImplemented(t *testing.T) {
	vmwaretest.CleanEnv(t)
	for _, raw := range []map[string]interface{}{vmwaretest.VSphereMinimal(nil)} { // the desktop targets: desktop_test.go
		var p vmware.PostProcessor
		if err := p.Configure(raw); err != nil {
			t.Fatal(err)
		}
		art, keep, force, err := p.PostProcess(context.Background(), packersdk.TestUi(t), nil)
		if err == nil || strings.Contains(err.Error(), "not implemented") || !strings.Contains(err.Error(), "no input artifact") {
			t.Errorf("error = %v, want the missing input artifact named", err)
		}
		if art != nil || keep || force {
			t.Errorf("PostProcess returned artifact %v, keep %v, forceOverride %v; want nil, false, false", art, keep, force)
		}
	}
}
