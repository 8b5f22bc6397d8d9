package main

import (
	"fmt"
	"os"
	"testing"

	"leadmart/internal/whtest"
)

// built holds the fixtures this package's tests start from, each run once:
// a test that needs "crm_en, published once" gets its own copy of it.
var built whtest.Built

func TestMain(m *testing.M) {
	code := m.Run()
	if err := built.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "remove the built fixtures:", err)
	}
	os.Exit(code)
}
