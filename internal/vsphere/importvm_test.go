package vsphere

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/ovf"
	"github.com/vmware/govmomi/vim25/types"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/vmdk"
)

// writeStreamVMDK writes a streamOptimized vmdk of a raw disk with some data in it and
// returns its path and sha256.
func writeStreamVMDK(t *testing.T, capacity int64) (string, string) {
	t.Helper()
	raw := make([]byte, capacity)
	copy(raw, "LINUXKIT boot sector")
	for i := 1 << 20; i < 3<<20; i++ {
		raw[i] = byte(i * 31 >> 7)
	}
	p := filepath.Join(t.TempDir(), "lk-disk.vmdk")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := vmdk.Write(f, bytes.NewReader(raw), capacity, vmdk.Options{Compressed: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	sum, err := fileSHA256(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, sum
}

func TestImportVM(t *testing.T) {
	s := newSim(t)
	d, tg := s.target(t)
	ctx := context.Background()

	// vcsim hands out NFC URLs on vcsim.server.url: point them at the recording proxy.
	proxy := newRecordingProxy(t, s.Server.URL)
	om := object.NewOptionManager(d.Client(), *d.Client().ServiceContent.Setting)
	if err := om.Update(ctx, []types.BaseOptionValue{&types.OptionValue{Key: "vcsim.server.url", Value: proxy.URL.String()}}); err != nil {
		t.Fatal(err)
	}

	const capacity = 8 << 20
	disk, sum := writeStreamVMDK(t, capacity)
	st, err := os.Stat(disk)
	if err != nil {
		t.Fatal(err)
	}
	var last [2]int64
	spec := VMSpec{
		Name: "lk-imported", BuildID: "build-imp", CPUs: 2, MemoryMB: 2048, Firmware: "efi", Notes: "imported",
		ExtraDisks: []int64{1 << 30}, SerialLog: true, GuestInfo: map[string]string{"userdata": "hello"},
	}
	vm, err := d.ImportVM(ctx, tg, spec, disk, func(done, total int64) { last = [2]int64{done, total} })
	if err != nil {
		t.Fatalf("ImportVM: %v", err)
	}
	if last != [2]int64{st.Size(), st.Size()} {
		t.Errorf("progress ended at %v, file is %d bytes", last, st.Size())
	}

	ups := proxy.recorded()
	if len(ups) != 1 {
		t.Fatalf("%d NFC uploads recorded: %+v", len(ups), ups)
	}
	if up := ups[0]; up.SHA256 != sum || up.Size != st.Size() || up.Method != "POST" || up.ContentType != "application/x-vnd.vmware-streamVmdk" {
		t.Errorf("NFC upload %+v; want POST of %d bytes with sha256 %s", up, st.Size(), sum)
	}

	c := vmProps(t, d, vm, "config").Config
	if c.Name != "lk-imported" || c.Hardware.NumCPU != 2 || c.Hardware.MemoryMB != 2048 || c.Firmware != "efi" || c.Annotation != "imported" {
		t.Errorf("config: %q cpus %d memory %d firmware %q notes %q", c.Name, c.Hardware.NumCPU, c.Hardware.MemoryMB, c.Firmware, c.Annotation)
	}
	if extraConfigValue(c.ExtraConfig, BuildIDKey) != "build-imp" || extraConfigValue(c.ExtraConfig, "guestinfo.userdata") != "hello" {
		t.Errorf("extraConfig: %v", c.ExtraConfig)
	}
	devices := object.VirtualDeviceList(c.Hardware.Device)
	pv := devices.SelectByType((*types.ParaVirtualSCSIController)(nil))
	disks := devices.SelectByType((*types.VirtualDisk)(nil))
	if len(pv) != 1 || len(disks) != 2 {
		t.Fatalf("%d pvscsi controllers, %d disks", len(pv), len(disks))
	}
	var sizes []int64
	for _, dd := range disks {
		sizes = append(sizes, dd.(*types.VirtualDisk).CapacityInKB)
		if dd.GetVirtualDevice().ControllerKey != pv[0].GetVirtualDevice().Key {
			t.Errorf("disk %v is not on the pvscsi controller", dd.GetVirtualDevice().Key)
		}
	}
	if sizes[0] != capacity/1024 || sizes[1] != 1<<20 {
		t.Errorf("disk sizes %v KB", sizes)
	}
	nics := devices.SelectByType((*types.VirtualVmxnet3)(nil))
	if len(nics) != 1 {
		t.Fatalf("%d vmxnet3 NICs", len(nics))
	}
	if nb, ok := nics[0].GetVirtualDevice().Backing.(*types.VirtualEthernetCardNetworkBackingInfo); !ok || nb.DeviceName != "VM Network" {
		t.Errorf("NIC backing %#v", nics[0].GetVirtualDevice().Backing)
	}
	if info, err := d.Describe(ctx, vm); err != nil || info.ConsoleLog != "[LocalDS_0] lk-imported/console.log" {
		t.Errorf("Describe: %+v, %v", info, err)
	}

	// The name is taken now; and a monolithicSparse disk is refused before anything is made.
	if _, err := d.ImportVM(ctx, tg, spec, disk, nil); !errors.Is(err, ErrExists) {
		t.Errorf("second import: %v", err)
	}
	sparse := filepath.Join(t.TempDir(), "sparse.vmdk")
	f, _ := os.Create(sparse)
	if err := vmdk.Write(f, bytes.NewReader(make([]byte, 1<<20)), 1<<20, vmdk.Options{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	spec.Name = "other"
	if _, err := d.ImportVM(ctx, tg, spec, sparse, nil); err == nil || !strings.Contains(err.Error(), "streamOptimized") {
		t.Errorf("import of a monolithicSparse disk: %v", err)
	}
	if got := len(proxy.recorded()); got != 1 {
		t.Errorf("%d NFC uploads after the refused imports", got)
	}
}

func TestOVFEnvelope(t *testing.T) {
	s, err := VMSpec{Name: `a<b&"c"`, BuildID: "b", CPUs: 4, MemoryMB: 4096, NetworkAdapter: "e1000", DiskController: "lsilogic"}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	text, err := ovfEnvelope(s, 10<<30, 12345)
	if err != nil {
		t.Fatal(err)
	}
	env, err := ovf.Unmarshal(strings.NewReader(text))
	if err != nil {
		t.Fatalf("the generated OVF does not parse: %v", err)
	}
	vs := env.VirtualSystem
	if vs == nil || vs.Name == nil || *vs.Name != `a<b&"c"` || *vs.OperatingSystem.OSType != DefaultGuestID {
		t.Fatalf("virtual system %+v", vs)
	}
	if env.References[0].Href != ovfDiskHref || env.References[0].Size != 12345 || env.Disk.Disks[0].Capacity != "10737418240" {
		t.Errorf("references %+v, disk %+v", env.References, env.Disk.Disks)
	}
	kinds := map[uint16]string{}
	for _, it := range vs.VirtualHardware[0].Item {
		v := ""
		if it.ResourceSubType != nil {
			v = *it.ResourceSubType
		} else if it.VirtualQuantity != nil {
			v = strconv.FormatUint(uint64(*it.VirtualQuantity), 10)
		}
		kinds[uint16(*it.ResourceType)] = v
	}
	want := map[uint16]string{3: "4", 4: "4096", 6: "lsilogic", 10: "E1000", 17: ""}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("resource type %d = %q, want %q (all: %v)", k, kinds[k], v, kinds)
		}
	}
}
