package config

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"leadmart/connectors"
)

// UnmarshalYAML decodes the keys every source has into Source and the
// others into its connector kind's Spec, as strictly as the rest of the
// config: an unknown key, here or nested, is an error with its line. A key
// of another kind (a path on a sql source) is left for Validate to name.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a source is a mapping of keys", n.Line)}}
	}
	type plain Source // Source without this method
	commonType := reflect.TypeOf(plain{})
	common := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	own := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(n.Content); i += 2 {
		dst := own
		if _, ok := yamlFields(commonType)[n.Content[i].Value]; ok {
			dst = common
		}
		dst.Content = append(dst.Content, n.Content[i], n.Content[i+1])
	}
	errs := unknownKeys(common, commonType, "config.Source")
	if err := common.Decode((*plain)(s)); err != nil {
		return err
	}
	kind, known := connectors.Lookup(or(s.Connector, "file"))
	if !known {
		// Validate names the unknown connector; its keys mean nothing yet.
		return typeErrors(errs)
	}
	s.Spec = kind.Spec()
	specType := reflect.TypeOf(s.Spec).Elem()
	specNode := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(own.Content); i += 2 {
		key, val := own.Content[i], own.Content[i+1]
		if _, ok := yamlFields(specType)[key.Value]; ok {
			specNode.Content = append(specNode.Content, key, val)
			continue
		}
		if other := kindWithKey(key.Value); other != "" {
			s.misplaced = append(s.misplaced, misplacedKey{key: key.Value, kind: other})
			continue
		}
		errs = append(errs, fmt.Sprintf("line %d: field %s not found in type config.Source", key.Line, key.Value))
	}
	errs = append(errs, unknownKeys(specNode, specType, specType.String())...)
	if len(errs) > 0 {
		return typeErrors(errs)
	}
	return specNode.Decode(s.Spec)
}

func typeErrors(errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	return &yaml.TypeError{Errors: errs}
}

// kindWithKey names the first connector kind whose spec has key.
func kindWithKey(key string) string {
	for _, k := range connectors.Kinds() {
		if _, ok := yamlFields(reflect.TypeOf(k.Spec()).Elem())[key]; ok {
			return k.Name
		}
	}
	return ""
}

// yamlFields maps the YAML keys of struct type t to their field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// unknownKeys lists the keys of mapping node n that struct type t does not
// have, descending into nested structs, as yaml's strict decoder words them.
func unknownKeys(n *yaml.Node, t reflect.Type, name string) []string {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	fields := yamlFields(t)
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		ft, ok := fields[key.Value]
		if !ok {
			out = append(out, fmt.Sprintf("line %d: field %s not found in type %s", key.Line, key.Value, name))
			continue
		}
		inner := ft
		for inner.Kind() == reflect.Pointer {
			inner = inner.Elem()
		}
		if inner.Kind() == reflect.Struct {
			out = append(out, unknownKeys(n.Content[i+1], inner, inner.String())...)
		}
	}
	return out
}
