package spec

import (
	"os"
	"path/filepath"
)

// SourcePath is where a files[].source entry is read from on the host: a relative source
// resolves from the directory of the YAML file that named it, and a leading
// "~/" means the user's home directory, as in linuxkit. The result is
// absolute, so a pinned spec that carries it builds from any directory.
func (f *File) SourcePath() string {
	src := f.Source
	if src == "" || filepath.IsAbs(src) {
		return src
	}
	if len(src) > 1 && src[0] == '~' && (src[1] == '/' || src[1] == filepath.Separator) {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, src[2:])
		}
	}
	p := filepath.Join(f.BaseDir, src)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
