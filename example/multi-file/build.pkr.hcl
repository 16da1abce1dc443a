# Several spec files merged in order, like `linuxkit build base.yml overlay.yml`: the base
# golden image plus an overlay that adds a container and a file. Writes kernel+initrd (for
# PXE or `qemu -kernel`) and an ISO.
#   packer build .

variable "registry_mirror" {
  type        = string
  default     = ""
  description = "A registry host[:port] serving Docker Hub's images; empty pulls from Docker Hub."
}
variable "insecure_registries" {
  type    = list(string)
  default = []
}

source "linuxkit" "merged" {
  spec_files          = ["${path.root}/../spec/hello.yml", "${path.root}/overlay.yml"]
  output_name         = "merged"
  formats             = ["kernel+initrd", "iso-bios"]
  registry_mirrors    = var.registry_mirror == "" ? {} : { "docker.io" = var.registry_mirror }
  insecure_registries = var.insecure_registries
}

build {
  sources = ["source.linuxkit.merged"]
}
