package vmdk

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Defaults for the descriptor's disk database.
const (
	// DefaultAdapter is the ddb.adapterType written when Options.Adapter is empty.
	DefaultAdapter = "lsilogic"
	// DefaultHWVersion is the ddb.virtualHWVersion written when Options.HWVersion is empty:
	// the lowest version that knows sparse extents, so any VM can use the disk.
	DefaultHWVersion = "4"
	// DefaultExtentName is the file name written in the extent line when Options.ExtentName
	// is empty and the destination has no name of its own.
	DefaultExtentName = "disk.vmdk"
)

// Subformat names as the descriptor's createType spells them.
const (
	MonolithicSparse = "monolithicSparse"
	StreamOptimized  = "streamOptimized"
)

// Options choose the subformat and the descriptor's contents. The zero value writes a
// monolithicSparse disk for an lsilogic adapter.
type Options struct {
	// Compressed selects streamOptimized (zlib-compressed grains, markers, metadata at the
	// end) instead of monolithicSparse.
	Compressed bool
	// Adapter is ddb.adapterType: "ide", "buslogic", "lsilogic" (default) or "legacyESX".
	// VMware writes lsilogic for pvscsi disks too.
	Adapter string
	// CID is the descriptor's content ID; 0 derives it from a digest of the disk's content.
	CID uint32
	// HWVersion is ddb.virtualHWVersion, a decimal number; empty means DefaultHWVersion.
	HWVersion string
	// ExtentName is the file name in the descriptor's extent line, which names the file
	// itself. Empty means the base name of dst when dst has a Name method (an *os.File),
	// else DefaultExtentName.
	ExtentName string
}

// Subformat returns the createType the options produce.
func (o Options) Subformat() string {
	if o.Compressed {
		return StreamOptimized
	}
	return MonolithicSparse
}

// resolve fills the defaults and validates every field.
func (o Options) resolve(dst io.Writer) (Options, error) {
	if o.Adapter == "" {
		o.Adapter = DefaultAdapter
	}
	switch o.Adapter {
	case "ide", "buslogic", "lsilogic", "legacyESX":
	default:
		return o, fmt.Errorf("vmdk: adapter %q: must be ide, buslogic, lsilogic or legacyESX", o.Adapter)
	}
	if o.HWVersion == "" {
		o.HWVersion = DefaultHWVersion
	}
	if strings.Trim(o.HWVersion, "0123456789") != "" || len(o.HWVersion) > 4 {
		return o, fmt.Errorf("vmdk: hardware version %q is not a number", o.HWVersion)
	}
	if o.ExtentName == "" {
		o.ExtentName = DefaultExtentName
		if n, ok := dst.(interface{ Name() string }); ok && n.Name() != "" {
			o.ExtentName = filepath.Base(n.Name())
		}
	}
	// 160 bytes keep the whole descriptor within its first sector, all that some readers
	// (govmomi's vmdk.Seek, used by govc import.vmdk) look at.
	if strings.ContainsAny(o.ExtentName, "\"\r\n\x00") || len(o.ExtentName) > 160 {
		return o, fmt.Errorf("vmdk: extent name %q cannot go in a descriptor", o.ExtentName)
	}
	return o, nil
}
