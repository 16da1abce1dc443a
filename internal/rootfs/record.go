package rootfs

import (
	"archive/tar"
	"encoding/json"
	"fmt"
)

// IndexCache keeps the headers Index read from a layer, keyed by the layer's
// digest, so that a warm build lists a cached layer without decompressing it:
// on a 235 MB tree, the listing pass was a full decompression of its own
// before the write pass decompressed the layer again. A cached listing is
// trusted for nothing: the write pass compares every header it reads with it
// and reads such a layer to its end, so the blob's digest is checked too.
// The image store implements it (image.Store's LoadIndex and StoreIndex).
type IndexCache interface {
	// LoadIndex returns what StoreIndex stored under key, or nil when there
	// is nothing (or nothing usable) there.
	LoadIndex(key string) ([]byte, error)
	// StoreIndex keeps data under key; nil data removes what is kept
	// there (a listing found not to match its layer). A cache that cannot
	// be written to returns nil and keeps nothing.
	StoreIndex(key string, data []byte) error
}

// indexVersion changes whenever record changes meaning, so an older listing
// is read as a miss.
const indexVersion = 1

// record is what indexing uses of one tar header. Two equal records make the
// same tree, so comparing them is how the write pass checks a listing.
type record struct {
	Name   string `json:"n"`
	Type   byte   `json:"t"`
	Mode   int64  `json:"m,omitempty"`
	UID    int    `json:"u,omitempty"`
	GID    int    `json:"g,omitempty"`
	MTime  int64  `json:"mt,omitempty"`
	Size   int64  `json:"s,omitempty"`
	Link   string `json:"l,omitempty"`
	Major  int64  `json:"ma,omitempty"`
	Minor  int64  `json:"mi,omitempty"`
	Caps   string `json:"c,omitempty"`
	Sparse bool   `json:"sp,omitempty"`
}

// recordOf takes from hdr what indexing uses.
func recordOf(hdr *tar.Header) record {
	return record{
		Name: hdr.Name, Type: hdr.Typeflag, Mode: hdr.Mode, UID: hdr.Uid, GID: hdr.Gid,
		MTime: hdr.ModTime.Unix(), Size: hdr.Size, Link: hdr.Linkname,
		Major: hdr.Devmajor, Minor: hdr.Devminor, Caps: hdr.PAXRecords[capsRecord], Sparse: sparse(hdr),
	}
}

// listing is a layer's records as an IndexCache keeps them. APK says that one
// entry is the apk database, whose bytes an init image needs: such a listing
// is not used for an init image.
type listing struct {
	Version int      `json:"version"`
	Layer   string   `json:"layer"`
	APK     bool     `json:"apk,omitempty"`
	Records []record `json:"records"`
}

// loadListing returns the cached records of the layer with digest key, or
// nil when the cache has none or an unusable one (another version, another
// layer, undecodable: a miss, rewritten after the layer is read).
func loadListing(c IndexCache, key string, apk bool) ([]record, error) {
	b, err := c.LoadIndex(key)
	if err != nil || b == nil {
		return nil, err
	}
	var l listing
	if json.Unmarshal(b, &l) != nil || l.Version != indexVersion || l.Layer != key || (apk && l.APK) {
		return nil, nil
	}
	if l.Records == nil {
		l.Records = []record{}
	}
	return l.Records, nil
}

// storeListing keeps the records of the layer with digest key.
func storeListing(c IndexCache, key string, recs []record) error {
	l := listing{Version: indexVersion, Layer: key, Records: recs}
	for _, r := range recs {
		if isAPKDB(r.Name) {
			l.APK = true
		}
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if err := c.StoreIndex(key, b); err != nil {
		return fmt.Errorf("keeping the listing of layer %s: %w", key, err)
	}
	return nil
}

// isAPKDB reports whether a tar entry name is the apk database.
func isAPKDB(name string) bool {
	comps, err := splitClean(name)
	return err == nil && joinPath(comps) == apkDB
}
