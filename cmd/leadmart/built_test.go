package main

import (
	"os"
	"testing"

	"leadmart/internal/whtest"
)

// built holds the fixtures this package's tests start from, each run once:
// a test that needs "a fixture, published once" gets its own copy of it.
// It is the package's only shared state, on purpose: it saves a run per test.
var built whtest.Built

func TestMain(m *testing.M) { os.Exit(built.Main(m)) }
