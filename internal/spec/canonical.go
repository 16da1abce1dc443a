package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Canonical returns the spec as deterministic YAML: keys in a fixed order
// (the field order of the types; map keys sorted), image references
// normalized, 2-space indentation, no positions, no BaseDir, no trust
// section. Equal specs give equal bytes whatever the key order of their
// source, and the output parses back to the same spec.
//
// File contents written inline are part of the output. The content of a
// file's source is not (this package never reads files): the builder folds
// each source file's digest into the spec digest through Digest's extra
// arguments.
func (s *Spec) Canonical() ([]byte, error) {
	data, err := json.Marshal(s.normalized())
	if err != nil {
		return nil, fmt.Errorf("canonical spec: %w", err)
	}
	// JSON is YAML: re-read it as a node tree (which keeps the key order
	// encoding/json produced) and print it in block style.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("canonical spec: %w", err)
	}
	plainStyle(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("canonical spec: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("canonical spec: %w", err)
	}
	return buf.Bytes(), nil
}

// plainStyle clears the flow and quoting styles that came from JSON, so the
// encoder picks block style and quotes only where YAML needs it.
func plainStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		plainStyle(c)
	}
}

// Digest returns "sha256:<hex>" of the canonical bytes followed by each
// extra string (length-prefixed, so no two inputs collide). The builder
// passes the digests of files' source content as extras, in files order.
func Digest(canonical []byte, extra ...string) string {
	h := sha256.New()
	h.Write(canonical)
	for _, e := range extra {
		fmt.Fprintf(h, "\x00%d:%s", len(e), e)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Metadata returns the content of a files entry with metadata "yaml" (the
// canonical YAML) or "json" (the same data as JSON, indented with four
// spaces like linuxkit's).
func (s *Spec) Metadata(format string) ([]byte, error) {
	switch format {
	case "yaml":
		return s.Canonical()
	case "json":
		data, err := json.MarshalIndent(s.normalized(), "", "    ")
		if err != nil {
			return nil, fmt.Errorf("metadata json: %w", err)
		}
		return data, nil
	}
	return nil, fmt.Errorf("unsupported metadata type: %q", format)
}
