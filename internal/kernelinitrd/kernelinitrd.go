package kernelinitrd

import (
	"context"
	"fmt"
	"io"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/initrd"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/rootfs"
)

// WriteKernel copies the kernel binary (boot/kernel of the tree) to w.
func WriteKernel(ctx context.Context, w io.Writer, t *rootfs.Tree) error {
	rc, _, err := t.Open(ctx, rootfs.BootKernel)
	if err != nil {
		return fmt.Errorf("the image has no kernel (is the spec's kernel section missing?): %w", err)
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("writing the kernel: %w", err)
	}
	return nil
}

// WriteInitrd writes the initrd as linuxkit does: the kernel image's
// microcode cpio (when the spec names one) followed by the gzipped newc
// archive of the filesystem without boot/. It streams: a pipe connects the
// tar writer to the cpio+gzip writer.
func WriteInitrd(ctx context.Context, w io.Writer, t *rootfs.Tree, p *rootfs.Plan) error {
	return WriteInitrdTee(ctx, w, t, p, nil, initrd.DefaultOptions())
}

// WriteInitrdTee is WriteInitrd with the initrd writer's options, that
// also copies the filesystem's tar stream (the one the cpio is made from)
// to tee when tee is not nil, so a reader such as the SBOM scanner sees the
// stream without a second pass.
func WriteInitrdTee(ctx context.Context, w io.Writer, t *rootfs.Tree, p *rootfs.Plan, tee io.Writer, opts initrd.Options) error {
	if p.Kernel != nil && p.Kernel.UCode != "" {
		rc, _, err := t.Open(ctx, rootfs.BootUCode)
		if err != nil {
			return fmt.Errorf("microcode: %w", err)
		}
		_, err = io.Copy(w, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("writing the microcode: %w", err)
		}
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	var tw io.Writer = pw
	if tee != nil {
		tw = io.MultiWriter(pw, tee)
	}
	go func() {
		err := t.WriteInitrdTar(ctx, tw)
		pw.CloseWithError(err)
		done <- err
	}()
	err := initrd.Write(w, pr, opts)
	pr.CloseWithError(fmt.Errorf("initrd writer stopped"))
	terr := <-done
	if err != nil {
		return fmt.Errorf("writing the initrd: %w", err)
	}
	if terr != nil {
		return fmt.Errorf("assembling the filesystem: %w", terr)
	}
	return nil
}
