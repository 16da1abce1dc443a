package spec

import (
	"reflect"
	"strings"
	"sync"
)

// field is one settable key of a struct type, as the decoder sees it.
type field struct {
	name  string // the key, as written in YAML
	index []int  // reflect index path (through inline structs)
}

// fieldTable lists the keys of one struct type.
type fieldTable struct {
	fields []field
	byName map[string]int // exact key -> fields index
	byFold map[string]int // lower-cased key -> fields index (fold only)
	// fold means keys match case-insensitively. It is set for types from
	// other packages (runtime-spec), whose keys come from JSON tags: linuxkit
	// documents them in camelCase (its schema) but its YAML decoder only
	// accepts lower case, so accepting both is the only way both work.
	fold bool
}

// names returns the keys in declaration order (for suggestions).
func (t *fieldTable) names() []string {
	out := make([]string, len(t.fields))
	for i, f := range t.fields {
		out[i] = f.name
	}
	return out
}

// lookup finds the field for key.
func (t *fieldTable) lookup(key string) (field, bool) {
	if i, ok := t.byName[key]; ok {
		return t.fields[i], true
	}
	if t.fold {
		if i, ok := t.byFold[strings.ToLower(key)]; ok {
			return t.fields[i], true
		}
	}
	return field{}, false
}

var (
	ownPkgPath = reflect.TypeOf(Spec{}).PkgPath()
	tableCache sync.Map // reflect.Type -> *fieldTable
)

// tableFor returns the (cached) field table of struct type t.
func tableFor(t reflect.Type) *fieldTable {
	if v, ok := tableCache.Load(t); ok {
		return v.(*fieldTable)
	}
	tab := &fieldTable{
		byName: map[string]int{},
		byFold: map[string]int{},
		fold:   t.PkgPath() != ownPkgPath,
	}
	collectFields(tab, t, nil)
	v, _ := tableCache.LoadOrStore(t, tab)
	return v.(*fieldTable)
}

// collectFields adds the keys of struct type t (reached through index
// prefix) to tab. The key is the yaml tag name, else the json tag name;
// "-" skips a field; `yaml:",inline"` and untagged embedded structs are
// flattened, as yaml.v3 and encoding/json do.
func collectFields(tab *fieldTable, t reflect.Type, prefix []int) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, hasYAML := sf.Tag.Lookup("yaml")
		if !hasYAML {
			tag = sf.Tag.Get("json")
		}
		name, opts, _ := strings.Cut(tag, ",")
		index := append(append([]int(nil), prefix...), i)
		inline := strings.Contains(","+opts+",", ",inline,") || (sf.Anonymous && name == "")
		if inline && sf.Type.Kind() == reflect.Struct {
			collectFields(tab, sf.Type, index)
			continue
		}
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		tab.byName[name] = len(tab.fields)
		tab.byFold[strings.ToLower(name)] = len(tab.fields)
		tab.fields = append(tab.fields, field{name: name, index: index})
	}
}
