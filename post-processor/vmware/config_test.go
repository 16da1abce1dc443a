package vmware_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

func TestConfigureDesktopDefaults(t *testing.T) {
	for _, target := range []string{common.TargetFusion, common.TargetWorkstation} {
		t.Run(target, func(t *testing.T) {
			vmwaretest.CleanEnv(t)
			t.Setenv("GOVC_URL", "https://u:pw-desk@vc/sdk") // ignored: not a vsphere target
			c := vmwaretest.MustConfigure(t, map[string]interface{}{"target": target})
			got := map[string]interface{}{
				"cpus": c.CPUs, "memory": c.Memory, "guest_os_type": c.GuestOSType,
				"hardware_version": c.HardwareVersion, "disk_controller_type": c.DiskControllerType,
				"network_adapter_type": c.NetworkAdapterType, "serial_log": *c.SerialLog,
				"headless": *c.Headless, "keep_running": *c.KeepRunning, "network_type": c.NetworkType,
				"ip_wait_timeout": c.IPWaitTimeout, "wait_for_ip": c.WaitForIP,
				"vm_name": c.VMName, "output_directory": c.OutputDirectory, "serial_log_path": c.SerialLogPath,
				"vcenter_server": c.VCenterServer, "overwrite": c.Overwrite, "firmware": c.Firmware,
				"boot_media": c.BootMedia,
			}
			want := map[string]interface{}{
				"cpus": 1, "memory": 1024, "guest_os_type": "other5xlinux-64",
				"hardware_version": 19, "disk_controller_type": "lsilogic",
				"network_adapter_type": "vmxnet3", "serial_log": true,
				"headless": true, "keep_running": true, "network_type": "nat",
				"ip_wait_timeout": 5 * time.Minute, "wait_for_ip": false,
				"vm_name": "", "output_directory": "", "serial_log_path": "",
				"vcenter_server": "", "overwrite": false, "firmware": "",
				"boot_media": "",
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("defaults:\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestConfigureVSphereDefaults(t *testing.T) {
	vmwaretest.CleanEnv(t)
	c := vmwaretest.MustConfigure(t, vmwaretest.VSphereMinimal(nil))
	got := map[string]interface{}{
		"cpus": c.CPUs, "memory": c.Memory, "guest_os_type": c.GuestOSType,
		"hardware_version": c.HardwareVersion, "disk_controller_type": c.DiskControllerType,
		"network_adapter_type": c.NetworkAdapterType, "serial_log": *c.SerialLog,
		"ip_wait_timeout": c.IPWaitTimeout, "shutdown_timeout": c.ShutdownTimeout,
		"upload_path": c.UploadPath, "insecure_connection": *c.InsecureConnection,
		"power_on": c.PowerOn, "overwrite": c.Overwrite, "headless": c.Headless,
		"output_directory": c.OutputDirectory,
	}
	want := map[string]interface{}{
		"cpus": 1, "memory": 1024, "guest_os_type": "otherLinux64Guest",
		"hardware_version": 0, "disk_controller_type": "pvscsi",
		"network_adapter_type": "vmxnet3", "serial_log": true,
		"ip_wait_timeout": 10 * time.Minute, "shutdown_timeout": 5 * time.Minute,
		"upload_path": "linuxkit", "insecure_connection": false,
		"power_on": false, "overwrite": false, "headless": (*bool)(nil),
		"output_directory": "",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %v\nwant %v", got, want)
	}
}

func TestConfigureFullDesktop(t *testing.T) {
	vmwaretest.CleanEnv(t)
	vmx := vmwaretest.TempFile(t, "base.vmx", `.encoding = "UTF-8"`+"\n")
	vmrun := vmwaretest.TempFile(t, "vmrun", "#!/bin/sh\n")
	c := vmwaretest.MustConfigure(t, map[string]interface{}{
		"target": "workstation", "vm_name": "web", "cpus": 2, "memory": 2048,
		"firmware": "bios", "guest_os_type": "other6xlinux-64", "hardware_version": 20,
		"boot_media": "iso", "disks": []string{"10G", "512M"}, "disk_controller_type": "nvme",
		"network_adapter_type": "e1000e", "guestinfo": map[string]string{"metadata": "{{ build_name }}", "metadata.encoding": "base64"},
		"serial_log": true, "wait_for_ip": true, "ip_wait_timeout": "90s",
		"vmrun_path": vmrun, "headless": false, "network_type": "hostonly", "vmx_template": vmx,
		"vmx_data": map[string]string{"scsi0:0.present": "TRUE"}, "keep_running": false,
	}, map[string]interface{}{"packer_build_name": "demo"})
	if got, want := c.DiskSizes(), []int64{10 << 30, 512 << 20}; !reflect.DeepEqual(got, want) {
		t.Errorf("DiskSizes() = %v, want %v", got, want)
	}
	if c.OutputDirectory != "output-web-vmware" || c.SerialLogPath != "output-web-vmware/console.log" {
		t.Errorf("derived paths: output_directory %q, serial_log_path %q", c.OutputDirectory, c.SerialLogPath)
	}
	if c.GuestInfo["metadata"] != "demo" {
		t.Errorf("guestinfo was not interpolated like every option: %q", c.GuestInfo["metadata"])
	}
	if c.IPWaitTimeout != 90*time.Second || *c.Headless || *c.KeepRunning || c.DiskControllerType != "nvme" {
		t.Errorf("options not kept: %+v", c)
	}
}

func TestConfigureFullVSphere(t *testing.T) {
	vmwaretest.CleanEnv(t)
	ca := vmwaretest.TempFile(t, "ca.pem", "-----BEGIN CERTIFICATE-----\n")
	c := vmwaretest.MustConfigure(t, vmwaretest.VSphereMinimal(map[string]interface{}{
		"vm_name": "lk", "boot_media": "disk", "disk_controller_type": "lsilogic",
		"ca_file": ca, "datacenter": "DC0", "cluster": "DC0_C0", "host": "DC0_C0_H0",
		"resource_pool": "/DC0/host/DC0_C0/Resources", "datastore": "LocalDS_0", "folder": "templates",
		"network": "VM Network", "upload_path": "images/linuxkit", "power_on": true, "wait_for_ip": true,
		"shutdown_timeout": "1m", "convert_to_template": true, "overwrite": true, "notes": "built by packer",
		"configuration_parameters": map[string]string{"disk.EnableUUID": "TRUE"},
		"content_library":          map[string]interface{}{"library": "lib", "ovf": true, "description": "d"},
	}))
	if c.ContentLibrary == nil || c.ContentLibrary.Name != "lk" {
		t.Errorf("content_library.name default for an OVF item = %+v, want vm_name", c.ContentLibrary)
	}
	if c.ShutdownTimeout != time.Minute || c.UploadPath != "images/linuxkit" || *c.InsecureConnection {
		t.Errorf("options not kept: %+v", c.VSphereConfig)
	}
}

func TestResolveNames(t *testing.T) {
	vmwaretest.CleanEnv(t)
	build := map[string]interface{}{"packer_build_name": "demo"}

	c := vmwaretest.MustConfigure(t, fusion(nil), build)
	resolveNames(t, &c, "lk-image")
	if c.VMName != "lk-image" || c.OutputDirectory != "output-lk-image-vmware" || c.SerialLogPath != "output-lk-image-vmware/console.log" {
		t.Errorf("from the artifact's name: %q %q %q", c.VMName, c.OutputDirectory, c.SerialLogPath)
	}
	c = vmwaretest.MustConfigure(t, fusion(map[string]interface{}{"serial_log": false}), build)
	resolveNames(t, &c, "")
	if c.VMName != "demo" || c.OutputDirectory != "output-demo-vmware" || c.SerialLogPath != "" {
		t.Errorf("from the build's name: %q %q %q", c.VMName, c.OutputDirectory, c.SerialLogPath)
	}
	c = vmwaretest.MustConfigure(t, fusion(map[string]interface{}{"vm_name": "set", "output_directory": "out"}), build)
	resolveNames(t, &c, "lk-image")
	if c.VMName != "set" || c.OutputDirectory != "out" || c.SerialLogPath != "out/console.log" {
		t.Errorf("set values must win: %q %q %q", c.VMName, c.OutputDirectory, c.SerialLogPath)
	}
	c = vmwaretest.MustConfigure(t, vmwaretest.VSphereMinimal(map[string]interface{}{"content_library": map[string]interface{}{"library": "lib"}}))
	resolveNames(t, &c, "lk")
	if c.ContentLibrary.Name != "lk-template" || c.OutputDirectory != "" {
		t.Errorf("vsphere: item %q, output_directory %q", c.ContentLibrary.Name, c.OutputDirectory)
	}
}

func TestForceSetsOverwrite(t *testing.T) {
	vmwaretest.CleanEnv(t)
	force := map[string]interface{}{"packer_force": true}
	if c := vmwaretest.MustConfigure(t, vmwaretest.VSphereMinimal(nil), force); !c.Overwrite {
		t.Error("vsphere: -force did not set overwrite")
	}
	if c := vmwaretest.MustConfigure(t, fusion(nil), force); !c.Overwrite {
		t.Error("fusion: -force did not set overwrite")
	}
	if c := vmwaretest.MustConfigure(t, vmwaretest.VSphereMinimal(nil)); c.Overwrite {
		t.Error("overwrite set without -force")
	}
}

// TestFusionOnAppleSilicon: on an Apple silicon Mac, Configure refuses only
// what no artifact could make work there (BIOS, the SCSI controllers Fusion
// has not); the artifact's architecture is checked when it runs.
func TestFusionOnAppleSilicon(t *testing.T) {
	vmwaretest.CleanEnv(t)
	vmwaretest.PlayHost(t, true)
	if _, err := vmwaretest.Configure(t, fusion(nil)); err != nil {
		t.Errorf("fusion on Apple silicon, defaults: %v", err)
	}
	_, err := vmwaretest.Configure(t, fusion(map[string]interface{}{"firmware": "bios", "disk_controller_type": "lsilogic"}))
	vmwaretest.WantErrors(t, err, "2 error(s)", `firmware "bios" with target "fusion" on an Apple silicon Mac`,
		"VMware Fusion on Apple silicon has no lsilogic controller for arm64 guests")
	if _, err := vmwaretest.Configure(t, fusion(map[string]interface{}{"firmware": "efi", "disk_controller_type": "sata"})); err != nil {
		t.Errorf("fusion on Apple silicon with efi and sata: %v", err)
	}
	if _, err := vmwaretest.Configure(t, map[string]interface{}{"target": "workstation", "firmware": "bios"}); err != nil {
		t.Errorf("workstation is not affected: %v", err)
	}
}

func TestConfigureReportsEveryError(t *testing.T) {
	vmwaretest.CleanEnv(t)
	_, err := vmwaretest.Configure(t, fusion(map[string]interface{}{"cpus": 0, "memory": 3, "network_type": "wifi"}))
	vmwaretest.WantErrors(t, err, "3 error(s) occurred", "cpus must be at least 1", "memory is in MB", `network_type "wifi"`)
}

func TestConfigureUnknownOption(t *testing.T) {
	vmwaretest.CleanEnv(t)
	_, err := vmwaretest.Configure(t, fusion(map[string]interface{}{"vmx_datas": map[string]string{}}))
	vmwaretest.WantErrors(t, err, "linuxkit-vmware:", "vmx_datas")
}

// resolveNames does what a run does once the artifact is known: vm_name from
// the artifact's name (else the build's), then what derives from it.
func resolveNames(t *testing.T, c *vmware.Config, artifactName string) {
	t.Helper()
	if err := c.ResolveVMName(artifactName, c.PackerBuildName); err != nil {
		t.Fatal(err)
	}
	if c.Target == common.TargetVSphere {
		c.VSphereConfig.ResolveDerived(&c.HardwareConfig)
	} else {
		c.DesktopConfig.ResolveDerived(&c.HardwareConfig)
	}
}
