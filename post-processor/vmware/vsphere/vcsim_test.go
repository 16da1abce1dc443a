package vsphere_test

import (
	"testing"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/vmwaretest"
)

// The login of the in-process simulator: testrig's, whose password holds
// characters URL escaping changes, so a leak in any spelling is caught.
const (
	vsUser     = testrig.VCSimUser
	vsPassword = testrig.VCSimPassword
)

// vsSim is a vCenter simulator a test runs the post-processor against:
// testrig's one vcsim setup (StartVCSim), and the login the test uses.
type vsSim struct {
	sim        *testrig.VCSim
	host       string
	user, pass string
}

// newVSSim starts testrig's simulator in process for one test, requiring
// vsUser/vsPassword, in an environment without vSphere variables.
func newVSSim(t *testing.T, opts ...testrig.VCSimOption) *vsSim {
	t.Helper()
	vmwaretest.CleanEnv(t)
	s := testrig.StartVCSim(t, opts...)
	return &vsSim{sim: s, host: s.Host(), user: s.Username, pass: s.Password}
}

// newAnyLoginSim starts the simulator accepting every login, as the real
// packer's templates pass their own; user and pass are the login the test's
// own checks use.
func newAnyLoginSim(t *testing.T, user, pass string) *vsSim {
	t.Helper()
	s := testrig.StartVCSim(t, testrig.WithAnyLogin())
	return &vsSim{sim: s, host: s.Host(), user: user, pass: pass}
}
