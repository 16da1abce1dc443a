package vsphere

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/vim25/types"
)

// IPWait says which guest address WaitForIPAddress waits for, and how long.
type IPWait struct {
	// Timeout bounds the whole wait (0: as long as the context allows); running out is
	// ErrIPTimeout.
	Timeout time.Duration
	// Settle is how long the chosen address must stay the same before it is returned, so a
	// DHCP lease that changes right after boot is not taken (0: take the first).
	Settle time.Duration
	// Network restricts the wait to the NIC on this network (guest.net[].network); empty
	// takes an address of any NIC.
	Network string
	// CIDR restricts the wait to addresses inside it; nil takes any usable address.
	CIDR *net.IPNet
}

// WaitForIPAddress waits until VMware Tools in the guest reports a usable IP address that
// w accepts (see IPWait) and keeps it for w.Settle, and returns it. It watches guest.net and
// guest.ipAddress through the property collector, without polling.
func (d *Driver) WaitForIPAddress(ctx context.Context, vm *object.VirtualMachine, w IPWait) (string, error) {
	wctx := ctx
	if w.Timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, w.Timeout)
		defer cancel()
	}
	d.logf("vSphere: waiting for %s to report an IP address%s", vmName(vm), w.describe())
	ip := ""
	for {
		next, err := d.nextIP(wctx, vm, w, ip)
		if ip != "" && errors.Is(err, errSettled) {
			d.logf("vSphere: %s has IP address %s", vmName(vm), ip)
			return ip, nil
		}
		switch {
		case err == nil:
			ip = next
			continue
		case ctx.Err() == nil && errors.Is(wctx.Err(), context.DeadlineExceeded):
			return "", fmt.Errorf("%s: %w%s within %s (is VMware Tools, e.g. open-vm-tools, running in the guest?)", vmName(vm), ErrIPTimeout, w.describe(), w.Timeout)
		default:
			return "", fmt.Errorf("wait for the IP address of %s: %w", vmName(vm), err)
		}
	}
}

// errSettled ends a settle period in which the address did not change.
var errSettled = errors.New("the address settled")

// nextIP waits for an accepted address other than prev. With a prev address it waits at most
// w.Settle and returns errSettled when nothing else came.
func (d *Driver) nextIP(ctx context.Context, vm *object.VirtualMachine, w IPWait, prev string) (string, error) {
	if prev != "" {
		if w.Settle <= 0 {
			return "", errSettled
		}
		settle, cancel := context.WithTimeout(ctx, w.Settle)
		defer cancel()
		ip, err := d.watchIP(settle, vm, w, prev)
		if err != nil && ctx.Err() == nil && settle.Err() != nil {
			return "", errSettled
		}
		return ip, err
	}
	return d.watchIP(ctx, vm, w, "")
}

// watchIP returns the first accepted address that differs from prev.
func (d *Driver) watchIP(ctx context.Context, vm *object.VirtualMachine, w IPWait, prev string) (string, error) {
	var ip string
	var nics []types.GuestNicInfo
	var single string
	err := d.retry(ctx, "wait for the IP address", func() error {
		pc := property.DefaultCollector(d.vc)
		return property.Wait(ctx, pc, vm.Reference(), []string{"guest.net", "guest.ipAddress"}, func(changes []types.PropertyChange) bool {
			for _, c := range changes {
				switch v := c.Val.(type) {
				case types.ArrayOfGuestNicInfo:
					nics = v.GuestNicInfo
				case string:
					if c.Name == "guest.ipAddress" {
						single = v
					}
				}
			}
			ip = w.pick(nics, single)
			return ip != "" && ip != prev
		})
	})
	return ip, err
}

// pick chooses the first address w accepts: from the NICs (on w.Network when set), else,
// without a network filter, guest.ipAddress.
func (w IPWait) pick(nics []types.GuestNicInfo, single string) string {
	for _, n := range nics {
		if w.Network != "" && n.Network != w.Network {
			continue
		}
		for _, a := range n.IpAddress {
			if w.accepts(a) {
				return a
			}
		}
	}
	if w.Network == "" && w.accepts(single) {
		return single
	}
	return ""
}

// accepts reports whether the address is usable and inside w.CIDR.
func (w IPWait) accepts(s string) bool {
	if !usableIP(s) {
		return false
	}
	return w.CIDR == nil || w.CIDR.Contains(net.ParseIP(s))
}

// describe names the filters for messages.
func (w IPWait) describe() string {
	s := ""
	if w.Network != "" {
		s += fmt.Sprintf(" on network %q", w.Network)
	}
	if w.CIDR != nil {
		s += " in " + w.CIDR.String()
	}
	return s
}
