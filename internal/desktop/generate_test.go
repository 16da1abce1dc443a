package desktop

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenCases are the VMXs the desktop steps generate, per target, firmware
// and boot_media. Fusion and Workstation read the same VMX; the cases differ
// in what each target's users typically set (paths, network, controller).
var goldenCases = map[string]Config{
	"fusion-bios-disk": {
		Name:          "linuxkit",
		BootDisk:      "linuxkit.vmdk",
		ExtraDisks:    []string{"linuxkit-disk1.vmdk"},
		SerialLogPath: "/Users/me/output-linuxkit-vmware/console.log",
		GuestInfo:     map[string]string{"metadata": `{"hostname":"lk"}`},
	},
	"fusion-bios-iso": {
		Name:          "linuxkit",
		ISO:           "/Users/me/output-linuxkit/linuxkit.iso",
		CPUs:          2,
		MemoryMB:      2048,
		SerialLogPath: "console.log",
	},
	"fusion-arm64-efi-iso": {
		Name:       "lk-arm",
		Arch:       "arm64",
		ISO:        "lk-arm.iso",
		ExtraDisks: []string{"lk-arm-disk1.vmdk"},
	},
	"fusion-arm64-efi-disk": {
		Name:          "lk-arm",
		Arch:          "arm64",
		Firmware:      "efi",
		BootDisk:      "lk-arm.vmdk",
		ExtraDisks:    []string{"lk-arm-disk1.vmdk"},
		SerialLogPath: "console.log",
	},
	"fusion-arm64-efi-iso-sata": {
		Name:           "lk-arm",
		Arch:           "arm64",
		DiskController: "sata",
		ISO:            "/Users/me/output-lk/lk-arm-efi.iso",
		ExtraDisks:     []string{"lk-arm-disk1.vmdk"},
	},
	"workstation-efi-disk": {
		Name:           `LinuxKit "edge" | test`,
		Firmware:       "efi",
		BootDisk:       "linuxkit.vmdk",
		DiskController: "pvscsi",
		NetworkType:    "bridged",
		NetworkAdapter: "e1000e",
		SerialLogPath:  `C:\Users\me\output-linuxkit-vmware\console.log`,
	},
	"workstation-efi-iso": {
		Name:            "linuxkit",
		Firmware:        "efi",
		HardwareVersion: 21,
		ISO:             `C:\Users\me\output-linuxkit\linuxkit.iso`,
		NetworkType:     "hostonly",
		NetworkAdapter:  "e1000",
	},
	"workstation-bios-iso-sata": {
		Name:           "linuxkit",
		DiskController: "sata",
		ISO:            "linuxkit.iso",
		ExtraDisks:     []string{"data1.vmdk", "data2.vmdk"},
		GuestInfo:      map[string]string{"userdata": "aGVsbG8K", "userdata.encoding": "base64"},
		VMXData:        map[string]string{"mks.enable3d": "FALSE"},
	},
	"workstation-bios-disk-two-nics": {
		Name:     "linuxkit",
		BootDisk: "linuxkit.vmdk",
		NICs: []NIC{
			{Network: "nat", MAC: "00:50:56:3F:00:01"},
			{Network: "vmnet2", Adapter: "e1000e", Disconnected: true},
		},
	},
	"workstation-bios-disk-sata": {
		Name:           "linuxkit",
		DiskController: "sata",
		BootDisk:       "linuxkit.vmdk",
		ISO:            "",
	},
}

func TestGenerateGolden(t *testing.T) {
	for name, c := range goldenCases {
		t.Run(name, func(t *testing.T) {
			v, err := Generate(c)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if _, err := v.WriteTo(&b); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".vmx")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Fatalf("%s differs (run go test -update after checking):\n%s", golden, b.String())
			}
			// Generating twice gives the same bytes.
			v2, _ := Generate(c)
			var b2 bytes.Buffer
			v2.WriteTo(&b2)
			if !bytes.Equal(b.Bytes(), b2.Bytes()) {
				t.Fatal("Generate is not deterministic")
			}
		})
	}
}

