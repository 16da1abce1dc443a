//go:build ignore

// Command govc is govmomi's govc CLI cut down to the commands the benchmark
// runs (datastore.upload, import.vmdk, version), built from the govmomi
// version our go.mod pins (scripts/bench.sh builds it in a wrapper module
// in the tools cache, outside this module), so the peer speaks the same API as our vcsim.
// Since govmomi v0.47.0 govc is a separate module without tags, so it cannot
// be installed at the pinned version; this main registers the commands from
// govmomi's cli packages instead.
package main

import (
	"os"

	"github.com/vmware/govmomi/cli"
	_ "github.com/vmware/govmomi/cli/about"
	_ "github.com/vmware/govmomi/cli/datastore"
	_ "github.com/vmware/govmomi/cli/importx"
	_ "github.com/vmware/govmomi/cli/version"
)

func main() {
	os.Exit(cli.Run(os.Args[1:]))
}
