package spec

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxVisits bounds the number of values one document may decode to, so an
// alias bomb ("billion laughs") fails fast instead of exhausting memory. A
// large real spec has a few thousand values.
const maxVisits = 200000

var (
	idType  = reflect.TypeOf(ID{})
	posType = reflect.TypeOf(Pos{})
)

// decoder turns a yaml.Node tree into typed values by reflection, strictly:
// unknown keys, duplicate keys and type mismatches are errors that carry the
// line, column and field path. It records the position of every value it
// decodes, for the checks that run afterwards.
type decoder struct {
	src    *source
	errs   ErrorList
	visits int
	active map[*yaml.Node]bool // anchors being expanded through an alias
	broke  bool                // the visit budget ran out (reported once)
}

func newDecoder(file string) *decoder {
	return &decoder{
		src:    &source{file: file, pos: map[string]Pos{}},
		active: map[*yaml.Node]bool{},
	}
}

// posOf is the position of node n at path.
func (d *decoder) posOf(n *yaml.Node, path string) Pos {
	return Pos{File: d.src.file, Line: n.Line, Column: n.Column, Path: path}
}

// maxErrors bounds the errors one document reports; after that decoding
// stops, since the rest is noise and a hostile document could make
// millions.
const maxErrors = 100

// errorf records an error at node n.
func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	if d.broke {
		return
	}
	if len(d.errs) >= maxErrors {
		d.broke = true
		d.errs = append(d.errs, errorAt(d.posOf(n, path), "too many errors; stopping"))
		return
	}
	d.errs = append(d.errs, errorAt(d.posOf(n, path), format, args...))
}

// spend counts one unit of decoding work and reports whether the budget
// still allows more.
func (d *decoder) spend(n *yaml.Node, path string) bool {
	if d.broke {
		return false
	}
	d.visits++
	if d.visits > maxVisits {
		d.errorf(n, path, "document too large (more than %d values, or an alias bomb)", maxVisits)
		d.broke = true
		return false
	}
	return true
}

// decode stores node n into v (which must be settable).
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	if !d.spend(n, path) {
		return
	}
	if n.Kind == yaml.AliasNode {
		target := n.Alias
		if target == nil {
			d.errorf(n, path, "unknown alias *%s", n.Value)
			return
		}
		if d.active[target] {
			d.errorf(n, path, "alias *%s refers to a value that contains it", n.Value)
			return
		}
		d.active[target] = true
		defer delete(d.active, target)
		d.decode(target, path, v)
		return
	}
	if _, seen := d.src.pos[path]; !seen {
		d.src.pos[path] = d.posOf(n, path)
	}
	if v.Type() == idType {
		d.decodeID(n, path, v)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			d.errorf(n, path, "expected %s, got null (remove the key to leave it unset)", describeType(v.Type().Elem()))
			return
		}
		nv := reflect.New(v.Type().Elem())
		d.decode(n, path, nv.Elem())
		v.Set(nv)
	case reflect.Struct:
		d.decodeStruct(n, path, v)
	case reflect.Slice:
		d.decodeSlice(n, path, v)
	case reflect.Map:
		d.decodeMap(n, path, v)
	case reflect.String:
		if s, ok := d.scalar(n, path, "a string", "!!str", "!!timestamp"); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		if s, ok := d.scalar(n, path, "a boolean (true or false)", "!!bool"); ok {
			v.SetBool(strings.EqualFold(s, "true"))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if s, ok := d.scalar(n, path, "an integer", "!!int"); ok {
			i, err := strconv.ParseInt(s, 0, v.Type().Bits())
			if err != nil {
				d.errorf(n, path, "integer %s is out of range for this field", s)
				return
			}
			v.SetInt(i)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if s, ok := d.scalar(n, path, "a non-negative integer", "!!int"); ok {
			u, err := strconv.ParseUint(s, 0, v.Type().Bits())
			if err != nil {
				d.errorf(n, path, "%s is not a non-negative integer that fits this field", s)
				return
			}
			v.SetUint(u)
		}
	default:
		// Every type of this package is covered above; reaching this is a
		// programming error, reported rather than panicking.
		d.errorf(n, path, "internal error: cannot decode into %s", v.Type())
	}
}

// scalar returns the text of a scalar node whose resolved tag is one of
// tags, or records a type error.
func (d *decoder) scalar(n *yaml.Node, path, want string, tags ...string) (string, bool) {
	if n.Kind == yaml.ScalarNode {
		tag := n.ShortTag()
		for _, t := range tags {
			if tag == t {
				return n.Value, true
			}
		}
		if tags[0] == "!!str" && tag != "!!null" && !strings.HasPrefix(tag, "!!") {
			d.errorf(n, path, "unsupported tag %s", n.Tag)
			return "", false
		}
		hint := ""
		if tags[0] == "!!str" && (tag == "!!int" || tag == "!!float" || tag == "!!bool") {
			hint = fmt.Sprintf(" (quote it: \"%s\")", n.Value)
		}
		d.errorf(n, path, "expected %s, got %s%s", want, describeNode(n), hint)
		return "", false
	}
	d.errorf(n, path, "expected %s, got %s", want, describeNode(n))
	return "", false
}

