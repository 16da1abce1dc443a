package desktop

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"unicode/utf8"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/safeio"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/seqio"
)

// WriteTo writes v as a .vmx file: `.encoding = "UTF-8"` first, then one
// `key = "value"` line per key, sorted by lowercased key, every value quoted
// and escaped (|22 for a quote, |7C for a pipe, |0A for a newline read from
// a template), LF line ends. The same VMX always gives the same bytes. Keys
// and the UTF-8 validity of values are checked again before the first byte
// is written; on error nothing has been written.
func (v *VMX) WriteTo(w io.Writer) (int64, error) {
	keys := append([]string(nil), v.order...)
	sort.Strings(keys)
	for _, lk := range keys {
		e := v.entries[lk]
		if err := ValidateKey(e.key); err != nil {
			return 0, fmt.Errorf("write vmx: %w", err)
		}
		if !utf8.ValidString(e.value) {
			return 0, fmt.Errorf("write vmx: %w for key %q: not valid UTF-8", ErrInvalidValue, e.key)
		}
	}
	cw := seqio.New(w, "write vmx")
	bw := bufio.NewWriter(cw)
	bw.WriteString(EncodingKey + ` = "UTF-8"` + "\n")
	for _, lk := range keys {
		e := v.entries[lk]
		bw.WriteString(e.key)
		bw.WriteString(` = "`)
		bw.WriteString(escapeValue(e.value))
		bw.WriteString("\"\n")
	}
	if err := bw.Flush(); err != nil {
		return cw.N, fmt.Errorf("write vmx: %w", err)
	}
	return cw.N, nil
}

// WriteFile writes v to path atomically: into a temporary file in the same
// folder, synced, then renamed over path, so VMware never reads a half
// written .vmx. The file mode is 0644.
func (v *VMX) WriteFile(path string) error {
	err := safeio.WriteFile(path, func(f *os.File) error {
		_, err := v.WriteTo(f)
		return err
	})
	if err != nil {
		return fmt.Errorf("write vmx %s: %w", path, err)
	}
	return nil
}
