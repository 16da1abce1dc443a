# The golden image as UEFI media for amd64: an ISO that boots as a CD or a disk, a raw GPT disk
# and the same disk as a vmdk (streamOptimized here, for a vSphere import with firmware = "efi";
# monolithicSparse for Workstation and Fusion on Intel Macs).
#   packer build .
# The boot program is a UKI of systemd's EFI stub: install it on the build host
# (Debian/Ubuntu: apt-get install systemd-boot-efi) or put linuxx64.efi.stub into a folder and
# pass -var bootloader_dir=<folder>.

variable "registry_mirror" {
  type        = string
  default     = ""
  description = "A registry host[:port] serving Docker Hub's images; empty pulls from Docker Hub."
}
variable "insecure_registries" {
  type    = list(string)
  default = []
}
variable "bootloader_dir" {
  type        = string
  default     = ""
  description = "A folder holding linuxx64.efi.stub; empty looks in /usr/lib/systemd/boot/efi."
}

source "linuxkit" "hello" {
  spec_files          = ["${path.root}/../spec/hello.yml"]
  output_name         = "hello"
  formats             = ["iso-efi", "raw-efi", "vmdk-efi"]
  vmdk_subformat      = "streamOptimized"
  output_directory    = "output-hello-efi"
  bootloader_dir      = var.bootloader_dir
  registry_mirrors    = var.registry_mirror == "" ? {} : { "docker.io" = var.registry_mirror }
  insecure_registries = var.insecure_registries
  # Boot every EFI medium: iso-efi as a CD, raw-efi and vmdk-efi as disks, under OVMF, before the artifact exists: the build fails unless the onboot
  # container's line reaches the serial console.
  boot_test {
    expect  = "hello from a LinuxKit golden image"
    timeout = "4m"
  }
}

build {
  sources = ["source.linuxkit.hello"]
}
