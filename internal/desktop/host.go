package desktop

import "fmt"

// CheckHost reports whether a VMware desktop hypervisor on goos/goarch can
// run a guest of guestArch ("amd64", "arm64") booting with firmware ("bios",
// "efi"). Pass runtime.GOOS and runtime.GOARCH. It exists so a build fails
// before anything is written, with a message that says what would work:
//
//   - Fusion on Apple silicon (darwin/arm64) runs only arm64 EFI guests;
//     amd64 guests need an Intel Mac or Workstation;
//   - Intel Macs and Workstation (Linux, Windows on amd64) run amd64 guests
//     only: they do not emulate arm64;
//   - Workstation has no arm64 host build.
func CheckHost(goos, goarch, guestArch, firmware string) error {
	if err := oneOf("arch", guestArch, "amd64", "arm64"); err != nil {
		return err
	}
	if err := oneOf("firmware", firmware, "bios", "efi"); err != nil {
		return err
	}
	switch {
	case goos == "darwin" && goarch == "arm64":
		if guestArch != "arm64" || firmware != "efi" {
			return fmt.Errorf("VMware Fusion on Apple silicon runs only arm64 EFI guests, not %s %s; "+
				"build the image with arch = \"arm64\" and an EFI format (iso-efi, vmdk-efi), "+
				"or run amd64 guests on an Intel Mac or VMware Workstation",
				guestArch, firmwareName(firmware))
		}
	case goos == "darwin" || goos == "linux" || goos == "windows":
		if goarch != "amd64" {
			return fmt.Errorf("VMware Workstation does not run on %s/%s hosts", goos, goarch)
		}
		if guestArch != "amd64" {
			return fmt.Errorf("an %s host runs only amd64 guests under VMware, not %s (use Fusion on Apple silicon for arm64)", goarch, guestArch)
		}
	default:
		return fmt.Errorf("no VMware desktop hypervisor runs on %s/%s (Fusion needs macOS, Workstation Linux or Windows)", goos, goarch)
	}
	return nil
}

func firmwareName(f string) string {
	if f == "efi" {
		return "EFI"
	}
	return "BIOS"
}
