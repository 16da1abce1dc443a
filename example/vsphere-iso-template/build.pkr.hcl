# An ISO on a datastore, attached as the CD-ROM of a new VM, converted to a template.
#   export GOVC_URL='https://user:password@vcenter.example.com/sdk'
#   packer build -var datacenter=DC1 -var cluster=Prod -var datastore=ds1 .

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
variable "folder" {
  type    = string
  default = ""
}

source "linuxkit" "hello" {
  spec_files          = ["${path.root}/../spec/hello.yml"]
  output_name         = "hello"
  formats             = ["iso-bios"]
  registry_mirrors    = var.registry_mirror == "" ? {} : { "docker.io" = var.registry_mirror }
  insecure_registries = var.insecure_registries
}

build {
  sources = ["source.linuxkit.hello"]

  post-processor "linuxkit-vmware" {
    target              = "vsphere"
    vm_name             = "hello-template"
    datacenter          = var.datacenter
    cluster             = var.cluster
    datastore           = var.datastore
    network             = var.network
    folder              = var.folder
    cpus                = 1
    memory              = 1024
    disks               = ["4G"]
    convert_to_template = true
  }
}
