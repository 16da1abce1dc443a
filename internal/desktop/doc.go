// Package desktop is the engine behind the desktop targets (fusion and
// workstation) of the linuxkit-vmware post-processor.
//
// It owns three things:
//
//   - the VMX model: parse, merge, escape and write VMware's .vmx files
//     (vmx.go, parse.go, write.go, escape.go), and the generation of a VMX
//     for a LinuxKit VM from a small Config (generate.go, devices.go);
//   - native extra disks: empty monolithicSparse VMDKs written by the
//     project's own writer in internal/vmdk (disk.go);
//   - the vmrun driver: locating vmrun for Fusion or Workstation
//     (find.go), checking that the host can run the guest (host.go), and
//     start / stop / list / getGuestIPAddress (vmrun.go).
//
// It must not touch: the Packer SDK (this is a pure library that the
// post-processor's steps drive), option parsing (sizes such as "10G" and
// durations are parsed by the config layer), or any other internal
// package's files. It never buffers a disk image in memory.
//
// VMX keys are case-insensitive for VMware. A VMX here looks keys up
// case-insensitively but keeps the spelling most recently set, so the file
// reads like one VMware wrote (virtualHW.version, displayName). Output is
// sorted by lowercased key, which makes it byte-stable for the same input.
package desktop
