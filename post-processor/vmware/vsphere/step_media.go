package vsphere

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/post-processor/vmware/common"
)

// stepUploadISO uploads the artifact's ISO, in a run with boot_media "iso",
// to `[datastore] <upload_path>/<vm_name>-<digest12>.iso`, unless the
// datastore already holds that very file, showing the progress. It puts the
// ISO's datastore path (stateISOPath). Cleanup removes, after a failure or a
// cancellation, the file if this run uploaded it (never one it found in
// place).
type stepUploadISO struct {
	src     string // the artifact's ISO
	dsName  string // <upload_path>/<name>.iso, relative to the datastore
	sum     string // the builder's sha256 of src, "" when unknown
	cleaner *cleaner

	uploaded []string // datastore paths this step wrote to
}

func (s *stepUploadISO) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	ui := common.UI(state)
	t := target(state)
	dsPath := t.DatastorePath(s.dsName)
	ui.Say(fmt.Sprintf("Uploading the ISO %s to %s...", filepath.Base(s.src), dsPath))
	progress := newTransfer(ui, filepath.Base(s.src))
	uploaded, err := driver(state).UploadIfChanged(ctx, t, s.src, dsPath, s.sum, progress.update)
	progress.close()
	if uploaded {
		s.uploaded = append(s.uploaded, dsPath)
	}
	if err != nil {
		return common.Halt(state, fmt.Errorf("uploading the ISO: %w", err))
	}
	if !uploaded {
		ui.Say(fmt.Sprintf("%s is already on the datastore with the same content; not uploaded again", dsPath))
	}
	state.Put(stateISOPath, dsPath)
	return multistep.ActionContinue
}

func (s *stepUploadISO) Cleanup(state multistep.StateBag) {
	if common.Failed(state) && len(s.uploaded) > 0 {
		common.UI(state).Say(fmt.Sprintf("Removing the uploaded %s...", strings.Join(s.uploaded, ", ")))
		s.cleaner.cleanup(state, s.uploaded)
	}
}

// stepConvertDisk converts the artifact's raw disk, in a run with
// boot_media "disk" whose artifact has no streamOptimized vmdk, into
// `<output_directory>/<name>-stream.vmdk`, and puts its path
// (stateStreamVMDK). Cleanup always removes it: it is a temporary file once
// the VM is imported.
type stepConvertDisk struct {
	src string // the artifact's raw disk
	out string // the vmdk to write

	converted bool // the step made out, even partly
}

func (s *stepConvertDisk) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	common.UI(state).Say(fmt.Sprintf("Converting %s to the streamOptimized vmdk %s...", filepath.Base(s.src), s.out))
	created, err := convertToStreamVMDK(ctx, s.src, s.out)
	s.converted = created // recorded even on error: Cleanup removes a partial file
	if err != nil {
		return common.Halt(state, err)
	}
	state.Put(stateStreamVMDK, s.out)
	return multistep.ActionContinue
}

func (s *stepConvertDisk) Cleanup(state multistep.StateBag) {
	if !s.converted {
		return
	}
	if err := os.Remove(s.out); err != nil && !errors.Is(err, os.ErrNotExist) {
		common.UI(state).Error(fmt.Sprintf("Removing the converted vmdk: %v", err))
	}
}
