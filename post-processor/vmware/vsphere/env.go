package vsphere

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	packersdk "github.com/hashicorp/packer-plugin-sdk/packer"
)

// vcURL is a vCenter URL read from an environment variable (GOVC_URL, VCURL)
// in one of the forms govc accepts: "https://user:password@host/sdk",
// "user:password@host", "host".
type vcURL struct {
	name                 string // the variable it came from
	host, user, password string
	err                  error // set when the value is not a usable URL
}

// vcenterEnv is the URL-shaped part of the environment, in fallback order.
type vcenterEnv struct {
	urls     []vcURL
	reported map[string]bool
}

// readVCenterEnv reads GOVC_URL and VCURL, registering any password inside
// them with Packer's log filter whether or not it is used later.
func readVCenterEnv() *vcenterEnv {
	e := &vcenterEnv{reported: map[string]bool{}}
	for _, name := range []string{"GOVC_URL", "VCURL"} {
		if v := os.Getenv(name); v != "" {
			e.urls = append(e.urls, parseVCURL(name, v))
		}
	}
	return e
}

// first returns the first non-empty part of the URLs, in order. A URL that
// cannot be parsed stops the search with an error, reported once per
// variable: a broken environment is better fixed than skipped.
func (e *vcenterEnv) first(part func(vcURL) string) (string, error) {
	for _, u := range e.urls {
		if u.err != nil {
			if e.reported[u.name] {
				return "", nil
			}
			e.reported[u.name] = true
			return "", u.err
		}
		if v := part(u); v != "" {
			return v, nil
		}
	}
	return "", nil
}

// parseVCURL splits a vCenter URL into host, user and password. The
// password is registered as a secret before anything can fail, and errors
// never include the value or url.Parse's own message (which quotes it).
func parseVCURL(name, raw string) vcURL {
	hideURLPassword(raw)
	r := vcURL{name: name}
	s := raw
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		r.err = fmt.Errorf("%s is not a valid URL such as https://user:password@host/sdk "+
			"(its value is not shown, as it may contain a password; "+
			"percent-encode characters such as '#', '/', '?', '%%' or '@' in the user name and password)", name)
		return r
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		r.err = fmt.Errorf("%s must be an https URL such as https://user:password@host/sdk, not a %q URL", name, u.Scheme)
		return r
	}
	if u.Hostname() == "" {
		r.err = fmt.Errorf("%s has no host; write it like https://user:password@host/sdk", name)
		return r
	}
	r.host = u.Host
	if u.User != nil {
		r.user = u.User.Username()
		r.password, _ = u.User.Password()
	}
	return r
}

// hideURLPassword registers with Packer's log filter whatever sits between
// the first ':' and the last '@' of the URL's authority, both as written and
// percent-decoded. It works on the raw text so that even a URL url.Parse
// rejects does not leak its password into the logs.
func hideURLPassword(raw string) {
	s := raw
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return
	}
	userinfo := s[:at]
	colon := strings.Index(userinfo, ":")
	if colon < 0 {
		return
	}
	pass := userinfo[colon+1:]
	if pass == "" {
		return
	}
	packersdk.LogSecretFilter.Set(pass)
	if dec, err := url.PathUnescape(pass); err == nil && dec != pass && dec != "" {
		packersdk.LogSecretFilter.Set(dec)
	}
}