func TestGenerateDevices(t *testing.T) {
	get := func(t *testing.T, c Config) *VMX {
		t.Helper()
		v, err := Generate(c)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	expect := func(t *testing.T, v *VMX, kv ...string) {
		t.Helper()
		for i := 0; i < len(kv); i += 2 {
			got, ok := v.Get(kv[i])
			if kv[i+1] == "<absent>" {
				if ok {
					t.Errorf("%s = %q, want absent", kv[i], got)
				}
				continue
			}
			if !ok || got != kv[i+1] {
				t.Errorf("%s = %q (set %v), want %q", kv[i], got, ok, kv[i+1])
			}
		}
	}
	t.Run("defaults", func(t *testing.T) {
		v := get(t, Config{Name: "lk", BootDisk: "lk.vmdk"})
		expect(t, v,
			"displayName", "lk", "guestOS", "other5xlinux-64", "virtualHW.version", "19",
			"firmware", "bios", "numvcpus", "1", "memsize", "1024",
			"ethernet0.present", "TRUE", "ethernet0.connectionType", "nat",
			"ethernet0.virtualDev", "vmxnet3", "ethernet0.addressType", "generated",
			"scsi0.present", "TRUE", "scsi0.virtualDev", "lsilogic",
			"scsi0:0.present", "TRUE", "scsi0:0.fileName", "lk.vmdk",
			"bios.bootOrder", "hdd", "serial0.present", "<absent>", "ide1:0.present", "<absent>",
			"tools.syncTime", "TRUE")
	})
	t.Run("scsi skips unit 7", func(t *testing.T) {
		extras := make([]string, 14)
		for i := range extras {
			extras[i] = "d" + string(rune('a'+i)) + ".vmdk"
		}
		v := get(t, Config{Name: "lk", BootDisk: "lk.vmdk", ExtraDisks: extras})
		expect(t, v, "scsi0:6.fileName", "df.vmdk", "scsi0:7.fileName", "<absent>",
			"scsi0:8.fileName", "dg.vmdk", "scsi0:15.fileName", "dn.vmdk")
		_, err := Generate(Config{Name: "lk", BootDisk: "lk.vmdk", ExtraDisks: append(extras, "one-too-many.vmdk")})
		if err == nil || !strings.Contains(err.Error(), "16 disks do not fit on one lsilogic controller (at most 15)") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("iso on ide, serial", func(t *testing.T) {
		v := get(t, Config{Name: "lk", ISO: "lk.iso", ExtraDisks: []string{"x.vmdk"}, SerialLogPath: "c.log"})
		expect(t, v, "ide1:0.deviceType", "cdrom-image", "ide1:0.fileName", "lk.iso",
			"scsi0:0.fileName", "x.vmdk", "bios.bootOrder", "cdrom",
			"serial0.fileType", "file", "serial0.fileName", "c.log", "serial0.yieldOnMsrRead", "TRUE")
	})
	t.Run("sata cdrom after the boot disk", func(t *testing.T) {
		v := get(t, Config{Name: "lk", ISO: "lk.iso", DiskController: "sata", ExtraDisks: []string{"x.vmdk"}})
		expect(t, v, "sata0:0.fileName", "x.vmdk", "sata0:1.deviceType", "cdrom-image", "sata0:1.fileName", "lk.iso")
	})
	t.Run("efi has no bios boot order", func(t *testing.T) {
		v := get(t, Config{Name: "lk", ISO: "lk.iso", Firmware: "efi"})
		expect(t, v, "firmware", "efi", "bios.bootOrder", "<absent>")
	})
	t.Run("arm64 defaults", func(t *testing.T) {
		v := get(t, Config{Name: "lk", ISO: "lk.iso", Arch: "arm64"})
		expect(t, v, "guestOS", "arm-other6xlinux-64", "firmware", "efi", "sata0:0.deviceType", "cdrom-image",
			"hpet0.present", "<absent>", "ide1:0.present", "<absent>", "usb_xhci.present", "TRUE",
			"ethernet0.virtualDev", "e1000e", "bios.bootOrder", "<absent>")
		v = get(t, Config{Name: "lk", BootDisk: "lk.vmdk", Arch: "arm64"})
		expect(t, v, "nvme0.present", "TRUE", "nvme0:0.fileName", "lk.vmdk", "scsi0.present", "<absent>", "sata0.present", "<absent>")
	})
	t.Run("amd64 has no usb controller", func(t *testing.T) {
		v := get(t, Config{Name: "lk", BootDisk: "lk.vmdk", Firmware: "efi"})
		expect(t, v, "usb_xhci.present", "<absent>", "hpet0.present", "TRUE", "scsi0.virtualDev", "lsilogic")
	})
}

func TestGeneratePrecedence(t *testing.T) {
	tmpl, err := ReadFile(filepath.Join("testdata", "fusion-template.vmx"))
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, tmpl, "guestinfo.owner", "template")
	mustSet(t, tmpl, "custom.fromTemplate", "kept")
	before := tmpl.Clone()
	v, err := Generate(Config{
		Name:     "lk",
		BootDisk: "lk.vmdk",
		Template: tmpl,
		VMXData: map[string]string{
			"memsize":         "4096",    // vmx_data beats our key
			"guestinfo.owner": "vmxdata", // loses to guestinfo
			"custom.fromData": "yes",
		},
		GuestInfo: map[string]string{"owner": "guestinfo", "guestinfo.direct": "as-is"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"displayName":                      "lk",        // ours beat the template
		"virtualHW.version":                "19",        // ours beat the template
		"ethernet0.connectionType":         "nat",       // ours beat the template
		"memsize":                          "4096",      // vmx_data beat ours
		"guestinfo.owner":                  "guestinfo", // guestinfo beat vmx_data and the template
		"guestinfo.team":                   "platform",  // template keys we don't set stay
		"guestinfo.direct":                 "as-is",     // no double prefix
		"custom.fromTemplate":              "kept",
		"custom.fromData":                  "yes",
		"annotation":                       "Base image\r\n",
		"uuid.bios":                        "<absent>", // identity keys are dropped
		"uuid.location":                    "<absent>",
		"ethernet0.generatedAddress":       "<absent>",
		"ethernet0.generatedAddressOffset": "<absent>",
		"checkpoint.vmState":               "<absent>",
	}
	for k, w := range want {
		got, ok := v.Get(k)
		if w == "<absent>" {
			if ok {
				t.Errorf("%s = %q, want absent", k, got)
			}
			continue
		}
		if got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
	assertSameVMX(t, before, tmpl) // the template is untouched
	// Our spelling wins over the template's for the same key.
	for _, k := range v.Keys() {
		if strings.EqualFold(k, "virtualhw.version") && k != "virtualHW.version" {
			t.Errorf("key spelled %q", k)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	base := Config{Name: "lk", BootDisk: "lk.vmdk"}
	cases := []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.Name = " " }, "vm_name: must not be empty"},
		{func(c *Config) { c.Arch = "riscv64" }, `arch: unknown value "riscv64" (want one of amd64, arm64)`},
		{func(c *Config) { c.Firmware = "uefi" }, `firmware: unknown value "uefi" (want one of bios, efi)`},
		{func(c *Config) { c.Arch, c.Firmware = "arm64", "bios" }, "arm64 guests boot only with efi"},
		{func(c *Config) { c.Arch, c.DiskController = "arm64", "lsilogic" }, `disk_controller_type: VMware Fusion on Apple silicon has no lsilogic controller for arm64 guests; use "nvme" (the default for arm64) or "sata"`},
		{func(c *Config) { c.Arch, c.DiskController = "arm64", "pvscsi" }, "has no pvscsi controller for arm64 guests"},
		{func(c *Config) { c.Arch, c.HardwareVersion = "arm64", 12 }, "hardware_version: 12 is too old for disk_controller_type nvme"},
		{func(c *Config) { c.NetworkType = "NAT" }, `network_type: unknown value "NAT" (want one of nat, bridged, hostonly)`},
		{func(c *Config) { c.NetworkAdapter = "virtio" }, `network_adapter_type: unknown value "virtio"`},
		{func(c *Config) { c.NICs = []NIC{{}, {Network: "vmnetx"}} }, `network_adapters[1].network: unknown value "vmnetx"`},
		{func(c *Config) { c.NICs = []NIC{{Adapter: "virtio"}} }, `network_adapters[0].type: unknown value "virtio"`},
		{func(c *Config) { c.NICs = []NIC{{MAC: "00:50:56"}} }, `network_adapters[0].mac_address "00:50:56" is not six colon-separated bytes`},
		{func(c *Config) { c.DiskController = "ide" }, `disk_controller_type: unknown value "ide" (want one of lsilogic, pvscsi, nvme, sata)`},
		{func(c *Config) { c.CPUs = -1 }, "cpus: must be at least 1"},
		{func(c *Config) { c.MemoryMB = 1001 }, "memory: VMware needs a positive multiple of 4 MB, not 1001"},
		{func(c *Config) { c.DiskController, c.HardwareVersion = "nvme", 11 }, "hardware_version: 11 is too old for disk_controller_type nvme (needs 13 or later)"},
		{func(c *Config) { c.ISO = "x.iso" }, "boot_media: set exactly one"},
		{func(c *Config) { c.BootDisk = "" }, "boot_media: set exactly one"},
		{func(c *Config) { c.ExtraDisks = []string{""} }, "disks: extra disk 0 has an empty file name"},
		{func(c *Config) { c.Name = "x\"\nfoo = \"bar" }, `invalid VMX value for key "displayName"`},
		{func(c *Config) { c.SerialLogPath = "a\x00b" }, `key "serial0.fileName"`},
		{func(c *Config) { c.VMXData = map[string]string{"bad key": "v"} }, `vmx_data: invalid VMX key "bad key"`},
		{func(c *Config) { c.VMXData = map[string]string{"k": "a\rb"} }, `vmx_data: invalid VMX value for key "k"`},
		{func(c *Config) { c.GuestInfo = map[string]string{"userdata": "a\nb"} }, `guestinfo: invalid VMX value for key "guestinfo.userdata"`},
		{func(c *Config) { c.GuestInfo = map[string]string{"a b": "v"} }, `guestinfo: invalid VMX key "guestinfo.a b"`},
	}
	for _, tc := range cases {
		c := base
		tc.mod(&c)
		_, err := Generate(c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Generate(%+v) = %v, want error containing %q", c, err, tc.want)
		}
	}
}
