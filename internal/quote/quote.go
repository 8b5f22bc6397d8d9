// Package quote writes values and names into DuckDB and PostgreSQL SQL
// text, for the statements that cannot take parameters (DDL, COPY, table
// functions).
package quote

import "strings"

// Lit is s as a SQL string literal.
func Lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Ident is s as a quoted SQL identifier.
func Ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
