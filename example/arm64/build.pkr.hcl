# The golden image for arm64 UEFI machines: Fusion on Apple silicon, arm64 clouds and servers,
# QEMU's virt machine. Cross-built on any host: only the images' linux/arm64 variants are pulled.
#   packer build .
# The boot program is a UKI of systemd's arm64 EFI stub, linuxaa64.efi.stub: on an arm64 Debian
# or Ubuntu host apt-get install systemd-boot-efi; on an amd64 host take it from the arm64
# package (apt-get download systemd-boot-efi:arm64; dpkg-deb -x) and pass
# -var bootloader_dir=<folder holding linuxaa64.efi.stub>.

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
  description = "A folder holding linuxaa64.efi.stub; empty looks in /usr/lib/systemd/boot/efi."
}

source "linuxkit" "hello" {
  spec_files = ["${path.root}/../spec/hello.yml"]
  # arm64 virtual machines have a PL011 serial port, ttyAMA0; this spec is merged after
  # hello.yml and replaces its command line.
  spec                = "kernel:\n  cmdline: \"console=tty0 console=ttyAMA0\"\n"
  arch                = "arm64"
  output_name         = "hello"
  formats             = ["iso-efi", "raw-efi"]
  output_directory    = "output-hello-arm64"
  bootloader_dir      = var.bootloader_dir
  registry_mirrors    = var.registry_mirror == "" ? {} : { "docker.io" = var.registry_mirror }
  insecure_registries = var.insecure_registries
  # Boot both media under AAVMF (qemu-system-aarch64 -M virt); on an amd64 host that is emulation, so allow minutes, before the artifact exists: the build fails unless the onboot
  # container's line reaches the serial console.
  boot_test {
    expect  = "hello from a LinuxKit golden image"
    timeout = "4m"
  }
}

build {
  sources = ["source.linuxkit.hello"]
}
