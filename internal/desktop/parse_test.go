package desktop

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseForms(t *testing.T) {
	in := "\uFEFF.encoding = \"utf-8\"\r\n" +
		"# comment\r\n" +
		"\r\n" +
		"   \t\r\n" +
		"displayName = \"a |22b|22 |7c c # not a comment\"  # a comment\n" +
		"numvcpus=2\n" +
		"\tmemsize   =   \"1024\"\n" +
		"scsi0:0.virtualSSD = 1 # unquoted with comment\n" +
		"empty = \"\"\n" +
		"bare =\n" +
		"pipe = \"|zz and |4\"\n" +
		"annotation = \"one|0Atwo\"\n" +
		"memsize = \"2048\"\n" // a repeated key: last value, first position
	v, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"displayName":        `a "b" | c # not a comment`,
		"numvcpus":           "2",
		"memsize":            "2048",
		"scsi0:0.virtualSSD": "1",
		"empty":              "",
		"bare":               "",
		"pipe":               "|zz and |4",
		"annotation":         "one\ntwo",
	}
	for k, w := range want {
		if got, ok := v.Get(k); !ok || got != w {
			t.Errorf("%s = %q, %v; want %q", k, got, ok, w)
		}
	}
	if v.Len() != len(want) {
		t.Errorf("Len = %d, want %d (keys %q)", v.Len(), len(want), v.Keys())
	}
	if got := v.Keys()[2]; got != "memsize" {
		t.Errorf("third key = %q, want memsize (first position kept)", got)
	}
	// The multi-line annotation is written back encoded, never raw.
	var out bytes.Buffer
	if _, err := v.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `annotation = "one|0Atwo"`+"\n") {
		t.Errorf("annotation not re-encoded:\n%s", out.String())
	}
}

func TestParseErrorsCarryLineNumbers(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a = \"1\"\nnoequals\n", "line 2: expected `key = \"value\"`"},
		{"a = \"1\"\n\nb c = \"x\"\n", `line 3: key "b": expected '='`},
		{"bad key! = \"1\"\n", "line 1: "},
		{"k = \"unterminated\n", `line 1: key "k": unterminated quoted value`},
		{"k = \"v\" junk\n", `line 1: key "k": unexpected "junk" after the closing quote`},
		{"k = va\"lue\n", `line 1: key "k": stray quote`},
		{"x = \"1\"\n.encoding = \"windows-1252\"\n", "line 2: invalid VMX value: .encoding \"windows-1252\""},
		{"k = \"|FF\"\n", `line 1: invalid VMX value for key "k": |XX escapes decode to invalid UTF-8`},
		{"k = \"\xff\"\n", "line 1: invalid VMX value: line is not valid UTF-8"},
		{"=\"v\"\n", "line 1: invalid VMX key: empty key"},
	}
	for _, c := range cases {
		_, err := Parse(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", c.in, err, c.want)
		}
	}
	_, err := Parse(strings.NewReader("bad!key = 1\n"))
	if !errors.Is(err, ErrInvalidKey) {
		t.Errorf("bad key error does not wrap ErrInvalidKey: %v", err)
	}
}

func TestParseLongLine(t *testing.T) {
	in := "a = \"1\"\nb = \"" + strings.Repeat("x", maxLine) + "\"\n"
	_, err := Parse(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "line 2: longer than") {
		t.Fatalf("err = %v", err)
	}
}

// TestRoundTrip parses a VMX shaped like Fusion's, writes it, parses the
// output, and checks that nothing changed and the second write is identical.
func TestRoundTrip(t *testing.T) {
	v, err := ReadFile(filepath.Join("testdata", "fusion-template.vmx"))
	if err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	n, err := v.WriteTo(&first)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(first.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d", n, first.Len())
	}
	w, err := Parse(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, first.String())
	}
	assertSameVMX(t, v, w)
	var second bytes.Buffer
	if _, err := w.WriteTo(&second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatalf("second write differs:\n%s\n---\n%s", first.String(), second.String())
	}
	if got, _ := v.Get("displayName"); got != `Base "template" | v1` {
		t.Errorf("displayName = %q", got)
	}
	if !strings.HasPrefix(first.String(), ".encoding = \"UTF-8\"\nannotation = \"Base image|0D|0A\"\n") {
		t.Errorf("output does not start with .encoding then sorted keys:\n%s", first.String())
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "nope.vmx"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

// assertSameVMX checks that a and b hold the same keys (same spelling, same
// order) and values.
func assertSameVMX(t *testing.T, a, b *VMX) {
	t.Helper()
	ak, bk := a.Keys(), b.Keys()
	if strings.Join(sortedCopy(ak), "\n") != strings.Join(sortedCopy(bk), "\n") {
		t.Fatalf("keys differ:\n%q\n%q", ak, bk)
	}
	for _, k := range ak {
		av, _ := a.Get(k)
		bv, _ := b.Get(k)
		if av != bv {
			t.Fatalf("%s: %q != %q", k, av, bv)
		}
	}
}
