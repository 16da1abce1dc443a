package epoch

import (
	"testing"
	"time"
)

func TestLinuxKit(t *testing.T) {
	if got := LinuxKit.Format(time.RFC3339); got != "2017-04-18T16:30:00Z" {
		t.Errorf("LinuxKit = %s", got)
	}
}
