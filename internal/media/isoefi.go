package media

import (
	"fmt"
	"io"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/gpt"
)

// iso-efi is an ISO 9660 image whose El Torito catalog has one UEFI entry pointing at a FAT32
// EFI system partition image stored as a file of the ISO, and whose system area holds a
// protective MBR and a GPT with one partition over that same file, with the backup GPT in the
// padding after the last file. From a CD drive, firmware boots the El Torito entry; from a
// disk, it reads the GPT and boots the very same ESP bytes.

// Paths of the files inside an iso-efi image.
const (
	EFIBootCatalogPath = "boot.cat"
	ESPImagePath       = "efi.img"
)

// isoEFIPlan is a laid-out iso-efi image.
type isoEFIPlan struct {
	layout     *isoLayout
	meta       isoMeta
	systemArea []byte
	bootRecord []byte
	backup     []byte
}

// planISOEFI lays out the image: the ISO first (from the ESP's size), then the ESP for the
// partition the ISO layout put it at, the catalog and the GPT.
func planISOEFI(kernel, initrd ISOFile, opts EFIOptions) (*isoEFIPlan, error) {
	p, err := planEFI(kernel, initrd, opts)
	if err != nil {
		return nil, err
	}
	if err := checkISOTime(p.mtime); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	sized, err := p.esp(0)
	if err != nil {
		return nil, err
	}
	t := newISOTree()
	catalog, err := t.addData(EFIBootCatalogPath, make([]byte, sectorSize))
	if err != nil {
		return nil, err
	}
	espNode, err := t.addSource(ESPImagePath, espFile(sized))
	if err != nil {
		return nil, err
	}
	l, err := layoutISO(t, true)
	if err != nil {
		return nil, err
	}
	const perSector = sectorSize / gpt.SectorSize
	first := uint64(espNode.lba) * perSector
	esp, err := p.esp(uint32(first))
	if err != nil {
		return nil, err
	}
	espNode.src = espFile(esp)
	espSectors := uint64(esp.Size() / gpt.SectorSize)
	catalog.data = efiBootCatalog(espNode.lba, espSectors)

	table, err := gpt.New(uint64(l.total)*perSector, gpt.FromDigest("disk", p.seed), []gpt.Partition{{
		Type: gpt.ESPType, GUID: gpt.FromDigest("esp", p.seed), Name: "EFI system partition",
		FirstLBA: first, LastLBA: first + espSectors - 1,
	}})
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	primary, err := table.Primary(table.ProtectiveMBR(nil))
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return &isoEFIPlan{
		layout:     l,
		meta:       isoMeta{volumeID: VolumeID(opts.VolumeID), modTime: p.mtime},
		systemArea: primary,
		bootRecord: bootRecord(catalog.lba),
		backup:     table.Backup(),
	}, nil
}

// WriteISOEFI streams an iso-efi image to w: it boots the UKI under UEFI from a CD drive (El
// Torito) and from a disk (GPT). The kernel and initrd are read once, in order, straight into
// w; nothing is buffered, so w may be a pipe.
func WriteISOEFI(w io.Writer, kernel, initrd ISOFile, opts EFIOptions) error {
	p, err := planISOEFI(kernel, initrd, opts)
	if err != nil {
		return err
	}
	return writeISO(w, p.layout, p.meta, p.systemArea, p.bootRecord, p.backup)
}

// ISOEFISize returns the size of the image WriteISOEFI writes for these inputs.
func ISOEFISize(kernel, initrd ISOFile, opts EFIOptions) (int64, error) {
	p, err := planISOEFI(kernel, initrd, opts)
	if err != nil {
		return 0, err
	}
	return p.layout.size(), nil
}
