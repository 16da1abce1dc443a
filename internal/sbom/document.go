package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/epoch"
)

// Namespace is the base of every document namespace this package writes;
// the document's own part is its name and the spec digest.
const Namespace = "https://github.com/seed844b7c54/packer-plugin-linuxkit/spdx/"

// Input is everything a document is made from.
type Input struct {
	// Name is the image's name (the build's output name); the document is
	// "<Name>.spdx.json".
	Name string
	// SpecDigest is the content digest of the pinned spec ("sha256:…"); the
	// namespace and every SPDX identifier derive from it.
	SpecDigest string
	// Created is the document's creation time: SOURCE_DATE_EPOCH or the
	// fixed LinuxKit time, never the clock. Zero means epoch.LinuxKit.
	Created time.Time
	// Tool names the creator, e.g. "packer-plugin-linuxkit-0.4.0".
	Tool string
	// Images maps each component key (spec.ImageUse.Key) to its pinned,
	// normalized reference ("docker.io/linuxkit/init:v1@sha256:…").
	Images map[string]string
	// Found is what Scan found in the root filesystem; nil when it was not
	// scanned.
	Found *Result
	// Attested are SPDX documents the images carry as attestations (see
	// Merge), by component key.
	Attested map[string][]*spdx.Document
}

// Document builds the SPDX 2.3 document of an image. The document
// DESCRIBES one package for the whole image, which CONTAINS a package per
// pinned image (with its digest as checksum and its purl) and a package per
// package Scan found (with its purl and, in the comment, where it was
// found); attested packages are CONTAINED by their image's package.
func Document(in Input) (*spdx.Document, error) {
	sum, ok := strings.CutPrefix(in.SpecDigest, "sha256:")
	if !ok || len(sum) != 64 {
		return nil, fmt.Errorf("sbom: spec digest %q is not sha256:<64 hex>", in.SpecDigest)
	}
	if in.Name == "" {
		return nil, fmt.Errorf("sbom: the document needs a name")
	}
	created := in.Created
	if created.IsZero() {
		created = epoch.LinuxKit
	}
	tool := in.Tool
	if tool == "" {
		tool = "packer-plugin-linuxkit"
	}
	d := &builder{seed: in.SpecDigest, doc: &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      in.Name,
		DocumentNamespace: Namespace + escape(in.Name) + "-" + sum,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: tool}},
			Created:  created.UTC().Format(time.RFC3339),
		},
	}}
	root := d.add(&spdx.Package{
		PackageName:             in.Name,
		PackageVersion:          in.SpecDigest,
		PackageDownloadLocation: "NOASSERTION",
		PrimaryPackagePurpose:   "OPERATING-SYSTEM",
		PackageComment:          "the LinuxKit image assembled from the pinned spec " + in.SpecDigest,
	}, "image")
	d.relate("DOCUMENT", root, spdx.RelationshipDescribes)
	if err := d.images(root, in); err != nil {
		return nil, err
	}
	if in.Found != nil {
		for _, p := range in.Found.Packages {
			id := d.add(foundPackage(p), "found", purl(p))
			d.relate(root, id, spdx.RelationshipContains)
		}
		if in.Found.Dropped > 0 {
			d.doc.DocumentComment = fmt.Sprintf("%d packages were left out: the catalogue limit was reached", in.Found.Dropped)
		}
	}
	return d.doc, nil
}

