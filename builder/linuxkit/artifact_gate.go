package linuxkit

import (
	"sort"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
)

// GateResults are what the gate steps proved about an artifact.
type GateResults struct {
	// BootTests maps each format boot_test booted to its boot time.
	BootTests map[string]string
	// SBOM is the path of <output_name>.spdx.json, SBOMDigest its sha256.
	SBOM, SBOMDigest string
	// Verified lists the components whose signature was checked.
	Verified []string
}

// gate copies the gate steps' products from the state bag.
func (a *Artifact) gate(state multistep.StateBag) {
	if v, ok := state.GetOk(stateBootTests); ok {
		a.BootTests = v.(map[string]string)
	}
	if v, ok := state.GetOk(stateSBOM); ok {
		f := v.(sbomFile)
		a.SBOM, a.SBOMDigest = f.path, f.digest
	}
	if v, ok := state.GetOk(stateVerified); ok {
		a.Verified = v.([]string)
	}
}

// gateState returns the gate's state value under name, and whether name
// is one of its keys.
func (a *Artifact) gateState(name string) (interface{}, bool) {
	switch name {
	case artifact.StateBootTests:
		if a.BootTests == nil {
			return nil, true
		}
		return a.BootTests, true
	case artifact.StateSBOM:
		if a.SBOM == "" {
			return nil, true
		}
		return a.SBOM, true
	case artifact.StateSBOMDigest:
		if a.SBOMDigest == "" {
			return nil, true
		}
		return a.SBOMDigest, true
	case artifact.StateVerified:
		if a.Verified == nil {
			return nil, true
		}
		return strings.Join(a.Verified, ","), true
	}
	return nil, false
}

// gateLabels adds the gate's HCP Packer labels: boot_test ("passed") and
// boot_time_<format>, sbom_digest, verified.
func (a *Artifact) gateLabels(l map[string]interface{}) {
	if len(a.BootTests) > 0 {
		formats := make([]string, 0, len(a.BootTests))
		for f, d := range a.BootTests {
			formats = append(formats, f)
			l["boot_time_"+f] = d
		}
		sort.Strings(formats)
		l["boot_test"] = "passed: " + strings.Join(formats, ",")
	}
	if a.SBOMDigest != "" {
		l["sbom_digest"] = a.SBOMDigest
	}
	if len(a.Verified) > 0 {
		l["verified"] = strings.Join(a.Verified, ",")
	}
}
