package vsphere

import (
	"fmt"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"

	"github.com/seed844b7c54/packer-plugin-linuxkit/common/progress"
)

// transfer shows one datastore upload or NFC import: a Packer progress bar
// named for the file (drawn when packer runs in a terminal), and a UI line
// every 10%, so a log without a terminal still shows how far it got.
type transfer struct {
	ui   packersdk.Ui
	name string
	bars *progress.Set
	last int64 // the percentage last said; -1 before the first
}

// newTransfer starts showing the transfer of the file called name.
func newTransfer(ui packersdk.Ui, name string) *transfer {
	return &transfer{ui: ui, name: name, bars: progress.NewSet(ui), last: -1}
}

// update is the engine's vsdriver.ProgressFunc: done of total bytes sent.
func (t *transfer) update(done, total int64) {
	if total <= 0 {
		return
	}
	t.bars.Update(t.name, done, total)
	pct := done * 100 / total
	if pct/10 == t.last/10 && pct != 100 || pct == t.last {
		return
	}
	t.last = pct
	t.ui.Say(fmt.Sprintf("Uploaded %d%% (%d of %d MiB)", pct, done>>20, total>>20))
}

// close ends the bar wherever it stands (a failed or cancelled transfer);
// a finished bar is already closed.
func (t *transfer) close() { t.bars.Close() }
