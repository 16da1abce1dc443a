package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LabelKey is the image label that carries an image's default container
// configuration (a YAML or JSON ImageConfig).
const LabelKey = "org.mobyproject.config"

// Parse decodes and checks one LinuxKit YAML document. filename is only used
// in messages and to set each File's BaseDir; the data is never read from
// disk here. Every problem found is returned at once as an ErrorList whose
// entries name file:line:column and the field path.
//
// Parse checks everything one file can know. Checks that need the whole
// image (a kernel image somewhere, volumes referenced by binds, volume
// names unique across files) run in Merge, which callers run even for a
// single spec.
func Parse(filename string, data []byte) (s *Spec, err error) {
	defer func() {
		// The YAML library has panicked on hostile input in the past; a spec
		// parser must return an error instead.
		if r := recover(); r != nil {
			s, err = nil, ErrorList{{File: filename, Msg: fmt.Sprintf("cannot parse YAML: %v", r)}}
		}
	}()
	root, errs := parseDocument(filename, data)
	if errs != nil {
		return nil, errs.err()
	}
	d := newDecoder(filename)
	s = &Spec{}
	d.decode(root, "", reflect.ValueOf(s).Elem())
	if d.broke {
		// Decoding stopped part-way (too large, or too many errors): the
		// typed spec is incomplete, so only the decoder's own errors count.
		return nil, d.errs.err()
	}
	s.attach(d.src, filepath.Dir(filename))
	if s.Trust != nil {
		s.Warnings = append(s.Warnings, d.src.errorf("trust",
			"the trust section is deprecated and ignored (linuxkit removed content trust)"))
	}
	if errs := append(d.errs, withoutDecoded(s.check(d.src), d.errs)...); len(errs) > 0 {
		return nil, errs.err()
	}
	return s, nil
}

// withoutDecoded drops the semantic errors about values that already failed
// to decode (their typed value is a zero value, so any further complaint
// about them would be noise).
func withoutDecoded(errs, decodeErrs ErrorList) ErrorList {
	if len(decodeErrs) == 0 {
		return errs
	}
	var out ErrorList
next:
	for _, e := range errs {
		for _, d := range decodeErrs {
			if e.Path == d.Path || strings.HasPrefix(e.Path, d.Path+".") || strings.HasPrefix(e.Path, d.Path+"[") {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

// parseDocument reads exactly one YAML document whose root is a mapping.
func parseDocument(filename string, data []byte) (*yaml.Node, ErrorList) {
	fail := func(line, col int, format string, args ...any) (*yaml.Node, ErrorList) {
		return nil, ErrorList{errorAt(Pos{File: filename, Line: line, Column: col}, format, args...)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return fail(0, 0, "empty document: expected a mapping with kernel, init, onboot, services, files, ...")
		}
		return nil, ErrorList{yamlSyntaxError(filename, data, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return fail(extra.Line, extra.Column, "more than one YAML document ('---'); put each spec in its own file")
	} else if !errors.Is(err, io.EOF) {
		return nil, ErrorList{yamlSyntaxError(filename, data, err)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return fail(doc.Line, doc.Column, "empty document")
	}
	root := doc.Content[0]
	if isNull(root) {
		return fail(root.Line, root.Column, "empty document: expected a mapping with kernel, init, onboot, services, files, ...")
	}
	if root.Kind != yaml.MappingNode {
		return fail(root.Line, root.Column, "the document must be a mapping of top-level keys (kernel, init, onboot, onshutdown, services, files, volumes), got %s", describeNode(root))
	}
	return root, nil
}

// yamlLineRE finds the line (and column) yaml.v3 puts in its messages.
var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+):(?: column (\d+):)? (.*)$`)

// yamlSyntaxError turns a yaml.v3 syntax error into an Error with a line.
// yaml.v3 reports the line where the enclosing block starts (and 0-based
// for parser errors), which can be far from the mistake, so the line is
// taken as the first line whose inclusion makes the document fail to
// parse, when that can be found cheaply.
func yamlSyntaxError(file string, data []byte, err error) *Error {
	msg := err.Error()
	e := &Error{File: file}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Column, _ = strconv.Atoi(m[2])
		msg = m[3]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if line := firstFailingLine(data); line > 0 {
		e.Line, e.Column = line, 0
	}
	e.Msg = "invalid YAML: " + msg
	return e
}

// firstFailingLine returns a line n such that the first n-1 lines of data
// parse as YAML and the first n do not, found by bisection (a handful of
// parses), or 0 when there is none.
func firstFailingLine(data []byte) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	ends := make([]int, len(lines)+1)
	for i, l := range lines {
		ends[i+1] = ends[i] + len(l)
	}
	fails := func(n int) bool {
		var node yaml.Node
		return yaml.Unmarshal(data[:ends[n]], &node) != nil
	}
	if len(lines) == 0 || !fails(len(lines)) {
		return 0
	}
	lo, hi := 0, len(lines) // fails(hi); lo parses (the empty prefix does)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// attach gives every element its position table and the files their base
// directory.
func (s *Spec) attach(src *source, baseDir string) {
	if s.Kernel != nil {
		s.Kernel.src = src
	}
	s.initPos = make([]Pos, len(s.Init))
	for i := range s.Init {
		s.initPos[i] = src.at(indexPath("init", i))
	}
	for _, sec := range s.sections() {
		for _, img := range sec.images {
			if img != nil {
				img.src = src
			}
		}
	}
	for _, f := range s.Files {
		if f != nil {
			f.src = src
			f.BaseDir = baseDir
		}
	}
	for _, v := range s.Volumes {
		if v != nil {
			v.src = src
		}
	}
}

// ParseImageConfig decodes and checks an ImageConfig written on its own, as
// in an image's org.mobyproject.config label (YAML or JSON). name is used in
// messages, e.g. "docker.io/linuxkit/sshd:… label org.mobyproject.config".
// The same strict rules as Parse apply; "name" and "image" are refused.
func ParseImageConfig(name string, data []byte) (c *ImageConfig, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, ErrorList{{File: name, Msg: fmt.Sprintf("cannot parse YAML: %v", r)}}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &ImageConfig{}, nil
		}
		return nil, ErrorList{yamlSyntaxError(name, data, err)}
	}
	if len(doc.Content) != 1 || isNull(doc.Content[0]) {
		return &ImageConfig{}, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, ErrorList{errorAt(Pos{File: name, Line: root.Line, Column: root.Column},
			"the image configuration must be a mapping (a JSON object), got %s", describeNode(root))}
	}
	d := newDecoder(name)
	var img Image
	d.decode(root, "", reflect.ValueOf(&img).Elem())
	errs := d.errs
	if _, ok := d.src.pos["name"]; ok {
		errs = append(errs, d.src.errorf("name", "name cannot be set in the %s label", LabelKey))
	}
	if _, ok := d.src.pos["image"]; ok {
		errs = append(errs, d.src.errorf("image", "image cannot be set in the %s label", LabelKey))
	}
	errs = append(errs, withoutDecoded(checkImageConfig(&img.ImageConfig, d.src, ""), d.errs)...)
	if len(errs) > 0 {
		return nil, errs.err()
	}
	return &img.ImageConfig, nil
}
