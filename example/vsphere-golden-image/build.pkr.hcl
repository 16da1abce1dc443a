# One LinuxKit spec → an ISO and a streamOptimized vmdk → a vSphere template (booting the ISO)
# and a content library OVF item (made from the vmdk). `make demo` runs this file against a
# local registry and vcsim; with the variables below it runs against Docker Hub and your vCenter.
#
#   export GOVC_URL='https://user:password@vcenter.example.com/sdk'   # or VSPHERE_SERVER/_USER/_PASSWORD
#   packer build -var datacenter=DC1 -var cluster=Prod -var datastore=ds1 -var library=golden .

variable "registry_mirror" {
  type        = string
  default     = ""
  description = "A registry host[:port] that serves Docker Hub's images; empty pulls from Docker Hub."
}
variable "insecure_registries" {
  type        = list(string)
  default     = []
  description = "Registries reached over plain HTTP (a local mirror)."
}
variable "cache_dir" {
  type        = string
  default     = ""
  description = "The OCI image cache; empty uses ~/.linuxkit/cache."
}
variable "output_directory" {
  type    = string
  default = "output-golden"
}
variable "vm_name" {
  type    = string
  default = "golden"
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
  description = "An existing content library on the datastore."
}

locals {
  mirrors = var.registry_mirror == "" ? {} : { "docker.io" = var.registry_mirror }
  # The tags every image of this pipeline carries (made on first use: create_tags).
  tags = [
    { category = "os", name = "linuxkit" },
    { category = "pipeline", name = "golden-image" },
  ]
}

# Resolves every tag to a digest once, so the build and its HCP record name exact images.
data "linuxkit" "golden" {
  spec_files          = ["${path.root}/../spec/hello.yml"]
  registry_mirrors    = local.mirrors
  insecure_registries = var.insecure_registries
  cache_dir           = var.cache_dir
}

source "linuxkit" "golden" {
  spec                = data.linuxkit.golden.yaml
  output_name         = var.vm_name
  output_directory    = var.output_directory
  formats             = ["iso-bios", "vmdk"]
  vmdk_subformat      = "streamOptimized"
  registry_mirrors    = local.mirrors
  insecure_registries = var.insecure_registries
  cache_dir           = var.cache_dir

  # Nothing reaches vSphere unless the ISO boots in QEMU and its onboot container prints its
  # line. The console is saved as golden-boot-iso-bios.log; <name>.spdx.json (the SBOM) is
  # written by default.
  boot_test {
    formats = ["iso-bios"]
    expect  = "hello from a LinuxKit golden image"
  }
}

build {
  sources = ["source.linuxkit.golden"]

  # The ISO, attached as a CD-ROM, becomes a template to clone from.
  post-processor "linuxkit-vmware" {
    name                = "template"
    target              = "vsphere"
    vm_name             = "${var.vm_name}-template"
    boot_media          = "iso"
    datacenter          = var.datacenter
    cluster             = var.cluster
    datastore           = var.datastore
    network             = var.network
    convert_to_template = true
    cpu_cores           = 1
    memory_reservation  = 512
    create_tags         = true
    dynamic "tags" {
      for_each = local.tags
      content {
        category = tags.value.category
        name     = tags.value.name
      }
    }
    keep_input_artifact = true
  }

  # The vmdk is imported as a VM, published as an OVF item, and the VM removed.
  post-processor "linuxkit-vmware" {
    name        = "content-library"
    target      = "vsphere"
    vm_name     = var.vm_name
    boot_media  = "disk"
    datacenter  = var.datacenter
    cluster     = var.cluster
    datastore   = var.datastore
    network     = var.network
    create_tags = true
    dynamic "tags" {
      for_each = local.tags
      content {
        category = tags.value.category
        name     = tags.value.name
      }
    }
    content_library {
      library     = var.library
      ovf         = true
      destroy     = true
      description = "LinuxKit golden image ${data.linuxkit.golden.digest}"
    }
    keep_input_artifact = true
  }
}
