package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/media"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/uki"
)

// efiInputs describes the kernel and initrd files and finds the host's systemd stub, as the
// builder will for raw-efi.
func efiInputs(kernel, initrdPath string) (media.ISOFile, media.ISOFile, media.EFIOptions, error) {
	k, i, err := mediaFiles(kernel, initrdPath)
	if err != nil {
		return k, i, media.EFIOptions{}, err
	}
	stub, err := media.FindEFIStub("amd64", "", nil)
	if err != nil {
		return k, i, media.EFIOptions{}, err
	}
	return k, i, media.EFIOptions{Arch: "amd64", Stub: stub, Cmdline: benchCmdline}, nil
}

// writeUKI writes the UKI raw-efi puts on its ESP, as the peer's input (not timed).
func writeUKI(kernel, initrdPath, out string) error {
	k, i, opts, err := efiInputs(kernel, initrdPath)
	if err != nil {
		return err
	}
	im, err := uki.Build(opts.Stub.Data, uki.Parts{OSRel: []byte(media.DefaultOSRelease), Cmdline: opts.Cmdline,
		Linux: uki.Section{Size: k.Size, Open: k.Open}, Initrd: uki.Section{Size: i.Size, Open: i.Open}})
	if err != nil {
		return err
	}
	return create(out, func(f *os.File) error { _, err := im.WriteTo(f); return err })
}

// efiSection: our media.WriteRawEFI (UKI, FAT32 ESP, GPT) against sgdisk + mkfs.vfat + mcopy
// putting the same UKI on a disk of the same size. The peer gets the UKI ready-made, ours writes
// it too.
func (s *suite) efiSection() ([]Row, error) {
	kernel, initrdPath, err := s.bootInputs()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.work, "efi")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ukiPath := filepath.Join(dir, "uki.efi")
	if err := writeUKI(kernel, initrdPath, ukiPath); err != nil {
		return []Row{{Section: "raw-efi", Op: "raw-efi", Note: "skipped: " + firstLine(err.Error())}}, nil
	}
	out := filepath.Join(dir, "ours.img")
	ours := s.ours(out, true, "raw-efi", kernel, initrdPath, out)
	disk := fileSize(out)
	esp := disk - 2<<20 // ours: 1 MiB, the ESP, 1 MiB
	peerOut := filepath.Join(dir, "peer.img")
	script := fmt.Sprintf(`set -e
truncate -s %[2]d %[1]s
sgdisk -q -n 1:2048:+%[3]dK -t 1:ef00 %[1]s
mkfs.vfat -F 32 -S 512 -n ESP --offset 2048 %[1]s %[3]d >/dev/null
mmd -i %[1]s@@1M ::EFI ::EFI/BOOT
mcopy -i %[1]s@@1M %[4]s ::EFI/BOOT/BOOTX64.EFI`, peerOut, disk, esp>>10, ukiPath)
	peer := repeat(s.reps, func(int) []stage { return cmd("sh", "-c", script) }, "", false,
		func() error { _ = os.Remove(peerOut); return nil })
	peer.OutBytes = fileSize(peerOut)
	_ = os.Remove(peerOut)
	basis := fileSize(kernel) + fileSize(initrdPath)
	op := fmt.Sprintf("raw-efi: kernel %s + initrd %s → UKI on a FAT32 ESP in a GPT disk", mib(fileSize(kernel)), mib(fileSize(initrdPath)))
	rows := []Row{{Section: "raw-efi", Op: op, Basis: basis, Ours: ours,
		PeerName: "sgdisk+mkfs.vfat+mcopy", Peer: peer, Note: "the peer is handed the UKI; ours writes it as well"}}
	rows = append(rows, s.isoEFIRow(dir, kernel, initrdPath, ukiPath, basis))
	return append(rows, s.vmdkEFIRow(dir, out)), nil
}

// isoEFIRow: our media.WriteISOEFI against what a script does with the peer tools: a FAT32
// ESP image holding the UKI (mkfs.vfat + mcopy), then xorriso with that image as the El Torito
// EFI entry and a GPT over it (-isohybrid-gpt-basdat). The peer is handed the UKI.
func (s *suite) isoEFIRow(dir, kernel, initrdPath, ukiPath string, basis int64) Row {
	out := filepath.Join(dir, "ours.iso")
	tree := filepath.Join(dir, "isotree")
	peerOut := filepath.Join(dir, "peer.iso")
	espKiB := (fileSize(ukiPath)>>10)*11/10 + 2048 // the UKI and 10% plus 2 MiB of FAT32 room
	script := fmt.Sprintf(`set -e
rm -rf %[1]s %[2]s && mkdir -p %[1]s
truncate -s %[3]dK %[1]s/esp.img
mkfs.vfat -F 32 -S 512 -n ESP %[1]s/esp.img >/dev/null
mmd -i %[1]s/esp.img ::EFI ::EFI/BOOT
mcopy -i %[1]s/esp.img %[4]s ::EFI/BOOT/BOOTX64.EFI
xorriso -as mkisofs -quiet -o %[2]s -R -J -V LINUXKIT -e esp.img -no-emul-boot -isohybrid-gpt-basdat %[1]s`, tree, peerOut, espKiB, ukiPath)
	ours, peer := s.alternate(func(int) []stage { return cmd(s.self, "run", "iso-efi", kernel, initrdPath, out) }, "",
		func(int) []stage { return cmd("sh", "-c", script) }, "")
	ours.OutBytes, peer.OutBytes = fileSize(out), fileSize(peerOut)
	_ = os.RemoveAll(tree)
	_ = os.Remove(peerOut)
	_ = os.Remove(out)
	op := fmt.Sprintf("iso-efi: kernel %s + initrd %s → UKI on an ESP behind El Torito EFI, GPT over it", mib(fileSize(kernel)), mib(fileSize(initrdPath)))
	return Row{Section: "iso-efi", Op: op, Basis: basis, Ours: ours, PeerName: "mkfs.vfat+mcopy+xorriso -as mkisofs", Peer: peer,
		Note: "the peer is handed the UKI; ours writes it as well"}
}

// vmdkEFIRow: the raw-efi disk raw → our streamOptimized vmdk.Write against qemu-img convert,
// runs alternating: the vmdk-efi format's container step.
func (s *suite) vmdkEFIRow(dir, raw string) Row {
	out := filepath.Join(dir, "ours-stream.vmdk")
	peerOut := filepath.Join(dir, "qemu-stream.vmdk")
	ours, peer := s.alternate(func(int) []stage { return cmd(s.self, "run", "vmdk", "stream", raw, out) }, "",
		func(int) []stage {
			_ = os.Remove(peerOut)
			return cmd("qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", raw, peerOut)
		}, "")
	ours.OutBytes, peer.OutBytes = fileSize(out), fileSize(peerOut)
	_ = os.Remove(out)
	_ = os.Remove(peerOut)
	return Row{Section: "vmdk-efi", Op: fmt.Sprintf("vmdk-efi streamOptimized from the %s raw-efi disk", mib(fileSize(raw))), Basis: fileSize(raw),
		Ours: ours, PeerName: "qemu-img convert", Peer: peer, Note: "MB/s over the disk's capacity"}
}
