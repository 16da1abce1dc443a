package linuxkit

import (
	"fmt"
	"slices"

	"github.com/spdx/tools-golang/spdx"

	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/image"
	"github.com/seed844b7c54/packer-plugin-linuxkit/internal/sbom"
)

// attestedDocs reads the SBOM attestations each pinned image (component key
// → pinned reference) carries from the store's cache, by component key,
// for sbom.Input.Attested. Keys are read in order and each image's
// documents in index order, so the result is the same for the same pinned
// spec. An attestation the cache lacks (a pull = never build on a cache
// filled without it) is left out and said through say.
func attestedDocs(store *image.Store, images map[string]string, say func(string)) (map[string][]*spdx.Document, error) {
	keys := make([]string, 0, len(images))
	for k := range images {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	byRef := map[string][]*spdx.Document{}
	out := map[string][]*spdx.Document{}
	for _, k := range keys {
		ref := images[k]
		docs, seen := byRef[ref]
		if !seen {
			a, err := store.Attestations(ref)
			if err != nil {
				return nil, fmt.Errorf("sbom: attestations of %s: %w", k, err)
			}
			if a.Missing > 0 {
				say(fmt.Sprintf("SBOM: %d attestation(s) of image %s are not in the cache; the SBOM lacks them (pull the image again to add them)", a.Missing, ref))
			}
			if a.Index != nil {
				if docs, err = sbom.Attestations(a.Index, a.Image); err != nil {
					return nil, fmt.Errorf("sbom: attestations of %s (%s): %w", k, ref, err)
				}
			}
			byRef[ref] = docs
		}
		if len(docs) > 0 {
			out[k] = docs
		}
	}
	return out, nil
}
