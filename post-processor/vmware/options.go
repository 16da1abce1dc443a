package vmware

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vsphere"
)

// desktopOptions and vsphereOptions are the option names that belong to one
// kind of target, read from the struct tags so they can never drift from the
// configuration itself. The options of common.HardwareConfig serve every
// target.
var (
	desktopOptions = common.OptionNames(reflect.TypeOf(desktop.DesktopConfig{}))
	vsphereOptions = common.OptionNames(reflect.TypeOf(vsphere.VSphereConfig{}))
)

// checkTargetOptions returns one error, in name order, for each option the
// user set that belongs to the other kind of target.
func checkTargetOptions(target string, set map[string]bool) []error {
	foreign, owner := vsphereOptions, `target "vsphere"`
	if target == common.TargetVSphere {
		foreign, owner = desktopOptions, `the desktop targets ("fusion", "workstation")`
	}
	var names []string
	for name := range set {
		if foreign[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		hint := ""
		if name == "overwrite" {
			hint = "; on a desktop target Packer's -force replaces output_directory"
		}
		errs = append(errs, fmt.Errorf("%s is an option of %s only; remove it, or change target %q%s", name, owner, target, hint))
	}
	return errs
}
