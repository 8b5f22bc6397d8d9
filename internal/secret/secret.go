// Package secret keeps connection strings out of error messages and logs.
package secret

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Redact removes the connection string, and its password on its own, from
// an error: a DSN may be logged nowhere.
func Redact(err error, dsn string) error {
	msg := err.Error()
	if cfg, perr := pgx.ParseConfig(dsn); perr == nil && cfg.Password != "" {
		msg = strings.ReplaceAll(msg, cfg.Password, "****")
	}
	return fmt.Errorf("%s", strings.ReplaceAll(msg, dsn, "(dsn)"))
}
