package media

import (
	"fmt"
	"io"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/gpt"
)

// raw-efi is a GPT disk (protective MBR, primary and backup tables) with one partition, the
// EFI system partition, from 1 MiB: a FAT32 volume holding the UKI at the removable-media
// path, which UEFI firmware runs with no boot entry configured.

// espStartLBA is where the ESP starts on a raw-efi disk: 1 MiB, the alignment partitioning
// tools use.
const espStartLBA = diskAlign / gpt.SectorSize

// rawEFIPlan is a laid-out raw-efi disk.
type rawEFIPlan struct {
	efi      *efiPlan
	table    *gpt.Table
	diskSize int64
}

// planRawEFI lays out the disk.
func planRawEFI(kernel, initrd ISOFile, opts EFIOptions) (*rawEFIPlan, error) {
	p, err := planEFI(kernel, initrd, opts)
	if err != nil {
		return nil, err
	}
	esp, err := p.esp(espStartLBA)
	if err != nil {
		return nil, err
	}
	espSectors := uint64(esp.Size() / gpt.SectorSize)
	need := int64(espStartLBA+espSectors+gpt.BackupSectors) * gpt.SectorSize
	diskSize := opts.DiskSize
	switch {
	case diskSize == 0:
		diskSize = esp.Size() + 2*diskAlign
	case diskSize < 0 || diskSize%gpt.SectorSize != 0:
		return nil, fmt.Errorf("media: disk_size %d is not a positive multiple of 512 bytes", diskSize)
	case diskSize < need:
		return nil, fmt.Errorf("media: disk_size %d bytes is too small for the raw-efi disk: its EFI system partition is %d bytes from 1 MiB, so disk_size must be at least %d bytes",
			diskSize, esp.Size(), need)
	}
	table, err := gpt.New(uint64(diskSize/gpt.SectorSize), gpt.FromDigest("disk", p.seed), []gpt.Partition{{
		Type: gpt.ESPType, GUID: gpt.FromDigest("esp", p.seed), Name: "EFI system partition",
		FirstLBA: espStartLBA, LastLBA: espStartLBA + espSectors - 1,
	}})
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return &rawEFIPlan{efi: p, table: table, diskSize: diskSize}, nil
}

// WriteRawEFI streams a raw-efi disk to w: the protective MBR and primary GPT, the ESP at 1 MiB
// holding the UKI (the kernel and initrd read once, straight into w), then zeros and the backup
// GPT in the disk's last sectors. When w is a file the zeros past the ESP are a sparse
// extension rather than written bytes.
func WriteRawEFI(w io.Writer, kernel, initrd ISOFile, opts EFIOptions) error {
	p, err := planRawEFI(kernel, initrd, opts)
	if err != nil {
		return err
	}
	return p.write(w)
}

// RawEFISize returns the size of the disk WriteRawEFI writes for these inputs.
func RawEFISize(kernel, initrd ISOFile, opts EFIOptions) (int64, error) {
	p, err := planRawEFI(kernel, initrd, opts)
	if err != nil {
		return 0, err
	}
	return p.diskSize, nil
}

func (p *rawEFIPlan) write(w io.Writer) error {
	esp, err := p.efi.esp(espStartLBA)
	if err != nil {
		return err
	}
	primary, err := p.table.Primary(p.table.ProtectiveMBR(nil))
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	start := int64(-1)
	f, sparse := w.(truncateSeeker)
	if sparse {
		if start, err = f.Seek(0, io.SeekCurrent); err != nil {
			sparse = false
		}
	}
	ow := &offsetWriter{w: w}
	if err := ow.write(primary); err != nil {
		return err
	}
	if err := ow.padTo(diskAlign); err != nil {
		return err
	}
	n, err := esp.WriteTo(w)
	ow.off += n
	if err != nil {
		return fmt.Errorf("media: write the EFI system partition: %w", err)
	}
	backupAt := p.table.BackupOffset()
	if sparse && extendSparse(f, start+backupAt) == nil {
		ow.off = backupAt
	} else if err := ow.padTo(backupAt); err != nil {
		return err
	}
	return ow.write(p.table.Backup())
}
