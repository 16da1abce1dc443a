// Command packer-plugin-linuxkit is a Packer plugin that builds LinuxKit images
// natively in Go (no Docker) and registers them in VMware vSphere, Fusion or
// Workstation.
package main

import (
	"fmt"
	"os"

	"github.com/hashicorp/packer-plugin-sdk/plugin"

	"github.com/seed844b7c54/packer-plugin-linuxkit/builder/linuxkit"
	lkdata "github.com/seed844b7c54/packer-plugin-linuxkit/datasource/linuxkit"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware"
	"github.com/seed844b7c54/packer-plugin-linuxkit/version"
)

func main() {
	pps := plugin.NewSet()
	pps.RegisterBuilder(plugin.DEFAULT_NAME, new(linuxkit.Builder))
	pps.RegisterPostProcessor("vmware", new(vmware.PostProcessor))
	pps.RegisterDatasource(plugin.DEFAULT_NAME, new(lkdata.Datasource))
	registerTestComponents(pps)
	pps.SetVersion(version.PluginVersion)
	if err := pps.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		os.Exit(1)
	}
}
