package linuxkit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"golang.org/x/sync/errgroup"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
)

// stepChecksums writes <output_name>.sha256 with the sums of every output, in
// the format `sha256sum -c` reads.
type stepChecksums struct {
	name string
}

func (s *stepChecksums) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	out := state.Get(stateOutputs).(*outputs)
	// The files are hashed side by side, one per core: the outputs are still in the page
	// cache, so hashing is CPU-bound.
	list := make([]string, len(out.paths))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, p := range out.paths {
		g.Go(func() (err error) {
			list[i], err = fileSHA256(gctx, p)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return halt(state, err)
	}
	var b strings.Builder
	sums := map[string]string{}
	for i, p := range out.paths {
		sums[p] = list[i]
		fmt.Fprintf(&b, "%s  %s\n", list[i], filepath.Base(p))
	}
	state.Put(stateSums, sums)
	path := filepath.Join(out.dir, s.name+".sha256")
	if err := writeFileAtomic(path, []byte(b.String())); err != nil {
		return halt(state, err)
	}
	out.add("", path, false)
	return multistep.ActionContinue
}

func (s *stepChecksums) Cleanup(multistep.StateBag) {}

func fileSHA256(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("checksum: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, safeio.Reader(ctx, f)); err != nil {
		return "", fmt.Errorf("checksum of %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeFileAtomic writes data to path atomically (see safeio.WriteFile).
func writeFileAtomic(path string, data []byte) error {
	return safeio.WriteFile(path, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}
