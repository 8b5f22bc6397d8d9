# leadmart: the two everyday commands are `make run` and `make test`.
GO      ?= go
BIN     := bin/leadmart
ARGS    ?=

.PHONY: all build run test bench lint clean docs fuzz

all: build

build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/leadmart

# The nightly job on the built-in demo data (generated on first use) into ./warehouse/,
# then the management report of the last complete month, in German and English
# (HTML, and PDF when Chromium is installed).
run: build
	./$(BIN) run $(ARGS)
	./$(BIN) report

# Every test, with the race detector off: DuckDB's cgo calls make -race very slow. The jobs
# package runs whole jobs in helper processes: on a busy 2-core machine it can pass go test's
# default 10-minute limit, so the limit is 30. Each test binary links all of DuckDB, about
# 20 of them: they link without DWARF and symbol tables (-s -w; stack traces still name every
# function), and with the mold linker when it is installed (apt-get install mold), which
# links one in a third of the time of GNU ld.
MOLD       := $(shell command -v mold 2>/dev/null)
TESTLDFLAGS = -s -w$(if $(MOLD), -extldflags=-fuse-ld=mold)
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m -ldflags="$(TESTLDFLAGS)" ./...

# Go benchmarks of leadmart's own hot paths, then the job at BENCH_SCALES
# (S = demo; M = about 1M leads; L = 10 x M): full, incremental and engine
# baseline, medians of BENCH_RUNS, results in bench/results/. docs/performance.md.
BENCH_SCALES ?= S
BENCH_RUNS   ?= 3
BENCH_FLAGS  ?=
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...
	./$(BIN) bench --scales $(BENCH_SCALES) --runs $(BENCH_RUNS) $(BENCH_FLAGS)

# Each fuzz target for FUZZTIME (go test fuzzes one target per call). Their seed
# corpora also run, as plain tests, in make test.
FUZZTIME ?= 20s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./config
	$(GO) test -run '^$$' -fuzz '^FuzzScanner$$' -fuzztime $(FUZZTIME) ./connectors/file
	$(GO) test -run '^$$' -fuzz '^FuzzDecimal$$' -fuzztime $(FUZZTIME) ./jobs
	$(GO) test -run '^$$' -fuzz '^FuzzDate$$' -fuzztime $(FUZZTIME) ./jobs

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...

clean:
	rm -rf bin warehouse

# Regenerate docs/tables.md from the model declarations (a test checks it is current).
docs: build
	./$(BIN) docs --static docs/tables.md --entities docs/entities.md
