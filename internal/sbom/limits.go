package sbom

// Limits bound what Scan holds while it reads a root filesystem, so a
// hostile or huge image cannot exhaust memory. The zero value means the
// defaults (DefaultLimits).
type Limits struct {
	// Database is the most bytes read from one package database
	// (a dpkg status file or an apk installed file); the rest is skipped.
	Database int64
	// Line is the longest line kept in a package database; longer lines are
	// skipped, so one field cannot grow without bound.
	Line int
	// Packages is the most packages catalogued in all; the Result says when
	// more were found.
	Packages int
	// Binary is the largest ELF file searched for Go build information.
	Binary int64
	// BuildInfo is the largest Go module information string read.
	BuildInfo int
}

// DefaultLimits are the limits Scan uses for every zero field.
var DefaultLimits = Limits{
	Database:  256 << 20,
	Line:      64 << 10,
	Packages:  200000,
	Binary:    1 << 30,
	BuildInfo: 1 << 20,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.Database > 0 {
		d.Database = l.Database
	}
	if l.Line > 0 {
		d.Line = l.Line
	}
	if l.Packages > 0 {
		d.Packages = l.Packages
	}
	if l.Binary > 0 {
		d.Binary = l.Binary
	}
	if l.BuildInfo > 0 {
		d.BuildInfo = l.BuildInfo
	}
	return d
}
