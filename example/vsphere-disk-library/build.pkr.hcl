# A streamOptimized vmdk imported as a VM, published to a content library as an OVF item,
# and the VM removed: clone new VMs from the library item.
#   export GOVC_URL='https://user:password@vcenter.example.com/sdk'
#   packer build -var datacenter=DC1 -var cluster=Prod -var datastore=ds1 -var library=golden .

variable "registry_mirror" {
  type        = string
  default     = ""
  description = "A registry host[:port] serving Docker Hub's images; empty pulls from Docker Hub."
}
variable "insecure_registries" {
  type    = list(string)
  default = []
}
variable "datacenter" { type = string }
variable "cluster" { type = string }
variable "datastore" { type = string }
variable "network" {
  type    = string
  default = "VM Network"
}
variable "library" {
  type        = string
  description = "An existing content library."
}

source "linuxkit" "hello" {
  spec_files          = ["${path.root}/../spec/hello.yml"]
  output_name         = "hello-disk"
  formats             = ["vmdk"]
  vmdk_subformat      = "streamOptimized"
  registry_mirrors    = var.registry_mirror == "" ? {} : { "docker.io" = var.registry_mirror }
  insecure_registries = var.insecure_registries
}

build {
  sources = ["source.linuxkit.hello"]

  post-processor "linuxkit-vmware" {
    target     = "vsphere"
    vm_name    = "hello-disk"
    boot_media = "disk"
    datacenter = var.datacenter
    cluster    = var.cluster
    datastore  = var.datastore
    network    = var.network
    content_library {
      library = var.library
      ovf     = true
      destroy = true
    }
  }
}
