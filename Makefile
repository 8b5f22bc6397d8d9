# leadmart: the two everyday commands are `make run` and `make test`.
GO      ?= go
BIN     := bin/leadmart
ARGS    ?=

.PHONY: all build run test bench lint clean docs

all: build

build:
	$(GO) build -o $(BIN) ./cmd/leadmart

# The nightly job on the built-in demo data (generated on first use) into ./warehouse/.
run: build
	./$(BIN) run $(ARGS)

# Every test, with the race detector off: DuckDB's cgo calls make -race very slow. Test
# binaries link without DWARF and symbol tables (-s -w): each links all of DuckDB, and that
# takes 2 s less per package (stack traces still name every function).
test:
	$(GO) vet ./...
	$(GO) test -count=1 -ldflags="-s -w" ./...

# Go benchmarks of leadmart's own hot paths, then the job at BENCH_SCALES
# (S = demo; M = about 1M leads; L = 10 x M): full, incremental and engine
# baseline, medians of BENCH_RUNS, results in bench/results/. docs/performance.md.
BENCH_SCALES ?= S
BENCH_RUNS   ?= 3
BENCH_FLAGS  ?=
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...
	./$(BIN) bench --scales $(BENCH_SCALES) --runs $(BENCH_RUNS) $(BENCH_FLAGS)

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...

clean:
	rm -rf bin warehouse

# Regenerate docs/tables.md from the model declarations (a test checks it is current).
docs: build
	./$(BIN) docs --static docs/tables.md --entities docs/entities.md
