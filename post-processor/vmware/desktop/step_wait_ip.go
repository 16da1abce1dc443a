package desktop

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	vmwdesktop "github.com/seed844b7c54/packer-plugin-linuxkit/internal/desktop"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepWaitIP waits, in a run with wait_for_ip only, for VMware Tools in the
// guest to report an IP address (`vmrun getGuestIPAddress <vmx> -wait`,
// bounded by ip_wait_timeout). The address (stateIP) goes into the
// artifact's "ip" state.
type stepWaitIP struct {
	timeout time.Duration // ip_wait_timeout
}

func (s *stepWaitIP) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := common.UI(state)
	ui.Say(fmt.Sprintf("Waiting up to %s for the VM's IP address (needs open-vm-tools in the image)...", s.timeout))
	vmrun := state.Get(stateVmrun).(*vmwdesktop.Vmrun)
	ip, err := vmrun.GuestIP(ctx, state.Get(stateVMX).(string), s.timeout)
	if err != nil {
		return common.Halt(state, fmt.Errorf("waiting for the VM's IP address (ip_wait_timeout %s): %w", s.timeout, err))
	}
	state.Put(stateIP, ip)
	ui.Say(fmt.Sprintf("The VM's IP address is %s", ip))
	return multistep.ActionContinue
}

func (s *stepWaitIP) Cleanup(multistep.StateBag) {}
