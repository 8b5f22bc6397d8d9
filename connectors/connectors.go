// Package connectors is the registry of source kinds: the name a source's
// `connector` key takes, and the spec that decodes, checks and opens it.
// Each kind lives in its own folder with its spec beside its code; adding
// one is that folder, one line below, and its section in
// docs/configuration.md.
package connectors

import (
	"leadmart/connectors/extract"
	"leadmart/connectors/file"
	"leadmart/connectors/httpfile"
	"leadmart/connectors/rest"
	"leadmart/connectors/sqldb"
)

// Kind is one source kind.
type Kind struct {
	Name string
	// Spec returns a new, empty spec of the kind, to decode into.
	Spec func() extract.Spec
}

// Kinds lists every source kind, in the order messages name them.
func Kinds() []Kind {
	return []Kind{
		{"file", func() extract.Spec { return &file.Spec{} }},
		{"sql", func() extract.Spec { return &sqldb.Spec{} }},
		{"rest", func() extract.Spec { return &rest.Spec{} }},
		{"http-file", func() extract.Spec { return &httpfile.Spec{} }},
	}
}

// Lookup finds a kind by name.
func Lookup(name string) (Kind, bool) {
	for _, k := range Kinds() {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Names are the kinds' names, in order.
func Names() []string {
	var out []string
	for _, k := range Kinds() {
		out = append(out, k.Name)
	}
	return out
}
