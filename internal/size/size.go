package size

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Units are the binary multipliers a size may end with, from the smallest.
const (
	// KiB is one kibibyte, written "K".
	KiB int64 = 1 << 10
	// MiB is one mebibyte, written "M".
	MiB int64 = 1 << 20
	// GiB is one gibibyte, written "G".
	GiB int64 = 1 << 30
	// TiB is one tebibyte, written "T".
	TiB int64 = 1 << 40
)

// units maps each accepted suffix to its multiplier.
var units = map[byte]int64{'K': KiB, 'M': MiB, 'G': GiB, 'T': TiB}

// unitHelp ends every error so the user learns the notation from the message.
const unitHelp = "(sizes use K, M, G, T = KiB…TiB)"

// Parse returns the number of bytes that s denotes. s is a whole number of at
// least one digit followed by exactly one of K, M, G or T, with nothing else
// around it: "512M", "10G". A bare number, a lower-case or unknown unit, a
// fraction, a sign, spaces or a value beyond an int64 are errors whose message
// shows how to write it instead.
func Parse(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty size; write a number and a unit, like \"10G\" %s", unitHelp)
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return 0, fmt.Errorf("%q contains spaces; write the number and unit together, like %q %s",
			s, strings.Join(strings.Fields(s), ""), unitHelp)
	}
	if isDigits(s) {
		return 0, fmt.Errorf("%q has no unit; write %q %s", s, s+"G", unitHelp)
	}
	digits, unit := s[:len(s)-1], s[len(s)-1]
	mult, ok := units[unit]
	if !ok {
		if upper := unit - ('a' - 'A'); unit >= 'a' && unit <= 'z' && units[upper] != 0 {
			return 0, fmt.Errorf("%q: write the unit in upper case, like %q %s", s, digits+string(rune(upper)), unitHelp)
		}
		return 0, fmt.Errorf("%q: unknown unit; write a whole number followed by one of K, M, G, T, like \"10G\" %s", s, unitHelp)
	}
	if !isDigits(digits) {
		if strings.Contains(digits, ".") {
			return 0, fmt.Errorf("%q: sizes are whole numbers; use a smaller unit instead, like \"1536M\" for 1.5G %s", s, unitHelp)
		}
		return 0, fmt.Errorf("%q: %q is not a whole number; write digits then a unit, like \"10G\" %s", s, digits, unitHelp)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n * mult, nil
}

// Format writes n bytes in the notation Parse reads, using the largest unit
// that divides n exactly, so Parse(Format(n)) == n for every n that is a
// positive multiple of 1 KiB. Other values (zero, negative, or not a whole
// number of KiB) have no such spelling and are written as a plain byte count
// followed by "B", which Parse rejects; callers use Format for messages and
// documented defaults.
func Format(n int64) string {
	if n <= 0 || n%KiB != 0 {
		return strconv.FormatInt(n, 10) + "B"
	}
	for _, u := range []struct {
		mult int64
		name string
	}{{TiB, "T"}, {GiB, "G"}, {MiB, "M"}, {KiB, "K"}} {
		if n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B" // unreachable: n is a multiple of KiB
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
