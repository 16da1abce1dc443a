# Pin every image to a digest with the `linuxkit` data source, build from the pinned YAML,
# and record the build in HCP Packer with the spec's content digest as a label, so two builds
# of the same pinned spec are recognisably the same image.
#   export HCP_CLIENT_ID=… HCP_CLIENT_SECRET=… HCP_ORGANIZATION_ID=… HCP_PROJECT_ID=…
#   packer build .          # HCP_PACKER_REGISTRY=off builds without recording

variable "registry_mirror" {
  type        = string
  default     = ""
  description = "A registry host[:port] serving Docker Hub's images; empty pulls from Docker Hub."
}
variable "insecure_registries" {
  type    = list(string)
  default = []
}

locals {
  mirrors = var.registry_mirror == "" ? {} : { "docker.io" = var.registry_mirror }
}

data "linuxkit" "hello" {
  spec_files          = ["${path.root}/../spec/hello.yml"]
  registry_mirrors    = local.mirrors
  insecure_registries = var.insecure_registries
}

source "linuxkit" "hello" {
  spec                = data.linuxkit.hello.yaml
  output_name         = "hello"
  formats             = ["iso-bios"]
  registry_mirrors    = local.mirrors
  insecure_registries = var.insecure_registries
}

build {
  sources = ["source.linuxkit.hello"]

  hcp_packer_registry {
    bucket_name = "linuxkit-hello"
    description = "The LinuxKit hello golden image"
    bucket_labels = {
      "os"          = "linuxkit"
      "spec-digest" = replace(data.linuxkit.hello.digest, "sha256:", "")
    }
    build_labels = {
      "kernel" = data.linuxkit.hello.kernel
    }
  }
}
