package spec

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// IDResolver turns user and group names into numbers. OCIConfig and the
// files section use one for uid/gid/additionalGids written as names.
type IDResolver interface {
	LookupUser(name string) (uint32, error)
	LookupGroup(name string) (uint32, error)
}

// IDMap is a name -> id table used for users and groups alike. linuxkit
// resolves names only against such a table: each container name gets an id
// (see Spec.ContainerIDs).
type IDMap map[string]uint32

// LookupUser returns the id of name.
func (m IDMap) LookupUser(name string) (uint32, error) { return m.lookup(name) }

// LookupGroup returns the id of name.
func (m IDMap) LookupGroup(name string) (uint32, error) { return m.lookup(name) }

func (m IDMap) lookup(name string) (uint32, error) {
	if id, ok := m[name]; ok {
		return id, nil
	}
	return 0, fmt.Errorf("cannot find id: %s", name)
}

// ContainerIDs returns linuxkit's id table: every onboot, onshutdown and
// service container name, in that order, gets an id counting from 100
// (a repeated name keeps the later id), so `uid: sshd` in a file entry or
// container means the sshd container's id.
func (s *Spec) ContainerIDs() IDMap {
	m := IDMap{}
	id := uint32(100)
	for _, sec := range s.sections() {
		for _, img := range sec.images {
			m[img.Name] = id
			id++
		}
	}
	return m
}

// UserDB resolves users from a passwd table and groups from a group table,
// e.g. parsed from an image's /etc/passwd and /etc/group.
type UserDB struct {
	Users  IDMap
	Groups IDMap
}

// LookupUser returns the uid of a user.
func (db UserDB) LookupUser(name string) (uint32, error) {
	if id, ok := db.Users[name]; ok {
		return id, nil
	}
	return 0, fmt.Errorf("unknown user %q", name)
}

// LookupGroup returns the gid of a group.
func (db UserDB) LookupGroup(name string) (uint32, error) {
	if id, ok := db.Groups[name]; ok {
		return id, nil
	}
	return 0, fmt.Errorf("unknown group %q", name)
}

// Resolvers chains resolvers: a name is looked up in each in turn and the
// first that knows it wins. A typical chain is the spec's ContainerIDs
// (linuxkit's rule) then the image's UserDB.
func Resolvers(rs ...IDResolver) IDResolver { return chain(rs) }

type chain []IDResolver

func (c chain) LookupUser(name string) (uint32, error) {
	return c.lookup(name, IDResolver.LookupUser, "user")
}

func (c chain) LookupGroup(name string) (uint32, error) {
	return c.lookup(name, IDResolver.LookupGroup, "group")
}

func (c chain) lookup(name string, fn func(IDResolver, string) (uint32, error), what string) (uint32, error) {
	for _, r := range c {
		if r == nil {
			continue
		}
		if id, err := fn(r, name); err == nil {
			return id, nil
		}
	}
	return 0, fmt.Errorf("cannot find %s id: %s", what, name)
}

// ParsePasswd reads a passwd(5) table (name:password:uid:...). Malformed
// lines, comments and blank lines are skipped; the first entry of a name
// wins, as in getpwnam.
func ParsePasswd(r io.Reader) (IDMap, error) { return parseIDTable(r, "passwd") }

// ParseGroup reads a group(5) table (name:password:gid:members).
func ParseGroup(r io.Reader) (IDMap, error) { return parseIDTable(r, "group") }

func parseIDTable(r io.Reader, what string) (IDMap, error) {
	m := IDMap{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) < 3 || f[0] == "" {
			continue
		}
		id, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			continue
		}
		if _, dup := m[f[0]]; !dup {
			m[f[0]] = uint32(id)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return m, nil
}

// UID resolves a user id: nil, "" and "root" are 0 (as in linuxkit), a
// number is itself, a numeric string is its number (linuxkit refuses it),
// any other name goes to r.
func (id *ID) UID(r IDResolver) (uint32, error) { return id.resolve(r, IDResolver.LookupUser) }

// GID resolves a group id with the same rules as UID.
func (id *ID) GID(r IDResolver) (uint32, error) { return id.resolve(r, IDResolver.LookupGroup) }

func (id *ID) resolve(r IDResolver, fn func(IDResolver, string) (uint32, error)) (uint32, error) {
	if id == nil {
		return 0, nil
	}
	switch id.Name {
	case "":
		return id.Number, nil
	case "root":
		return 0, nil
	}
	if n, err := strconv.ParseUint(id.Name, 10, 32); err == nil {
		return uint32(n), nil
	}
	if r == nil {
		return 0, fmt.Errorf("cannot find id: %s", id.Name)
	}
	return fn(r, id.Name)
}
