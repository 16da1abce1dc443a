package boottest

// consoleCleaner strips terminal control from a serial stream so markers can be matched:
// ANSI escape sequences (CSI "ESC [ … final", OSC "ESC ] … BEL|ESC \", two- and three-byte
// escapes such as SeaBIOS's "ESC c"), carriage returns and other C0 controls except \n and \t.
// It keeps state between writes, so a sequence split across reads is still removed.
type consoleCleaner struct {
	state int
}

const (
	stText    = iota
	stEsc     // after ESC
	stCSI     // inside ESC [ …
	stOSC     // inside ESC ] …
	stOSCEsc  // ESC seen inside an OSC (expecting \)
	stCharset // after ESC ( ) * + #, one byte follows
)

// clean appends the printable part of p to dst and returns it.
func (c *consoleCleaner) clean(dst, p []byte) []byte {
	for _, b := range p {
		switch c.state {
		case stText:
			switch {
			case b == 0x1b:
				c.state = stEsc
			case b == '\n' || b == '\t' || b >= 0x20 && b != 0x7f:
				dst = append(dst, b)
			}
		case stEsc:
			switch b {
			case '[':
				c.state = stCSI
			case ']':
				c.state = stOSC
			case '(', ')', '*', '+', '#', '%':
				c.state = stCharset
			default:
				c.state = stText
			}
		case stCSI:
			if b >= 0x40 && b <= 0x7e {
				c.state = stText
			}
		case stOSC:
			switch b {
			case 0x07:
				c.state = stText
			case 0x1b:
				c.state = stOSCEsc
			}
		case stOSCEsc:
			if b == '\\' {
				c.state = stText
			} else {
				c.state = stOSC
			}
		case stCharset:
			c.state = stText
		}
	}
	return dst
}

// StripANSI returns s without escape sequences, carriage returns and other control characters
// (\n and \t stay), as Console does with QEMU's serial output.
func StripANSI(s string) string {
	var c consoleCleaner
	return string(c.clean(nil, []byte(s)))
}
