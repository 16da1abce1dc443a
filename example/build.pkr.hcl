# packer build example/build.pkr.hcl
# Pins every image with the data source, builds an ISO and a vmdk, and (optionally)
# registers a vSphere template. Set the vSphere connection through VSPHERE_SERVER,
# VSPHERE_USER and VSPHERE_PASSWORD (or GOVC_URL).
packer {
  required_plugins {
    linuxkit = {
      version = ">= 0.1.0"
      source  = "github.com/seed844b7c54/linuxkit"
    }
  }
}

data "linuxkit" "sshd" {
  spec_files = ["${path.root}/linuxkit.yml"]
}

source "linuxkit" "sshd" {
  spec             = data.linuxkit.sshd.yaml
  formats          = ["kernel+initrd", "iso-bios", "vmdk"]
  vmdk_subformat   = "streamOptimized"
  output_directory = "output-sshd"
}

build {
  sources = ["source.linuxkit.sshd"]
}
