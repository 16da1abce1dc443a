package linuxkit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	registryimage "github.com/hashicorp/packer-plugin-sdk/packer/registry/image"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/artifact"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/testrig"
)

// TestRunSBOM builds an image whose init layers carry a dpkg and an apk database: the
// .spdx.json is the same bytes in two builds and whether it was catalogued from the initrd's
// stream or the tar's, it parses as SPDX 2.3, lists every pinned image digest and the
// databases' packages, is dated SOURCE_DATE_EPOCH, and its digest is in the artifact state
// and the HCP labels. sbom = false writes none.
func TestRunSBOM(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	r := newRunRig(t)
	pkgs := r.reg.Ref("tiny/pkgdb:1")
	r.reg.Push(t, pkgs, tinyImage(t, testrig.PackageDBFiles))
	spec := r.spec + "  - " + pkgs + "\n"
	var docs [][]byte
	for _, tc := range []struct{ out, format string }{{"a", FormatKernelInitrd}, {"b", FormatKernelInitrd}, {"tar", FormatTar}} {
		var log uiLog
		a, err := r.build(context.Background(), t, log.ui(), r.raw(tc.out, []string{tc.format}, map[string]interface{}{"spec": spec}))
		if err != nil {
			t.Fatalf("build %s: %v\n%s", tc.out, err, log.String())
		}
		art := a.(*Artifact)
		path := filepath.Join(r.dir, tc.out, "lk.spdx.json")
		if art.State(artifact.StateSBOM) != path || !contains(art.Files(), path) {
			t.Errorf("sbom state %v, files %v: want %s", art.State(artifact.StateSBOM), art.Files(), path)
		}
		doc := readBytes(t, path)
		sum := sha256.Sum256(doc)
		digest := "sha256:" + hex.EncodeToString(sum[:])
		hcp, _ := art.State(registryimage.ArtifactStateURI).(*registryimage.Image)
		if art.State(artifact.StateSBOMDigest) != digest || hcp == nil || hcp.Labels["sbom_digest"] != digest {
			t.Errorf("sbom_digest state %v, HCP labels %v; the file's is %s", art.State(artifact.StateSBOMDigest), hcp, digest)
		}
		if !bytes.Contains(readBytes(t, filepath.Join(r.dir, tc.out, "lk.sha256")), []byte("  lk.spdx.json\n")) {
			t.Error("lk.sha256 lacks lk.spdx.json")
		}
		parsed, err := spdxjson.Read(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("%s does not parse as SPDX: %v", path, err)
		}
		if parsed.SPDXVersion != "SPDX-2.3" || parsed.CreationInfo.Created != "2023-11-14T22:13:20Z" || !strings.HasSuffix(parsed.DocumentNamespace, strings.TrimPrefix(art.SpecDigest, "sha256:")) {
			t.Errorf("version %s, created %s, namespace %s", parsed.SPDXVersion, parsed.CreationInfo.Created, parsed.DocumentNamespace)
		}
		for k, ref := range art.Images {
			if _, d, _ := strings.Cut(ref, "@"); !bytes.Contains(doc, []byte(strings.TrimPrefix(d, "sha256:"))) {
				t.Errorf("the SBOM lacks image %s (%s)", k, ref)
			}
		}
		for _, p := range testrig.PackageDBPurls {
			if !bytes.Contains(doc, []byte(p)) {
				t.Errorf("the SBOM lacks the package %s", p)
			}
		}
		docs = append(docs, doc)
	}
	if !bytes.Equal(docs[0], docs[1]) {
		t.Error("two builds of the same pinned spec wrote different SBOMs")
	}
	if !bytes.Equal(docs[0], docs[2]) {
		t.Error("the SBOM catalogued from the tar stream differs from the initrd's")
	}
	var log uiLog
	a, err := r.build(context.Background(), t, log.ui(), r.raw("off", []string{FormatTar}, map[string]interface{}{"sbom": false}))
	if err != nil {
		t.Fatal(err)
	}
	checkOutputs(t, a.(*Artifact), []string{"lk.tar", "lk.sha256"})
	if a.State(artifact.StateSBOMDigest) != nil {
		t.Errorf("sbom = false: sbom_digest %v", a.State(artifact.StateSBOMDigest))
	}
}

