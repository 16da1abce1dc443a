// Package sbom writes the SPDX 2.3 JSON software bill of materials of an
// assembled LinuxKit image (`<name>.spdx.json`).
//
// It takes no Packer input: a Document is built from the pinned images
// (component key → reference with digest), the content digest of the pinned
// spec, a creation time, the root filesystem as a tar stream (Scan) and,
// optionally, the SPDX documents the images carry as buildkit attestations
// (Attestations reads them from an image index; Document merges them under
// their image as linuxkit does).
//
// The output is a pure function of those inputs: the document namespace and
// every SPDX identifier are derived from the spec digest and the package
// contents, never from a random UUID or the clock, and packages are sorted,
// so the same inputs give the same bytes.
//
// Scan (or a StreamScanner fed by io.MultiWriter beside the initrd writer)
// reads the stream once and holds only what it catalogues: the dpkg
// status databases (var/lib/dpkg/status, var/lib/dpkg/status.d/*), the apk
// databases (lib/apk/db/installed), os-release files (for the purl
// namespace) and the build information of Go binaries, found by streaming
// every ELF file through a search for the `.go.buildinfo` section (the
// inline format Go 1.18 and later write; older binaries are skipped). Every
// read is bounded (see Limits): a hostile stream cannot make it hold more
// than a few MiB, and names are cleaned, never used as file paths.
//
// Why not anchore/syft: syft's cataloguers are a complete scanner, but as
// a library they cost too much for three formats. Measured on
// 2026-12-03 with syft v1.57.2: a program that only calls syft.GetSource
// has a 1589-line go.sum and a 298-line go.mod graph (this module's whole
// go.sum is about 650 lines), builds cold in about six minutes on two
// cores and weighs 99.6 MB; syft also wants a directory or an image source
// rather than the tar stream the builder already produces. The formats a
// LinuxKit image carries (dpkg, apk, Go build info) are small and
// documented, so this package reads them itself and uses
// spdx/tools-golang (one extra module, anchore/go-struct-converter) only
// for the document model and the JSON writer.
package sbom
