// Package boottest boots a LinuxKit medium in QEMU and watches its serial
// console for a line, so a build can prove its image boots before the
// artifact exists (the builder's boot_test) and the test rigs can prove it in
// tests (internal/testrig wraps this package; there is one copy of the QEMU
// code).
//
// It owns the QEMU command line of every medium the builder writes: the
// firmware and machine follow the medium and the architecture (SeaBIOS for
// iso-bios, raw-bios and vmdk; OVMF for amd64 EFI media on q35; AAVMF for
// arm64 on the virt machine, where CDs hang off virtio-scsi and disks are
// virtio), kernel+initrd boots directly. Acceleration is KVM on Linux when
// /dev/kvm opens read-write and the guest has the host's architecture, HVF
// on macOS when the hypervisor framework is there, else TCG; Options.Accel
// forces one. Disks boot with snapshot=on, so the medium is never modified,
// and the UEFI variable store is a temporary copy.
//
// The console (QEMU's stdout, stdin /dev/null, -nographic) is cleaned of
// escape sequences and carriage returns; Run waits for a regexp within a
// timeout and kills QEMU's process group afterwards. A failure is a *Failure
// carrying the console's last lines. A missing emulator or firmware is a
// *MissingError naming the Debian and Homebrew packages to install.
//
// It must not import the Packer SDK, know about file names of the build's
// outputs, or write anything but the temporary variable store: the caller
// saves the console log where it wants.
package boottest
