# The golden image as an OVA to carry to another vCenter or an air-gapped site:
#   packer build .
#   govc import.ova -name hello output-hello-ova/hello.ova
# The OVA holds hello.ovf (the descriptor), hello.mf (SHA256 manifest) and hello-disk1.vmdk
# (the raw-bios disk, streamOptimized). The raw-bios disk is kept beside it and booted by
# boot_test before the artifact exists.

variable "registry_mirror" {
  type        = string
  default     = ""
  description = "A registry host[:port] serving Docker Hub's images; empty pulls from Docker Hub."
}
variable "insecure_registries" {
  type    = list(string)
  default = []
}

source "linuxkit" "hello" {
  spec_files          = ["${path.root}/../spec/hello.yml"]
  output_name         = "hello"
  formats             = ["raw-bios", "ova"]
  output_directory    = "output-hello-ova"
  ovf_cpus            = 2
  ovf_memory          = 1024
  ovf_guest_os_type   = "other5xLinux64Guest"
  registry_mirrors    = var.registry_mirror == "" ? {} : { "docker.io" = var.registry_mirror }
  insecure_registries = var.insecure_registries
  # Boot the disk the OVA carries (raw-bios) under SeaBIOS: the build fails unless the onboot
  # container's line reaches the serial console.
  boot_test {
    expect  = "hello from a LinuxKit golden image"
    timeout = "4m"
  }
}

build {
  sources = ["source.linuxkit.hello"]
}
