package size

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string // substring of the error; "" means success
	}{
		{in: "1K", want: 1024},
		{in: "512M", want: 512 << 20},
		{in: "10G", want: 10 << 30},
		{in: "2T", want: 2 << 40},
		{in: "0M", want: 0},
		{in: "007G", want: 7 << 30},
		{in: "8388607T", want: 8388607 << 40},
		{in: "10", wantErr: `"10" has no unit; write "10G" (sizes use K, M, G, T = KiB…TiB)`},
		{in: "0", wantErr: `"0" has no unit`},
		{in: "", wantErr: "empty size"},
		{in: "10g", wantErr: `"10g": write the unit in upper case, like "10G"`},
		{in: "10k", wantErr: `like "10K"`},
		{in: "10GB", wantErr: "unknown unit"},
		{in: "10GiB", wantErr: "unknown unit"},
		{in: "10P", wantErr: "unknown unit"},
		{in: "G", wantErr: `"" is not a whole number`},
		{in: "1.5G", wantErr: `use a smaller unit instead, like "1536M"`},
		{in: "-1G", wantErr: `"-1" is not a whole number`},
		{in: "+1G", wantErr: "is not a whole number"},
		{in: "10 G", wantErr: `contains spaces; write the number and unit together, like "10G"`},
		{in: " 10G", wantErr: "contains spaces"},
		{in: "8388608T", wantErr: "too large"},
		{in: "99999999999999999999K", wantErr: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Parse(%q) = %d, want an error containing %q", tt.in, got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %q, want it to contain %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{1024, "1K"},
		{1536 << 20, "1536M"},
		{10 << 30, "10G"},
		{3 << 40, "3T"},
		{(1 << 30) + 1024, "1048577K"},
		{0, "0B"},
		{-1024, "-1024B"},
		{1000, "1000B"},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzParse checks that Parse never panics, that what it accepts is
// non-negative, and that accepted sizes survive a Format/Parse round trip.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"10G", "512M", "1K", "10", "1.5G", "-1G", "10 G", "8388608T", "0T", "g"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("Parse(%q) returned %d with error %v", s, n, err)
			}
			return
		}
		if n < 0 {
			t.Fatalf("Parse(%q) = %d", s, n)
		}
		if n == 0 {
			return
		}
		back, err := Parse(Format(n))
		if err != nil || back != n {
			t.Fatalf("round trip of %q: Format=%q Parse=%d,%v", s, Format(n), back, err)
		}
	})
}
