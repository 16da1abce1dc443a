# packer build example/fusion.pkr.hcl
# Builds the spec in linuxkit.yml as a monolithicSparse vmdk and makes a VMware
# Fusion VM of it (Intel Mac): a folder output-linuxkit-sshd-vmware/ holding the
# .vmx, a copy of the disk, a 10 GiB data disk and the serial console log.
# On Linux or Windows use VMware Workstation: -var target=workstation.
# Fusion on Apple silicon runs only arm64 EFI guests, which this plugin does
# not build yet: use an Intel Mac, Workstation, or target "vsphere".

variable "target" {
  type        = string
  default     = "fusion"
  description = "fusion (Intel Mac) or workstation (Linux, Windows)"
}

data "linuxkit" "desktop" {
  spec_files = ["${path.root}/linuxkit.yml"]
}

source "linuxkit" "desktop" {
  spec             = data.linuxkit.desktop.yaml
  output_name      = "linuxkit-sshd"
  formats          = ["kernel+initrd", "vmdk"] # vmdk_subformat defaults to monolithicSparse, what Fusion runs
  output_directory = "output-linuxkit-sshd"
}

build {
  sources = ["source.linuxkit.desktop"]

  post-processor "linuxkit-vmware" {
    target       = var.target
    vm_name      = "linuxkit-sshd" # the VM folder defaults to output-linuxkit-sshd-vmware
    cpus         = 2
    memory       = 1024 # the system runs from its initrd: memory holds the whole image
    disks        = ["10G"]
    network_type = "nat"
    # serial_log (default true) writes the console to <output_directory>/console.log;
    # linuxkit.yml has console=ttyS0 on its kernel command line.
    keep_running = true # leave it running; false stops it (soft, then hard)
    # wait_for_ip = true needs open-vm-tools in the image.

    # Keep the builder's vmdk and kernel: the VM runs from its own copy anyway.
    keep_input_artifact = true
  }
}
