package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func canonical(t *testing.T, s *Spec) string {
	t.Helper()
	y, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return string(y)
}

func TestCanonicalGolden(t *testing.T) {
	s := mustParse(t, "a/b.yml", `
services:
  - image: nginx
    name: web
    sysctl: {b: "2", a: "1"}
    capabilities: []
    uid: web
    gid: 0
    readonly: false
kernel:
  cmdline: console=ttyS0
  image: linuxkit/kernel:6.6
files:
  - mode: "0644"
    path: etc/motd
    contents: |
      hello
      world
  - path: etc/key
    source: key.pub
`)
	want := `kernel:
  image: docker.io/linuxkit/kernel:6.6
  cmdline: console=ttyS0
services:
  - name: web
    image: docker.io/library/nginx:latest
    capabilities: []
    readonly: false
    uid: web
    gid: 0
    sysctl:
      a: "1"
      b: "2"
files:
  - path: etc/motd
    contents: |
      hello
      world
    mode: "0644"
  - path: etc/key
    source: key.pub
`
	if got := canonical(t, s); got != want {
		t.Errorf("canonical:\n%s\nwant:\n%s", got, want)
	}
}

func TestCanonicalIndependentOfKeyOrder(t *testing.T) {
	a := mustParse(t, "a.yml", `
kernel: {image: linuxkit/kernel:6.6, cmdline: x}
services:
  - name: web
    image: nginx:1.27
    annotations: {z: "1", a: "2", m: "3"}
    resources: {memory: {limit: 5}, cpu: {shares: 2}}
    env: [A=1, B=2]
`)
	b := mustParse(t, "other/b.yml", `
services:
  - env: [A=1, B=2]
    resources: {cpu: {shares: 2}, memory: {limit: 5}}
    annotations: {m: "3", a: "2", z: "1"}
    image: docker.io/library/nginx:1.27
    name: web
kernel: {cmdline: x, image: docker.io/linuxkit/kernel:6.6}
`)
	ca, cb := canonical(t, a), canonical(t, b)
	if ca != cb {
		t.Errorf("different canonical forms:\n%s\n---\n%s", ca, cb)
	}
	if Digest([]byte(ca)) != Digest([]byte(cb)) {
		t.Error("different digests")
	}
}

func TestCanonicalRoundTripOfExamples(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yml")
	more, _ := filepath.Glob("testdata/merge/*.yml")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(f, data)
		if err != nil {
			t.Fatal(err)
		}
		c1 := canonical(t, s)
		s2, err := Parse("canonical.yml", []byte(c1))
		if err != nil {
			t.Fatalf("%s: canonical form does not parse: %v\n%s", f, err, c1)
		}
		if c2 := canonical(t, s2); c2 != c1 {
			t.Errorf("%s: canonical form is not stable:\n%s\n---\n%s", f, c1, c2)
		}
		if strings.Contains(c1, "BaseDir") || strings.Contains(c1, "basedir") {
			t.Errorf("%s: canonical form carries the base directory", f)
		}
	}
}

func TestCanonicalNormalizesRefsAndKeepsContents(t *testing.T) {
	s := mustParse(t, "w.yml", string(readTestdata(t, "valid/wireguard.yml")))
	c := canonical(t, s)
	for _, want := range []string{
		"image: docker.io/lkvpn/kernel:6.6.80\n",
		"  - docker.io/lkvpn/init:1.4.0\n",
		"image: docker.io/library/busybox:1.36\n",
		"PrivateKey = 4plkLolbjeIwZuXnaI40B5BfH0ZMgQcm31+2kvpaQj0=",
		"createInRoot: true",
	} {
		if !strings.Contains(c, want) {
			t.Errorf("canonical form lacks %q:\n%s", want, c)
		}
	}
}

func TestDigest(t *testing.T) {
	d := Digest([]byte("a"))
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(d) {
		t.Fatalf("Digest = %q", d)
	}
	if d != "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb" {
		t.Errorf("Digest without extras must be the plain sha256: %s", d)
	}
	if Digest([]byte("a"), "x") == d || Digest([]byte("a"), "x", "y") == Digest([]byte("a"), "xy") || Digest([]byte("a"), "x", "") == Digest([]byte("a"), "x") {
		t.Error("extras do not separate digests")
	}
	if first, second := Digest([]byte("a"), "x"), Digest([]byte("a"), "x"); first != second {
		t.Error("not deterministic")
	}
}

func TestMetadata(t *testing.T) {
	s := mustParse(t, "v.yml", string(readTestdata(t, "valid/volumes.yml")))
	y, err := s.Metadata("yaml")
	if err != nil || string(y) != canonical(t, s) {
		t.Errorf("yaml metadata: %v", err)
	}
	j, err := s.Metadata("json")
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(j, &back); err != nil || !strings.Contains(string(j), "\n    \"kernel\": {") {
		t.Errorf("json metadata: %v\n%s", err, j)
	}
	if _, err := Parse("from-json.yml", j); err != nil {
		t.Errorf("json metadata does not parse back: %v", err)
	}
	if _, err := s.Metadata("xml"); err == nil {
		t.Error("xml metadata accepted")
	}
}
