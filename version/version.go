// Package version holds the plugin's version, reported to Packer by `describe`
// and stamped into release binaries by goreleaser.
package version

import "github.com/hashicorp/packer-plugin-sdk/version"

var (
	// Version is the main version number of the plugin.
	Version = "0.1.0"
	// VersionPrerelease is "dev" for local builds; releases set it to "" with -ldflags.
	VersionPrerelease = "dev"
	// VersionMetadata is optional build metadata (semver "+..." part).
	VersionMetadata = ""
	// PluginVersion is what the plugin set reports to Packer.
	PluginVersion = version.NewPluginVersion(Version, VersionPrerelease, VersionMetadata)
)
