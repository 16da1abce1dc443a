// Package vmware is the Packer post-processor "linuxkit-vmware": it turns the
// linuxkit builder's artifact into a VMware virtual machine, either on a
// desktop hypervisor (target "fusion" or "workstation", driven by vmrun) or on
// vSphere (target "vsphere": a VM, a template or a content library item).
//
// This package is a Packer shell. It owns the user-facing configuration
// (config*.go, with the generated *.hcl2spec.go files and the docs partials
// they feed), its validation, and later the steps that drive the engine
// packages. It must not contain engine logic: VMX handling and vmrun live in
// internal/desktop, govmomi in internal/vsphere, and it must not be imported by
// any internal/* package (those never import the Packer SDK).
//
// Status: the desktop targets run (desktop.go and step_desktop_*.go), and so
// does the vsphere target (vsphere.go, step_vsphere_*.go, artifact_vsphere.go).
package vmware
