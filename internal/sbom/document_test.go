package sbom

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
)

const specDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

var fixtureImages = map[string]string{
	"init/0":          "docker.io/linuxkit/init:v1.2@sha256:1111111111111111111111111111111111111111111111111111111111111111",
	"onboot/000-deb":  "127.0.0.2:5000/x/deb@sha256:2222222222222222222222222222222222222222222222222222222222222222",
	"services/alp":    "docker.io/library/alpine:3.21@sha256:3333333333333333333333333333333333333333333333333333333333333333",
	"kernel":          "docker.io/linuxkit/kernel:6.6@sha256:4444444444444444444444444444444444444444444444444444444444444444",
	"volumes/scratch": "docker.io/library/busybox:1@sha256:5555555555555555555555555555555555555555555555555555555555555555",
}

func fixtureDocument(t *testing.T) []byte {
	t.Helper()
	found, err := Scan(context.Background(), bytes.NewReader(tarOf(t, fixtureFiles...)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Document(Input{
		Name: "golden", SpecDigest: specDigest, Created: time.Unix(1700000000, 0),
		Tool: "packer-plugin-linuxkit-test", Images: fixtureImages, Found: found,
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	digest, err := Encode(&buf, doc)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(buf.Bytes()); digest != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("Encode returned %s, not the digest of what it wrote", digest)
	}
	return buf.Bytes()
}

func TestDocumentDeterministic(t *testing.T) {
	a, b := fixtureDocument(t), fixtureDocument(t)
	if !bytes.Equal(a, b) {
		t.Fatalf("two documents of the same inputs differ:\n%s\n---\n%s", a, b)
	}
	doc, err := Document(Input{Name: "golden", SpecDigest: strings.Replace(specDigest, "0", "f", 1), Images: fixtureImages})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(a), doc.DocumentNamespace) {
		t.Error("another spec digest gave the same namespace")
	}
	if doc.CreationInfo.Created != "2017-04-18T16:30:00Z" {
		t.Errorf("no creation time gave %s, want the LinuxKit time", doc.CreationInfo.Created)
	}
}

// TestDocumentValidates parses the document back with tools-golang and
// checks the fields SPDX 2.3 requires, every image digest and every
// package of the fixture databases.
func TestDocumentValidates(t *testing.T) {
	raw := fixtureDocument(t)
	doc, err := spdxjson.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse back: %v\n%s", err, raw)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || doc.SPDXIdentifier != "DOCUMENT" {
		t.Errorf("header %q %q %q", doc.SPDXVersion, doc.DataLicense, doc.SPDXIdentifier)
	}
	if doc.DocumentName != "golden" || !strings.HasPrefix(doc.DocumentNamespace, Namespace) || !strings.HasSuffix(doc.DocumentNamespace, strings.TrimPrefix(specDigest, "sha256:")) {
		t.Errorf("name %q namespace %q", doc.DocumentName, doc.DocumentNamespace)
	}
	if ci := doc.CreationInfo; ci == nil || ci.Created != "2023-11-14T22:13:20Z" || len(ci.Creators) != 1 || ci.Creators[0].CreatorType != "Tool" {
		t.Errorf("creation info %+v", doc.CreationInfo)
	}
	ids := map[spdx.ElementID]bool{}
	purlOf := map[string]*spdx.Package{}
	for _, p := range doc.Packages {
		if p.PackageName == "" || p.PackageSPDXIdentifier == "" || p.PackageDownloadLocation == "" {
			t.Errorf("package misses a required field: %+v", p)
		}
		if ids[p.PackageSPDXIdentifier] {
			t.Errorf("identifier %s used twice", p.PackageSPDXIdentifier)
		}
		ids[p.PackageSPDXIdentifier] = true
		for _, r := range p.PackageExternalReferences {
			purlOf[r.Locator] = p
		}
	}
	describes := 0
	for _, r := range doc.Relationships {
		if r.Relationship == spdx.RelationshipDescribes && r.RefA.ElementRefID == "DOCUMENT" {
			describes++
		} else if !ids[r.RefA.ElementRefID] {
			t.Errorf("relationship from unknown %s", r.RefA.ElementRefID)
		}
		if !ids[r.RefB.ElementRefID] {
			t.Errorf("relationship to unknown %s", r.RefB.ElementRefID)
		}
	}
	if describes != 1 {
		t.Errorf("%d DESCRIBES relationships, want 1", describes)
	}
	for key, ref := range fixtureImages {
		digest := ref[strings.Index(ref, "@")+1:]
		found := false
		for _, p := range doc.Packages {
			if p.PackageVersion == digest && len(p.PackageChecksums) == 1 && "sha256:"+p.PackageChecksums[0].Value == digest {
				found = true
			}
		}
		if !found {
			t.Errorf("image %s (%s) is not listed with its digest", key, digest)
		}
	}
	for _, want := range []string{
		"pkg:oci/init@sha256%3A1111111111111111111111111111111111111111111111111111111111111111?repository_url=docker.io/linuxkit/init&tag=v1.2",
		"pkg:oci/deb@sha256%3A2222222222222222222222222222222222222222222222222222222222222222?repository_url=127.0.0.2%3A5000/x/deb",
		"pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64",
		"pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64",
		"pkg:apk/alpine/musl@1.2.5-r9?arch=x86_64",
		"pkg:apk/alpine/busybox@1.37.0-r12?arch=x86_64",
	} {
		if purlOf[want] == nil {
			t.Errorf("no package with purl %s", want)
		}
	}
	if p := purlOf["pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64"]; p != nil && p.PackageVersion != "5.2.15-2+b7" {
		t.Errorf("bash version %q", p.PackageVersion)
	}
}

func TestDocumentErrors(t *testing.T) {
	for name, in := range map[string]Input{
		"bad digest": {Name: "x", SpecDigest: "sha256:12"},
		"no name":    {SpecDigest: specDigest},
		"unpinned":   {Name: "x", SpecDigest: specDigest, Images: map[string]string{"init/0": "docker.io/linuxkit/init:v1"}},
	} {
		if _, err := Document(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	_, err := Document(Input{Name: "x", SpecDigest: specDigest, Images: map[string]string{"init/0": "docker.io/linuxkit/init:v1"}})
	if err == nil || !strings.Contains(err.Error(), "init/0") || !strings.Contains(err.Error(), "docker.io/linuxkit/init:v1") {
		t.Errorf("unpinned error %v does not name the component and the reference", err)
	}
}
