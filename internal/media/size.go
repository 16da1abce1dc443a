package media

// Sizes of the BIOS media, known before anything is written: callers show a progress bar over
// them (the EFI ones are ISOEFISize and RawEFISize, beside their writers).

// ISOBIOSSize returns the size of the image WriteISOBIOS writes for these inputs.
func ISOBIOSSize(kernel, initrd ISOFile, opts ISOOptions) (int64, error) {
	p, err := planBIOS(kernel, initrd, opts)
	if err != nil {
		return 0, err
	}
	return p.layout.size(), nil
}

// RawBIOSSize returns the size of the disk WriteRawBIOS writes for these inputs, which is also
// the size of the disk a vmdk holds.
func RawBIOSSize(kernel, initrd ISOFile, opts RawOptions) (int64, error) {
	p, err := planBIOS(kernel, initrd, opts.ISOOptions)
	if err != nil {
		return 0, err
	}
	return rawDiskSize(p.layout.size(), opts.DiskSize)
}
