# A VM for VMware Workstation or Fusion on this machine: the vmdk, a generated .vmx, started
# with vmrun until it reports an IP address, then stopped. Open the .vmx to run it again.
#   packer build -var target=workstation .     # or target=fusion on an Intel Mac
# On Apple silicon Fusion runs only arm64 EFI guests: arch = "arm64" with formats = ["vmdk-efi"].

variable "target" {
  type    = string
  default = "workstation"
}
variable "registry_mirror" {
  type        = string
  default     = ""
  description = "A registry host[:port] serving Docker Hub's images; empty pulls from Docker Hub."
}
variable "insecure_registries" {
  type    = list(string)
  default = []
}
variable "vmrun_path" {
  type        = string
  default     = ""
  description = "vmrun, when it is not on PATH or in the application's default folder."
}

source "linuxkit" "hello" {
  spec_files          = ["${path.root}/../spec/hello.yml"]
  output_name         = "hello"
  formats             = ["vmdk"]
  registry_mirrors    = var.registry_mirror == "" ? {} : { "docker.io" = var.registry_mirror }
  insecure_registries = var.insecure_registries
}

build {
  sources = ["source.linuxkit.hello"]

  post-processor "linuxkit-vmware" {
    target           = var.target
    vmrun_path       = var.vmrun_path
    vm_name          = "hello-${var.target}"
    output_directory = "output-vm-${var.target}"
    cpus             = 1
    memory           = 1024
    wait_for_ip      = true
  }
}
