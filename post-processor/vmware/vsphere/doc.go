// Package vsphere is the linuxkit-vmware post-processor's "vsphere" target:
// its options (VSphereConfig, with the connection, the placement, the
// template standards of StandardsConfig and the content library), the steps
// that upload or convert the boot medium, create the VM, make it a template
// or a library item and tag them, and the Artifact they make. govmomi lives in internal/vsphere; what both targets share lives in
// the common package.
package vsphere
