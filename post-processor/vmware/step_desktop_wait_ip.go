package vmware

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepDesktopWaitIP waits, when wait_for_ip is set, for VMware Tools in the
// guest to report an IP address (`vmrun getGuestIPAddress <vmx> -wait`,
// bounded by ip_wait_timeout). The address goes into the artifact's "ip"
// state.
type stepDesktopWaitIP struct{}

func (s *stepDesktopWaitIP) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r, ui := desktopState(state)
	if !r.cfg.WaitForIP {
		return multistep.ActionContinue
	}
	ui.Say(fmt.Sprintf("Waiting up to %s for the VM's IP address (needs open-vm-tools in the image)...", r.cfg.IPWaitTimeout))
	ip, err := r.vmrun.GuestIP(ctx, r.vmxPath, r.cfg.IPWaitTimeout)
	if err != nil {
		return desktopHalt(state, fmt.Errorf("waiting for the VM's IP address (ip_wait_timeout %s): %w", r.cfg.IPWaitTimeout, err))
	}
	r.ip = ip
	ui.Say(fmt.Sprintf("The VM's IP address is %s", ip))
	return multistep.ActionContinue
}

func (s *stepDesktopWaitIP) Cleanup(multistep.StateBag) {}
