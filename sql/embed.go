// Package sqlmodels embeds the SQL models and their metadata. It is not
// called "sql" so that it does not clash with database/sql.
package sqlmodels

import "embed"

// FS holds macros.sql (shared macros), staging/, core/ and marts/: one <table>.sql per model, with its
// description, column docs and checks in <table>.yml beside it.
//
//go:embed macros.sql staging core marts
var FS embed.FS
