// Package sbom writes the SPDX 2.3 JSON software bill of materials of an
// assembled LinuxKit image (`<name>.spdx.json`).
//
// It takes no Packer input: a Document is built from the pinned images
// (component key → reference with digest), the content digest of the pinned
// spec, a creation time, the root filesystem as a tar stream (Scan) and,
// optionally, SPDX documents the images carry as attestations (Merge).
//
// The output is a pure function of those inputs: the document namespace and
// every SPDX identifier are derived from the spec digest and the package
// contents, never from a random UUID or the clock, and packages are sorted,
// so the same inputs give the same bytes.
//
// Scan reads the stream once and holds only what it catalogues: the dpkg
// status databases (var/lib/dpkg/status, var/lib/dpkg/status.d/*), the apk
// databases (lib/apk/db/installed), os-release files (for the purl
// namespace) and the build information of Go binaries, found by streaming
// every ELF file through a search for the `.go.buildinfo` section (the
// inline format Go 1.18 and later write; older binaries are skipped). Every
// read is bounded (see Limits): a hostile stream cannot make it hold more
// than a few MiB, and names are cleaned, never used as file paths.
//
// Why not anchore/syft: syft's cataloguers are a complete scanner, but as a
// library they bring hundreds of modules (container runtimes, archive
// formats, cloud SDKs, every language ecosystem) into go.sum and roughly
// double the plugin's build time, and they want a directory or an image
// source rather than the tar stream the builder already produces. The three
// formats a LinuxKit image carries (dpkg, apk, Go build info) are small,
// documented formats, so this package reads them itself and uses
// spdx/tools-golang, which has almost no dependencies, only for the document
// model and the JSON writer.
package sbom
