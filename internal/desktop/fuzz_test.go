package desktop

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzVMXRoundTrip checks that Parse never panics and that whatever parses
// writes, parses back to the same keys and values, and writes the same bytes
// again (parse(write(parse(x))) is stable).
func FuzzVMXRoundTrip(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "fusion-template.vmx")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("displayName = \"a|22b|7Cc\"\n"))
	f.Add([]byte("k = v # c\r\nK = \"|0a\"\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := Parse(bytes.NewReader(in))
		if err != nil {
			return
		}
		var first bytes.Buffer
		if _, err := v.WriteTo(&first); err != nil {
			t.Fatalf("parsed VMX does not write: %v", err)
		}
		w, err := Parse(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("written VMX does not parse: %v\n%q", err, first.String())
		}
		assertSameVMX(t, v, w)
		var second bytes.Buffer
		if _, err := w.WriteTo(&second); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("unstable:\n%q\n%q", first.String(), second.String())
		}
	})
}
