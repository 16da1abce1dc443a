package vsphere

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors, so callers can tell failures apart with errors.Is while the messages
// stay written for people.
var (
	// ErrInvalidLogin means vCenter rejected the user name or the password.
	ErrInvalidLogin = errors.New("incorrect user name or password")
	// ErrCertificateUntrusted means vCenter's TLS certificate did not verify against the
	// system's roots or ca_file.
	ErrCertificateUntrusted = errors.New("TLS: certificate not trusted (set ca_file or insecure_connection)")
	// ErrUnreachable means no connection to vCenter could be made.
	ErrUnreachable = errors.New("unreachable")
	// ErrNotFound means a named inventory object, file or library does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAmbiguous means a name (or an unset option) matches more than one object.
	ErrAmbiguous = errors.New("more than one exists")
	// ErrExists means the object to create is already there and overwriting was not asked for.
	ErrExists = errors.New("already exists")
	// ErrIPTimeout means VMware Tools reported no IP address in time.
	ErrIPTimeout = errors.New("no IP address reported")
)

// PlacementError explains why a placement option could not be resolved: the named object
// does not exist, or the option was left unset and more (or fewer) than one candidate exists.
// It lists the candidates so the user can pick one.
type PlacementError struct {
	// Kind is the option's name as the user writes it: "datacenter", "cluster", "host",
	// "resource_pool", "datastore", "folder" or "network".
	Kind string
	// Name is what the user asked for; empty when the option was left unset.
	Name string
	// Scope says where the search ran, e.g. "datacenter DC0"; empty for the whole inventory.
	Scope string
	// Candidates are the names that would have been accepted, sorted.
	Candidates []string
	// Ambiguous is true when more than one object matched.
	Ambiguous bool
}

// Error renders the one-line explanation, for example
// `datastore: more than one exists, name one of: LocalDS_0, LocalDS_1`.
func (e *PlacementError) Error() string {
	in := ""
	if e.Scope != "" {
		in = " in " + e.Scope
	}
	list := strings.Join(e.Candidates, ", ")
	switch {
	case e.Name == "" && e.Ambiguous:
		return fmt.Sprintf("%s: more than one exists, name one of: %s", e.Kind, list)
	case e.Name == "":
		return fmt.Sprintf("%s: none exists%s", e.Kind, in)
	case e.Ambiguous:
		return fmt.Sprintf("%s %q matches more than one%s, give its path: %s", e.Kind, e.Name, in, list)
	case len(e.Candidates) == 0:
		return fmt.Sprintf("%s %q not found%s; none exists", e.Kind, e.Name, in)
	default:
		return fmt.Sprintf("%s %q not found%s; available: %s", e.Kind, e.Name, in, list)
	}
}

// Unwrap makes errors.Is(err, ErrAmbiguous) and errors.Is(err, ErrNotFound) work.
func (e *PlacementError) Unwrap() error {
	if e.Ambiguous {
		return ErrAmbiguous
	}
	return ErrNotFound
}

// newPlacementError sorts and de-duplicates the candidates.
func newPlacementError(kind, name, scope string, candidates []string, ambiguous bool) *PlacementError {
	c := append([]string(nil), candidates...)
	sort.Strings(c)
	out := c[:0]
	for i, s := range c {
		if i == 0 || s != c[i-1] {
			out = append(out, s)
		}
	}
	return &PlacementError{Kind: kind, Name: name, Scope: scope, Candidates: out, Ambiguous: ambiguous}
}

// CleanupError says a cleanup did not finish, and names what may be left, so a user can
// remove it by hand even when vCenter could not be reached.
type CleanupError struct {
	// BuildID is the build's id: every VM and template it made carries it in extraConfig
	// BuildIDKey.
	BuildID string
	// Left names each object that may be left: "VM /DC0/vm/x", "file [ds] a.iso",
	// "library item <id>".
	Left []string
	// Err is why the cleanup stopped: the connection, the login, or each removal that failed.
	Err error
}

// Error renders, for example, `cleanup of build 0a1b incomplete: vSphere 127.0.0.1:1:
// unreachable: ...; left behind: VM /DC0/vm/lk, file [LocalDS_0] lk.iso, and any other VM or
// template whose extraConfig linuxkit.build-id is 0a1b`.
func (e *CleanupError) Error() string {
	tag := fmt.Sprintf("VM or template whose extraConfig %s is %s", BuildIDKey, e.BuildID)
	if len(e.Left) == 0 {
		return fmt.Sprintf("cleanup of build %s incomplete: %v; remove by hand any %s", e.BuildID, e.Err, tag)
	}
	return fmt.Sprintf("cleanup of build %s incomplete: %v; left behind: %s, and any other %s",
		e.BuildID, e.Err, strings.Join(e.Left, ", "), tag)
}

// Unwrap makes errors.Is(err, ErrUnreachable) and the like see the cause.
func (e *CleanupError) Unwrap() error { return e.Err }

// redactedError hides a secret in the message of the error it wraps, while errors.Is and
// errors.As still see the original chain.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every occurrence of secret (raw and URL-escaped) replaced by
// "*****". Secrets shorter than 4 characters are left alone: replacing them would mangle
// the message while hiding little, and no code path here puts a password in an error.
func redact(err error, secret string) error {
	if err == nil || len(secret) < 4 {
		return err
	}
	msg := err.Error()
	clean := msg
	for _, s := range secretForms(secret) {
		clean = strings.ReplaceAll(clean, s, "*****")
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}