// decodeID stores an integer or a string into an ID.
func (d *decoder) decodeID(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!int":
			u, err := strconv.ParseUint(n.Value, 0, 32)
			if err != nil {
				d.errorf(n, path, "id %s is out of range (0 to %d)", n.Value, uint32(math.MaxUint32))
				return
			}
			v.Set(reflect.ValueOf(ID{Number: uint32(u)}))
			return
		case "!!str":
			v.Set(reflect.ValueOf(ID{Name: n.Value}))
			return
		}
	}
	d.errorf(n, path, "expected a user or group (a number or a name), got %s", describeNode(n))
}

// decodeSlice decodes a sequence into a slice.
func (d *decoder) decodeSlice(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "expected %s, got %s", describeType(v.Type()), describeNode(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.decode(item, indexPath(path, i), out.Index(i))
	}
	v.Set(out)
}

// decodeMap decodes a mapping with scalar keys into a map keyed by string.
func (d *decoder) decodeMap(n *yaml.Node, path string, v reflect.Value) {
	if v.Type().Key().Kind() != reflect.String {
		d.errorf(n, path, "internal error: map key type %s", v.Type().Key())
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected %s, got %s", describeType(v.Type()), describeNode(n))
		return
	}
	out := reflect.MakeMap(v.Type())
	for _, p := range d.pairs(n, path) {
		ev := reflect.New(v.Type().Elem()).Elem()
		d.decode(p.val, keyPath(path, p.key.Value), ev)
		out.SetMapIndex(reflect.ValueOf(p.key.Value).Convert(v.Type().Key()), ev)
	}
	v.Set(out)
}

// decodeStruct decodes a mapping into a struct, rejecting unknown and
// repeated keys, and fills a Pos field with the mapping's position.
func (d *decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping, got %s", describeNode(n))
		return
	}
	tab := tableFor(v.Type())
	for _, p := range d.pairs(n, path) {
		f, ok := tab.lookup(p.key.Value)
		if !ok {
			msg := fmt.Sprintf("unknown key %q", p.key.Value)
			if s := suggest(p.key.Value, tab.names()); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.errorf(p.key, joinPath(path, p.key.Value), "%s", msg)
			continue
		}
		d.decode(p.val, joinPath(path, f.name), v.FieldByIndex(f.index))
	}
	if pf := v.FieldByName("Pos"); pf.IsValid() && pf.Type() == posType && pf.CanSet() {
		pf.Set(reflect.ValueOf(d.posOf(n, path)))
	}
}

// pair is one key/value of a mapping after merge keys are expanded.
type pair struct{ key, val *yaml.Node }

// pairs returns the entries of mapping n: its own keys (each at most once)
// followed by the keys brought in by YAML merge keys ("<<: *anchor") that
// it does not set itself. Keys must be scalars.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var own, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if !d.spend(k, path) {
			return nil
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.mergePairs(val, path)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "mapping keys must be plain strings, got %s", describeNode(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, joinPath(path, k.Value), "key %q is repeated (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		own = append(own, pair{k, val})
	}
	for _, p := range merged {
		if _, dup := seen[p.key.Value]; dup {
			continue
		}
		seen[p.key.Value] = p.key
		own = append(own, p)
	}
	return own
}

// mergePairs expands the value of a "<<" key: a mapping (usually an alias
// to one) or a sequence of them, earlier ones winning.
func (d *decoder) mergePairs(n *yaml.Node, path string) []pair {
	if !d.spend(n, path) {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		target := n.Alias
		if target == nil || d.active[target] {
			d.errorf(n, path, "merge key refers to an unknown or recursive alias")
			return nil
		}
		d.active[target] = true
		defer delete(d.active, target)
		n = target
	}
	switch n.Kind {
	case yaml.MappingNode:
		return d.pairs(n, path)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range n.Content {
			if item.Kind != yaml.AliasNode && item.Kind != yaml.MappingNode {
				d.errorf(item, path, "merge key list must hold mappings, got %s", describeNode(item))
				continue
			}
			out = append(out, d.mergePairs(item, path)...)
		}
		return out
	}
	d.errorf(n, path, "merge key value must be a mapping or a list of mappings, got %s", describeNode(n))
	return nil
}

// isNull reports whether n is an explicit or empty null scalar.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describeNode names what a node holds, for type errors.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!int":
		return "the integer " + v
	case "!!float":
		return "the number " + v
	case "!!bool":
		return "the boolean " + v
	case "!!str", "!!timestamp":
		return fmt.Sprintf("the string %q", v)
	}
	return fmt.Sprintf("a %s value", n.Tag)
}

// describeType names what a Go type expects, for type errors.
func describeType(t reflect.Type) string {
	switch {
	case t == idType:
		return "a user or group (a number or a name)"
	case t.Kind() == reflect.Slice:
		elem := t.Elem()
		switch {
		case elem.Kind() == reflect.String:
			return "a list of strings"
		case elem == idType:
			return "a list of users or groups"
		}
		return "a list"
	case t.Kind() == reflect.Map:
		return "a mapping of strings"
	case t.Kind() == reflect.Struct:
		return "a mapping"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "a boolean"
	case t.Kind() == reflect.Pointer:
		return describeType(t.Elem())
	}
	return "an integer"
}
