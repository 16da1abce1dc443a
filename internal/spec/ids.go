package spec

import (
	"fmt"
	"strconv"
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
