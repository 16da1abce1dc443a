package desktop

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestVMXCaseInsensitiveKeys(t *testing.T) {
	v := New()
	mustSet(t, v, "displayName", "a")
	mustSet(t, v, "DISPLAYNAME", "b")
	if got, ok := v.Get("displayname"); !ok || got != "b" {
		t.Fatalf("Get = %q, %v; want b, true", got, ok)
	}
	if v.Len() != 1 {
		t.Fatalf("Len = %d, want 1", v.Len())
	}
	// The latest spelling is the one written.
	if got := v.Keys(); !reflect.DeepEqual(got, []string{"DISPLAYNAME"}) {
		t.Fatalf("Keys = %q", got)
	}
	v.Delete("DisplayName")
	if _, ok := v.Get("displayName"); ok || v.Len() != 0 {
		t.Fatalf("Delete left the key behind")
	}
	v.Delete("missing") // no-op
}

func TestVMXKeysKeepInsertionOrder(t *testing.T) {
	var v VMX // the zero value works
	for _, k := range []string{"zeta", "alpha", "Mid"} {
		mustSet(t, &v, k, "x")
	}
	mustSet(t, &v, "ALPHA", "y") // replacing keeps the position
	if got, want := v.Keys(), []string{"zeta", "ALPHA", "Mid"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Keys = %q, want %q", got, want)
	}
}

func TestVMXEncodingKey(t *testing.T) {
	v := New()
	if err := v.Set(".encoding", "utf-8"); err != nil {
		t.Fatalf("Set .encoding utf-8: %v", err)
	}
	if v.Len() != 0 {
		t.Fatalf(".encoding must not be stored")
	}
	if got, _ := v.Get(".Encoding"); got != "UTF-8" {
		t.Fatalf("Get .encoding = %q", got)
	}
	err := v.Set(".encoding", "windows-1252")
	if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "windows-1252") {
		t.Fatalf("Set .encoding windows-1252: %v", err)
	}
}

func TestVMXRejectsInjection(t *testing.T) {
	cases := map[string]string{
		"newline":     "x\"\nfoo = \"bar",
		"cr":          "x\rfoo = \"bar",
		"nul":         "x\x00y",
		"tab":         "a\tb",
		"del":         "a\x7fb",
		"nel":         "a\u0085b",
		"linesep":     "a\u2028b",
		"bad utf-8":   "a\xffb",
		"crlf at end": "name\r\n",
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			v := New()
			err := v.Set("displayName", value)
			if !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("Set(%q) = %v, want ErrInvalidValue", value, err)
			}
			if !strings.Contains(err.Error(), `"displayName"`) {
				t.Fatalf("error does not name the key: %v", err)
			}
			if v.Len() != 0 {
				t.Fatalf("rejected value was stored")
			}
		})
	}
}

func TestGuestinfoErrorSuggestsBase64(t *testing.T) {
	err := New().Set("guestinfo.userdata", "line1\nline2")
	if err == nil || !strings.Contains(err.Error(), `"guestinfo.userdata.encoding" = "base64"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestVMXRejectsBadKeys(t *testing.T) {
	for _, k := range []string{"", "a b", "a=b", `a"b`, "a\nb", "é", "a#b", "a/b"} {
		if err := New().Set(k, "v"); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Set(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
	for _, k := range []string{"scsi0:0.fileName", "guestinfo.a-b_c", ".encoding", "A9"} {
		if err := ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%q) = %v", k, err)
		}
	}
}

func TestVMXMergeAndClone(t *testing.T) {
	base := New()
	mustSet(t, base, "memsize", "512")
	mustSet(t, base, "annotation", "base")
	over := New()
	mustSet(t, over, "MemSize", "2048")
	mustSet(t, over, "numvcpus", "2")
	c := base.Clone()
	c.Merge(over)
	c.Merge(nil)
	if got, _ := c.Get("memsize"); got != "2048" {
		t.Fatalf("memsize = %q", got)
	}
	if got, want := c.Keys(), []string{"MemSize", "annotation", "numvcpus"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Keys = %q, want %q", got, want)
	}
	if got, _ := base.Get("memsize"); got != "512" || base.Len() != 2 {
		t.Fatalf("Clone shares state with its source: memsize %q, len %d", got, base.Len())
	}
}

func mustSet(t *testing.T, v *VMX, k, val string) {
	t.Helper()
	if err := v.Set(k, val); err != nil {
		t.Fatal(err)
	}
}
