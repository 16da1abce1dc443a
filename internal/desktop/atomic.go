package desktop

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeAtomic creates path through fill: the data goes into a temporary
// file in the same folder, which is synced, made 0644 and renamed over path.
// Readers therefore see either the old file or the complete new one, and a
// failure leaves no temporary file behind.
func writeAtomic(path string, fill func(f *os.File) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	return nil
}
