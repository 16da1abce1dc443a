package linuxkit

import (
	"context"
	"fmt"
	"io"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/sbom"
)

// rootfsScan catalogues the root filesystem stream one writer step already
// produces (the initrd's, else the tar's) for the SBOM: the step tees its
// stream into tee and calls done, which records what was found under
// stateSBOMFound. With scanning off, tee is nil and done does nothing.
type rootfsScan struct {
	tee     io.Writer
	scanner *sbom.StreamScanner
}

// startScan starts a scan when on.
func startScan(ctx context.Context, on bool) rootfsScan {
	if !on {
		return rootfsScan{}
	}
	s := sbom.NewStreamScanner(ctx, sbom.Limits{})
	return rootfsScan{tee: s, scanner: s}
}

// done ends the scan and puts its result in the state bag.
func (r rootfsScan) done(state multistep.StateBag) error {
	if r.scanner == nil {
		return nil
	}
	res, err := r.scanner.Close()
	if err != nil {
		return fmt.Errorf("sbom: cataloguing the root filesystem: %w", err)
	}
	state.Put(stateSBOMFound, res)
	return nil
}

// teeTo returns w, writing to the scan as well when there is one.
func (r rootfsScan) teeTo(w io.Writer) io.Writer {
	if r.tee == nil {
		return w
	}
	return io.MultiWriter(w, r.tee)
}
