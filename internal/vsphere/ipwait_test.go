package vsphere

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

func TestIPWaitPick(t *testing.T) {
	_, ten, _ := net.ParseCIDR("10.0.0.0/8")
	nics := []types.GuestNicInfo{
		{Network: "VM Network", IpAddress: []string{"fe80::1", "192.168.1.5"}},
		{Network: "DC0_DVPG0", IpAddress: []string{"10.1.2.3"}},
	}
	for _, tc := range []struct {
		w      IPWait
		single string
		want   string
	}{
		{IPWait{}, "", "192.168.1.5"},                      // the first usable address of any NIC
		{IPWait{CIDR: ten}, "", "10.1.2.3"},                // the first inside the block
		{IPWait{Network: "DC0_DVPG0"}, "", "10.1.2.3"},     // that NIC's only
		{IPWait{Network: "other"}, "172.16.0.1", ""},       // no NIC there, and guest.ipAddress names no network
		{IPWait{}, "172.16.0.1", "192.168.1.5"},            // the NICs first
		{IPWait{CIDR: ten, Network: "VM Network"}, "", ""}, // both filters
	} {
		if got := tc.w.pick(nics, tc.single); got != tc.want {
			t.Errorf("%+v: pick = %q, want %q", tc.w, got, tc.want)
		}
	}
	if got := (IPWait{}).pick(nil, "172.16.0.1"); got != "172.16.0.1" {
		t.Errorf("without guest.net: %q, want guest.ipAddress", got)
	}
}

// TestWaitForIPAddressSettles: a steady address is returned once it stayed
// for Settle; one that changes meanwhile gives the new one; a filter no
// address passes times out with ErrIPTimeout, naming the filter.
func TestWaitForIPAddressSettles(t *testing.T) {
	s := sharedSim(t)
	d, tg := s.target(t)
	ctx := context.Background()
	vm, err := d.CreateVM(ctx, tg, minimalSpec("lk-settle", "build-settle"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.PowerOn(ctx, vm); err != nil {
		t.Fatal(err)
	}
	setExtraConfig(t, vm, map[string]string{"SET.guest.ipAddress": "10.0.0.1"})
	start := time.Now()
	ip, err := d.WaitForIPAddress(ctx, vm, IPWait{Timeout: time.Minute, Settle: 300 * time.Millisecond})
	if err != nil || ip != "10.0.0.1" {
		t.Fatalf("steady address: %q, %v", ip, err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("returned after %s, before the address settled for 300ms", took)
	}

	got := make(chan string, 1)
	go func() {
		ip, err := d.WaitForIPAddress(ctx, vm, IPWait{Timeout: time.Minute, Settle: time.Second})
		if err != nil {
			t.Errorf("WaitForIPAddress: %v", err)
		}
		got <- ip
	}()
	setExtraConfig(t, vm, map[string]string{"SET.guest.ipAddress": "10.0.0.2"})
	select {
	case ip := <-got:
		if ip != "10.0.0.2" {
			t.Errorf("changing address: %q, want the last one", ip)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("WaitForIPAddress did not return")
	}

	_, other, _ := net.ParseCIDR("192.168.0.0/16")
	_, err = d.WaitForIPAddress(ctx, vm, IPWait{Timeout: 200 * time.Millisecond, CIDR: other})
	if !errors.Is(err, ErrIPTimeout) || !strings.Contains(err.Error(), "in 192.168.0.0/16") {
		t.Errorf("outside the CIDR: %v, want ErrIPTimeout naming the block", err)
	}
}
