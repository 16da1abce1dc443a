package linuxkit

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// TestRunSBOMAttestations builds a spec whose init image is an index with a buildkit SBOM
// attestation: the attested package is in lk.spdx.json, contained by that image's package;
// two builds and a pull = never rebuild from the same cache write the same bytes; and with
// the attestation gone from the cache a pull = never build still succeeds, says so, and
// lacks the package.
func TestRunSBOMAttestations(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	r := newRunRig(t)
	ref := r.reg.Ref("tiny/attested:1")
	idx := testrig.AttestedIndex(t, "amd64", tinyImage(t, map[string]string{"etc/attested": "yes\n"}), testrig.AttestedMusl)
	idxDigest := r.reg.Push(t, ref, idx)
	raw := func(out, pull string) map[string]interface{} {
		return r.raw(out, []string{FormatTar}, map[string]interface{}{"spec": r.spec + "  - " + ref + "\n", "pull": pull})
	}
	build := func(out, pull string) ([]byte, string) {
		t.Helper()
		var log uiLog
		if _, err := r.build(context.Background(), t, log.ui(), raw(out, pull)); err != nil {
			t.Fatalf("build %s: %v\n%s", out, err, log.String())
		}
		return readBytes(t, filepath.Join(r.dir, out, "lk.spdx.json")), log.String()
	}

	first, _ := build("a", "missing")
	checkAttested(t, first, idxDigest, true)
	second, _ := build("b", "missing")
	never, _ := build("never", "never")
	if !bytes.Equal(first, second) || !bytes.Equal(first, never) {
		t.Error("builds of the same pinned spec (the last with pull = never) wrote different SBOMs")
	}

	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	att := im.Manifests[1].Digest
	if err := os.Remove(filepath.Join(r.cache, "blobs", att.Algorithm, att.Hex)); err != nil {
		t.Fatal(err)
	}
	lacking, log := build("lacking", "never")
	checkAttested(t, lacking, idxDigest, false)
	if !strings.Contains(log, "1 attestation(s) of image "+r.reg.Host+"/tiny/attested@"+idxDigest+" are not in the cache") {
		t.Errorf("the build does not say the attestation is not cached:\n%s", log)
	}
}

// checkAttested parses an SBOM and checks whether it lists the attested package
// (testrig.AttestedMusl), contained by the package of the image with digest imageDigest.
func checkAttested(t *testing.T, raw []byte, imageDigest string, want bool) {
	t.Helper()
	doc, err := spdxjson.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the SBOM does not parse: %v", err)
	}
	var image, musl string
	for _, p := range doc.Packages {
		switch {
		case p.PackageVersion == imageDigest && p.PrimaryPackagePurpose == "CONTAINER":
			image = string(p.PackageSPDXIdentifier)
		case p.PackageName == testrig.AttestedMusl.Name && p.PackageVersion == testrig.AttestedMusl.Version:
			musl = string(p.PackageSPDXIdentifier)
		}
	}
	if image == "" {
		t.Fatalf("the SBOM lacks the attested image %s", imageDigest)
	}
	contained := false
	for _, rel := range doc.Relationships {
		if string(rel.RefA.ElementRefID) == image && string(rel.RefB.ElementRefID) == musl && rel.Relationship == spdx.RelationshipContains {
			contained = true
		}
	}
	switch {
	case want && !contained:
		t.Errorf("the SBOM lacks %s %s contained by image %s (package %q)", testrig.AttestedMusl.Name, testrig.AttestedMusl.Version, image, musl)
	case !want && musl != "":
		t.Errorf("the SBOM lists the attested package %s though its attestation is not cached", musl)
	}
}
