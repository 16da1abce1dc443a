package vsphere

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	for _, ok := range []string{
		"lk", "linuxkit-1.2_3", "LinuxKit VM (test)", "name with inner  spaces", "ünïcødé-名前",
		strings.Repeat("n", 80), strings.Repeat("é", 80), "a.b", "#[]{}&*!@$^=+,;'\"~`",
	} {
		if err := ValidateName("vm_name", ok); err != nil {
			t.Errorf("ValidateName(%q): %v", ok, err)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"", `vm_name "": a name must not be empty`},
		{"lk%pct", `vm_name "lk%pct": '%' is not allowed: vCenter stores it escaped (%25), so the name would not match`},
		{"a/b", `vm_name "a/b": '/' is not allowed: vCenter stores it escaped (%2f)`},
		{`a\b`, `vm_name "a\\b": '\\' is not allowed: vCenter stores it escaped (%5c)`},
		{" lead", `vm_name " lead": leading or trailing space is not allowed`},
		{"trail ", "leading or trailing space"},
		{"trail\u00a0", "leading or trailing space"},
		{"\tx", "leading or trailing space"},
		{"a\nb", `control character U+000A is not allowed`},
		{"a\x00b", `control character U+0000`},
		{"a\x7fb", `control character U+007F`},
		{"a\u0085b", `control character U+0085`},
		{"a\xffb", "not valid UTF-8"},
		{strings.Repeat("n", 81), "longer than 80 characters (81): vSphere refuses longer names"},
		{strings.Repeat("é", 81), "longer than 80 characters (81)"},
		{".", "not allowed: the VM's datastore folder is named after it"},
		{"..", "not allowed"},
	} {
		err := ValidateName("vm_name", tc.name)
		var ne *NameError
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalidName) || !errors.As(err, &ne) || ne.Field != "vm_name" || ne.Value != tc.name {
			t.Errorf("ValidateName(%q) = %v, want %q", tc.name, err, tc.want)
		}
	}
	// A very long value is cut in the message.
	long := strings.Repeat("x", 500)
	if err := ValidateName("vm_name", long); err == nil || len(err.Error()) > 250 || !strings.Contains(err.Error(), "(500)") {
		t.Errorf("500 characters: %v", err)
	}
}

func TestValidateFolder(t *testing.T) {
	for _, ok := range []string{"", "/", "a", "a/b", "/a/b/", "//a//", "/DC0/vm/a/b", "with%25pct", "a%2Fb", "x%5cy"} {
		if err := ValidateFolder("folder", ok); err != nil {
			t.Errorf("ValidateFolder(%q): %v", ok, err)
		}
	}
	for _, tc := range []struct{ path, want string }{
		{"a//b", `folder "a//b": folder "": a name must not be empty`},
		{"a/ b", `folder "a/ b": folder " b": leading or trailing space`},
		{"a/b\\c", `folder "b\\c": '\\' is not allowed`},
		{"a%b", `folder "a%b": folder "a%b": '%' is allowed only in the escapes %25, %2f and %5c`},
		{"a%2", "allowed only in the escapes"},
		{"a/..", `folder "..": not allowed`},
		{"a/" + strings.Repeat("f", 81), "longer than 80 characters"},
		{"a/b\x01", "control character U+0001"},
	} {
		err := ValidateFolder("folder", tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateFolder(%q) = %v, want %q", tc.path, err, tc.want)
		}
	}
}