// TestRunVerify signs the rig's images with a key made here: a build whose verify block
// names that key checks both and publishes which; an unsigned image, one signed with
// another key and one whose signature was altered each fail the build naming the image,
// before the output directory exists.
func TestRunVerify(t *testing.T) {
	r := newRunRig(t)
	signer, other := testrig.NewSigner(t), testrig.NewSigner(t)
	key := filepath.Join(t.TempDir(), "cosign.pub")
	if err := os.WriteFile(key, signer.PublicKeyPEM(t), 0o644); err != nil {
		t.Fatal(err)
	}
	policy := map[string]interface{}{"public_keys": []string{key}, "images": []string{r.reg.Host + "/tiny/*"}}
	for _, ref := range []string{r.kernel, r.init} {
		r.reg.SignImage(t, signer, repoOf(ref), headDigest(t, ref))
	}
	var log uiLog
	a, err := r.build(context.Background(), t, log.ui(), r.raw("signed", []string{FormatTar}, map[string]interface{}{"verify": policy}))
	if err != nil {
		t.Fatalf("a correctly signed build: %v\n%s", err, log.String())
	}
	if got := a.State(artifact.StateVerified); got != "init/0,kernel" {
		t.Errorf("verified = %v, want init/0,kernel", got)
	}

	for name, sign := range map[string]func(repo, digest string){
		"unsigned":  func(string, string) {},
		"wrong key": func(repo, digest string) { r.reg.SignImage(t, other, repo, digest) },
		"tampered": func(repo, digest string) {
			p := testrig.Payload(t, r.reg.Ref(repo), digest)
			raw, _ := base64.StdEncoding.DecodeString(signer.Sign(t, p))
			raw[len(raw)-1] ^= 1
			r.reg.PushSignature(t, repo, digest, p, base64.StdEncoding.EncodeToString(raw))
		},
	} {
		t.Run(name, func(t *testing.T) {
			repo := "tiny/init-" + strings.ReplaceAll(name, " ", "-")
			ref := r.reg.Ref(repo + ":1")
			r.reg.Push(t, ref, tinyImage(t, map[string]string{"etc/" + repo: name}))
			sign(repo, headDigest(t, ref))
			var log uiLog
			spec := r.spec + "  - " + ref + "\n"
			a, err := r.build(context.Background(), t, log.ui(), r.raw(name, []string{FormatTar}, map[string]interface{}{"spec": spec, "verify": policy}))
			if err == nil || a != nil || !strings.Contains(err.Error(), repo) || !strings.Contains(err.Error(), "init/1") {
				t.Fatalf("build = %v, %v; want an error naming %s", a, err, repo)
			}
			if strings.Contains(log.String(), "Assembled") || strings.Contains(log.String(), "Removing the unfinished") {
				t.Errorf("the build went on past verify:\n%s", log.String())
			}
			checkNoOutputDir(t, filepath.Join(r.dir, name), nil)
		})
	}
}

// headDigest returns the manifest digest the rig's registry serves for ref.
func headDigest(t *testing.T, ref string) string {
	t.Helper()
	n, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(n)
	if err != nil {
		t.Fatal(err)
	}
	return d.Digest.String()
}

// repoOf returns the repository of a rig reference without its host and tag ("tiny/init").
func repoOf(ref string) string {
	_, path, _ := strings.Cut(ref, "/")
	repo, _, _ := strings.Cut(path, ":")
	return repo
}

// TestRunBootTestMissingQEMU: a qemu_binary that is not there fails the build naming the
// packages to install, and leaves no output directory (no QEMU is needed to see it).
func TestRunBootTestMissingQEMU(t *testing.T) {
	r := newRunRig(t)
	var log uiLog
	raw := r.raw("noqemu", []string{FormatKernelInitrd}, map[string]interface{}{
		"boot_test": map[string]interface{}{"expect": "x", "qemu_binary": "qemu-system-none-such"}})
	a, err := r.build(t.Context(), t, log.ui(), raw)
	if err == nil || a != nil || !strings.Contains(err.Error(), "apt-get install qemu-system-x86") || !strings.Contains(err.Error(), "brew install qemu") {
		t.Fatalf("build = %v, %v; want an error naming the packages", a, err)
	}
	checkNoOutputDir(t, filepath.Join(r.dir, "noqemu"), &log)
}

// TestRunVerifyTrust: with a verify block that lists only keys, the spec's trust: section says
// which images must be signed (org → "<org>/*").
func TestRunVerifyTrust(t *testing.T) {
	r := newRunRig(t)
	signer := testrig.NewSigner(t)
	key := filepath.Join(t.TempDir(), "cosign.pub")
	if err := os.WriteFile(key, signer.PublicKeyPEM(t), 0o644); err != nil {
		t.Fatal(err)
	}
	r.reg.SignImage(t, signer, repoOf(r.kernel), headDigest(t, r.kernel))
	spec := r.spec + "trust:\n  org:\n    - " + r.reg.Host + "/tiny\n"
	raw := map[string]interface{}{"spec": spec, "verify": map[string]interface{}{"public_keys": []string{key}}}
	var log uiLog
	a, err := r.build(context.Background(), t, log.ui(), r.raw("trust", []string{FormatTar}, raw))
	if err == nil || a != nil || !strings.Contains(err.Error(), "tiny/init") {
		t.Fatalf("the unsigned init passed the trust: org: %v, %v\n%s", a, err, log.String())
	}
	r.reg.SignImage(t, signer, repoOf(r.init), headDigest(t, r.init))
	a, err = r.build(context.Background(), t, log.ui(), r.raw("trust-signed", []string{FormatTar}, raw))
	if err != nil || a.State(artifact.StateVerified) != "init/0,kernel" {
		t.Fatalf("signed under trust: %v, verified %v\n%s", err, a, log.String())
	}
}