// images adds a package per pinned image, in component order, and the
// packages of its attestations.
func (d *builder) images(root common.ElementID, in Input) error {
	keys := make([]string, 0, len(in.Images))
	for k := range in.Images {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		img, err := parsePinned(in.Images[key])
		if err != nil {
			return fmt.Errorf("sbom: image %s: %w", key, err)
		}
		id := d.add(&spdx.Package{
			PackageName:             img.repo,
			PackageVersion:          img.digest,
			PackageDownloadLocation: "NOASSERTION",
			PrimaryPackagePurpose:   "CONTAINER",
			PackageChecksums:        []common.Checksum{{Algorithm: common.SHA256, Value: strings.TrimPrefix(img.digest, "sha256:")}},
			PackageComment:          "component " + key + ": " + in.Images[key],
			PackageExternalReferences: []*spdx.PackageExternalReference{{
				Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: imagePurl(img),
			}},
		}, "image", key)
		d.relate(root, id, spdx.RelationshipContains)
		for n, att := range in.Attested[key] {
			d.merge(id, fmt.Sprintf("%s/%d", key, n), att)
		}
	}
	return nil
}

func foundPackage(p Package) *spdx.Package {
	sp := &spdx.Package{
		PackageName:             p.Name,
		PackageVersion:          p.Version,
		PackageDownloadLocation: "NOASSERTION",
		PackageComment:          "found in " + strings.Join(p.Locations, ", "),
		PackageExternalReferences: []*spdx.PackageExternalReference{{
			Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: purl(p),
		}},
	}
	if p.License != "" {
		sp.PackageLicenseDeclared = "NOASSERTION"
		sp.PackageLicenseComments = "declared by the package database: " + p.License
	}
	if p.Type == "golang" {
		sp.PrimaryPackagePurpose = "LIBRARY"
	}
	return sp
}

// builder assigns identifiers and collects relationships.
type builder struct {
	seed string
	doc  *spdx.Document
	used map[common.ElementID]bool
}

// add gives p an identifier derived from the seed and parts, adds it and
// returns the identifier.
func (d *builder) add(p *spdx.Package, parts ...string) common.ElementID {
	id := d.id(parts...)
	p.PackageSPDXIdentifier = id
	d.doc.Packages = append(d.doc.Packages, p)
	return id
}

// id is "<kind>-<16 hex of sha256(seed, parts)>", unique in the document.
func (d *builder) id(parts ...string) common.ElementID {
	if d.used == nil {
		d.used = map[common.ElementID]bool{}
	}
	h := sha256.New()
	io.WriteString(h, d.seed)
	for _, p := range parts {
		io.WriteString(h, "\x00"+p)
	}
	sum := h.Sum(nil)
	for n := 0; ; n++ {
		id := common.ElementID(fmt.Sprintf("%s-%s", parts[0], hex.EncodeToString(sum[:8])))
		if n > 0 {
			id = common.ElementID(fmt.Sprintf("%s-%d", id, n))
		}
		if !d.used[id] {
			d.used[id] = true
			return id
		}
	}
}

func (d *builder) relate(a, b common.ElementID, typ string) {
	d.doc.Relationships = append(d.doc.Relationships, &spdx.Relationship{
		RefA: common.MakeDocElementID("", string(a)), RefB: common.MakeDocElementID("", string(b)), Relationship: typ,
	})
}

// Encode writes the document as indented JSON and returns the digest of
// the bytes written ("sha256:…"), which the builder puts into the artifact
// state.
func Encode(w io.Writer, doc *spdx.Document) (string, error) {
	h := sha256.New()
	if err := spdxjson.Write(doc, io.MultiWriter(w, h), spdxjson.Indent("  ")); err != nil {
		return "", fmt.Errorf("sbom: write %s: %w", doc.DocumentName, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// pinned is a pinned, normalized image reference taken apart.
type pinned struct{ repo, tag, digest string }

func parsePinned(ref string) (pinned, error) {
	base, digest, ok := strings.Cut(ref, "@")
	if !ok || !strings.HasPrefix(digest, "sha256:") || len(digest) != len("sha256:")+64 {
		return pinned{}, fmt.Errorf("reference %q is not pinned by a sha256 digest", ref)
	}
	p := pinned{repo: base, digest: digest}
	if i := strings.LastIndex(base, ":"); i >= 0 && !strings.Contains(base[i+1:], "/") {
		p.repo, p.tag = base[:i], base[i+1:]
	}
	return p, nil
}
