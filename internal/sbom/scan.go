package sbom

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// Package is one software package found inside the root filesystem.
type Package struct {
	// Type is the purl type: "deb", "apk" or "golang".
	Type string
	// Name and Version are the package's own (for Go, the module path and
	// version); Arch is the dpkg or apk architecture, empty for Go modules.
	Name, Version, Arch string
	// Distro is the os-release ID of the root the database belongs to
	// ("debian", "alpine"), the purl namespace; empty when there is none.
	Distro string
	// License is the license the database declares (apk), else empty.
	License string
	// Locations are the cleaned paths (no leading slash) of the databases or
	// binaries that list the package, sorted.
	Locations []string
}

// Result is what Scan found.
type Result struct {
	// Packages are sorted by purl; a package listed in several places is
	// one entry with several Locations.
	Packages []Package
	// Dropped counts packages left out because Limits.Packages was reached.
	Dropped int
}

// Scan reads a root filesystem tar stream to its end and catalogues the
// packages in it (see the package doc). Only malformed tar framing and
// ctx's cancellation are errors; malformed databases are read as far as
// they make sense.
func Scan(ctx context.Context, r io.Reader, lim Limits) (*Result, error) {
	s := &scanner{lim: lim.withDefaults(), found: map[string]*Package{}, distro: map[string]string{}}
	tr := tar.NewReader(r)
	br := bufio.NewReaderSize(nil, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("sbom: read root filesystem: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg { // the reader reports the old TypeRegA as TypeReg
			continue
		}
		br.Reset(tr)
		if err := s.entry(cleanName(hdr.Name), hdr.Size, br); err != nil {
			return nil, fmt.Errorf("sbom: read %s: %w", cleanName(hdr.Name), err)
		}
	}
	return s.result(), nil
}

// scanner holds what Scan has found so far.
type scanner struct {
	lim     Limits
	found   map[string]*Package // by purl without the distro
	distro  map[string]string   // root → os-release ID
	dropped int
}

// The databases Scan reads, as paths below a root.
const (
	dpkgStatus  = "var/lib/dpkg/status"
	dpkgStatusD = "var/lib/dpkg/status.d/"
	apkDB       = "lib/apk/db/installed"
)

func (s *scanner) entry(name string, size int64, r *bufio.Reader) error {
	if root, ok := under(name, dpkgStatus); ok {
		return readStanzas(io.LimitReader(r, s.lim.Database), s.lim.Line, dpkgFields, s.adder("deb", root, name))
	}
	if root, ok := under(name, path.Dir(dpkgStatusD)+"/"+path.Base(name)); ok && !strings.HasSuffix(name, ".md5sums") {
		return readStanzas(io.LimitReader(r, s.lim.Database), s.lim.Line, dpkgFields, s.adder("deb", root, name))
	}
	if root, ok := under(name, apkDB); ok {
		return readStanzas(io.LimitReader(r, s.lim.Database), s.lim.Line, apkFields, s.adder("apk", root, name))
	}
	for _, rel := range []string{"etc/os-release", "usr/lib/os-release"} {
		if root, ok := under(name, rel); ok {
			if id := osReleaseID(io.LimitReader(r, 64<<10)); id != "" && s.distro[root] == "" {
				s.distro[root] = id
			}
			return nil
		}
	}
	if size < 64 || size > s.lim.Binary {
		return nil
	}
	if magic, _ := r.Peek(4); string(magic) != "\x7fELF" {
		return nil
	}
	mods, err := goModules(r, s.lim.BuildInfo)
	if err != nil {
		return err
	}
	add := s.adder("golang", "", name)
	for _, m := range mods {
		add(m)
	}
	return nil
}

// adder returns the function that records packages of one kind found at
// location, below root.
func (s *scanner) adder(typ, root, location string) func(Package) {
	return func(p Package) {
		if p.Name == "" {
			return
		}
		p.Type = typ
		p.Distro = root // resolved to the os-release ID in result
		key := purl(p)
		if old := s.found[key]; old != nil {
			old.Locations = appendUnique(old.Locations, location)
			return
		}
		if len(s.found) >= s.lim.Packages {
			s.dropped++
			return
		}
		p.Locations = []string{location}
		s.found[key] = &p
	}
}

func (s *scanner) result() *Result {
	res := &Result{Dropped: s.dropped}
	merged := map[string]*Package{}
	for _, p := range s.found {
		q := *p
		if q.Type == "golang" {
			q.Distro = ""
		} else {
			q.Distro = s.distro[p.Distro]
		}
		key := purl(q)
		if old := merged[key]; old != nil {
			for _, l := range q.Locations {
				old.Locations = appendUnique(old.Locations, l)
			}
			continue
		}
		merged[key] = &q
	}
	for _, p := range merged {
		sort.Strings(p.Locations)
		res.Packages = append(res.Packages, *p)
	}
	sort.Slice(res.Packages, func(i, j int) bool { return purl(res.Packages[i]) < purl(res.Packages[j]) })
	return res
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// cleanName turns a tar entry name into a clean relative path: no leading
// slash, no "..", so a hostile name can only ever be a label.
func cleanName(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// under reports whether name is rel or ends in "/"+rel, and returns the
// root it lies below ("" or "containers/services/x/lower/").
func under(name, rel string) (string, bool) {
	if name == rel {
		return "", true
	}
	if strings.HasSuffix(name, "/"+rel) {
		return strings.TrimSuffix(name, rel), true
	}
	return "", false
}
