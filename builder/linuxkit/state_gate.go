package linuxkit

// State-bag keys of the gate steps (verify, SBOM, boot_test), each with the
// type of its value.
const (
	stateVerified  = "verified"   // []string: the components whose signature was checked
	stateSBOMFound = "sbom_found" // *sbom.Result: what the root filesystem scan found
	stateSBOM      = "sbom"       // sbomFile: the written document
	stateBootTests = "boot_tests" // map[string]string: format → boot time
)

// sbomFile is the SBOM document the build wrote.
type sbomFile struct {
	path, digest string
}
