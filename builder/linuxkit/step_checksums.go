package linuxkit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

// stepChecksums writes <output_name>.sha256 with the sums of every output, in
// the format `sha256sum -c` reads.
type stepChecksums struct {
	name string
}

func (s *stepChecksums) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	out := state.Get(stateOutputs).(*outputs)
	var b strings.Builder
	for _, p := range out.paths {
		sum, err := fileSHA256(ctx, p)
		if err != nil {
			return halt(state, err)
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, filepath.Base(p))
	}
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
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return "", fmt.Errorf("checksum of %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ctxReader stops a long copy when the build is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// writeFileAtomic writes data to a temporary file beside path and renames it.
func writeFileAtomic(path string, data []byte) error {
	return createAtomic(path, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// createAtomic lets fill write a temporary file beside path, then renames it
// into place; on any error the temporary file is removed, so a reader never
// sees a half-written output.
func createAtomic(path string, fill func(f *os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := fill(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming %s: %w", path, err)
	}
	return nil
}
